"""An order's story from a run's span file (RUN_DIR/spans.jsonl): every span of the traces that name it,
as a tree, with its critical path; and the slowest orders of a run.

An order is named in a span's attributes by its ClOrdID (`fix.cl_ord_id`) or its strategy's own id
(`vigil.client_id`). Its trace begins where it was decided (a strategy's `decide`, a signal, an
operator's command) and runs through every actor that handled it. A trace may carry other orders too
(a strategy that sent two on one quote): their spans are left out of this one's story. A decision
links to where the feed published the quote it consumed (a span of the feed's own trace: one burst
of quotes may lead to many orders); that span is shown first, marked linked.

The file is read as a stream, twice (the traces that name the order, then their spans; a third time
for linked spans): a day's run holds millions of spans, and each pass looks only at lines its needles
occur in.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from vigil.errors import VigilError

ORDER_KEYS = ("fix.cl_ord_id", "vigil.client_id")
"""The attributes that name the order a span is about."""


@dataclass
class TraceSpan:
    name: str
    actor: str
    pid: int | None
    trace_id: str
    span_id: str
    parent_id: str | None
    start_ns: int
    end_ns: int
    attributes: dict[str, Any]
    links: list[str] = field(default_factory=list)
    """The span ids of the contexts it links to (where the message it consumed was made)."""
    children: list[TraceSpan] = field(default_factory=list)
    critical: bool = False
    linked: bool = False
    """A span of another trace that one of this order's spans links to (the feed's publish of its quote)."""

    @property
    def duration_ns(self) -> int:
        return self.end_ns - self.start_ns

    def names(self, order: str) -> bool:
        return any(self.attributes.get(key) == order for key in ORDER_KEYS)

    def other_order(self, order: str, ids: set[str]) -> bool:
        """Whether the span is about an order that is not this one."""
        named = {self.attributes.get(key) for key in ORDER_KEYS} - {None, ""}
        return bool(named) and not named & ids


@dataclass
class OrderTrace:
    order: str
    """What it was asked for by: a ClOrdID or a strategy's own id."""
    cl_ord_id: str
    trace_id: str
    spans: list[TraceSpan]
    """Every span, by start; each child under its parent, the critical path marked."""

    @property
    def start_ns(self) -> int:
        return self.spans[0].start_ns

    @property
    def end_ns(self) -> int:
        return max(s.end_ns for s in self.spans)

    @property
    def actors(self) -> list[str]:
        return sorted({s.actor for s in self.spans})

    def to_dict(self) -> dict[str, Any]:
        t0 = self.start_ns
        return {"cl_ord_id": self.cl_ord_id, "trace_id": self.trace_id, "spans": [
            {"name": s.name, "actor": s.actor, "pid": s.pid, "start_us": round((s.start_ns - t0) / 1000, 1),
             "duration_us": round(s.duration_ns / 1000, 1), "span_id": s.span_id, "parent_id": s.parent_id,
             "critical": s.critical, "attributes": s.attributes, "links": s.links, "linked": s.linked}
            for s in self.spans]}


def span_file(run_dir: Path) -> Path:
    from vigil.telemetry import SPAN_FILE

    path = Path(run_dir) / SPAN_FILE
    if not path.exists():
        raise VigilError(f"no spans in {run_dir} (no {SPAN_FILE}): was tracing exported elsewhere (OTLP)?")
    return path


def order_trace(path: Path, order: str) -> OrderTrace:
    """The story of one order, found by its ClOrdID or its strategy's own id (VigilError: none)."""
    traces, ids = set(), {order}
    for span in _read(path, order):
        if span.names(order):
            traces.add(span.trace_id)
            ids.update(str(span.attributes[key]) for key in ORDER_KEYS if span.attributes.get(key))
    if not traces:
        raise VigilError(f"no span names order {order!r} in {path} (spans reach the file within a second)")
    spans = [s for s in _read(path, *traces) if s.trace_id in traces and not s.other_order(order, ids)]
    spans.sort(key=lambda s: s.start_ns)
    cl_ord_id = next((str(s.attributes["fix.cl_ord_id"]) for s in spans if s.attributes.get("fix.cl_ord_id")
                      and ids & {s.attributes.get("fix.cl_ord_id"), s.attributes.get("vigil.client_id")}), order)
    trace_id = spans[0].trace_id
    linked_ids = {link for s in spans for link in s.links}
    linked = [s for s in _read(path, *linked_ids) if s.span_id in linked_ids] if linked_ids else []
    for span in linked:
        span.linked = True
    return OrderTrace(order, cl_ord_id, trace_id, _as_tree(sorted(spans + linked, key=lambda s: s.start_ns)))


def trace_ids(path: Path, cl_ord_ids: Iterable[str]) -> dict[str, str]:
    """The trace each of these orders is in (those found), by ClOrdID: what a drill's journal lists."""
    wanted = set(cl_ord_ids)
    found: dict[str, str] = {}
    for span in _read(path, *wanted) if wanted else ():
        cl_ord_id = span.attributes.get("fix.cl_ord_id")
        if cl_ord_id in wanted:
            found.setdefault(str(cl_ord_id), span.trace_id)
    return found


def slowest(path: Path, n: int) -> list[dict[str, Any]]:
    """The `n` orders whose traces took longest from first span to last: ClOrdID, strategy, spans, actors."""
    by_trace: dict[str, list[TraceSpan]] = {}
    for span in _read(path):
        by_trace.setdefault(span.trace_id, []).append(span)
    orders = []
    for trace_id, spans in by_trace.items():
        named = [s for s in spans if s.attributes.get("fix.cl_ord_id")]
        if not named:
            continue
        start, end = min(s.start_ns for s in spans), max(s.end_ns for s in spans)
        orders.append({"cl_ord_id": str(named[0].attributes["fix.cl_ord_id"]), "trace_id": trace_id,
                       "strategy": next((str(s.attributes["vigil.strategy"]) for s in spans
                                         if s.attributes.get("vigil.strategy")), ""),
                       "duration_us": round((end - start) / 1000, 1), "spans": len(spans),
                       "actors": len({s.actor for s in spans})})
    orders.sort(key=lambda o: -o["duration_us"])
    return orders[:n]


def _as_tree(spans: list[TraceSpan]) -> list[TraceSpan]:
    """Depth first from the roots (spans whose parent is not in the trace), children by start; marks the
    critical path: from the root that ends last (after what it links to), each time the child that ends last."""
    by_id = {s.span_id: s for s in spans}
    roots = []
    for span in spans:
        parent = by_id.get(span.parent_id or "")
        (parent.children if parent is not None else roots).append(span)
    step: TraceSpan | None = max((s for s in roots if not s.linked), key=_latest_end, default=None) or roots[0]
    for link in step.links:
        if link in by_id:
            by_id[link].critical = True
    while step is not None:
        step.critical = True
        step = max(step.children, key=lambda s: _latest_end(s)) if step.children else None
    ordered: list[TraceSpan] = []

    def walk(span: TraceSpan) -> None:
        ordered.append(span)
        for child in span.children:
            walk(child)
    for root in roots:
        walk(root)
    return ordered


def _latest_end(span: TraceSpan) -> int:
    return max([span.end_ns, *(_latest_end(c) for c in span.children)])


def _read(path: Path, *needles: str) -> Iterator[TraceSpan]:
    """Spans of the file; with needles, only those of lines one of them occurs in (a cheap first cut)."""
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if needles and not any(needle in line for needle in needles):
                continue
            try:
                yield _span(json.loads(line))
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a crash, or not a span: the rest of the file still reads


def _span(raw: dict[str, Any]) -> TraceSpan:
    resource = raw.get("resource", {}).get("attributes", {})
    attributes = raw.get("attributes") or {}
    parent = raw.get("parent_id")
    return TraceSpan(raw["name"], str(attributes.get("vigil.actor") or resource.get("service.name", "?")),
                     resource.get("process.pid"), _hex(raw["context"]["trace_id"]), _hex(raw["context"]["span_id"]),
                     _hex(parent) if parent else None, _ns(raw["start_time"]), _ns(raw["end_time"]), attributes,
                     [_hex(link["context"]["span_id"]) for link in raw.get("links") or ()])


def _hex(value: str) -> str:
    return value[2:] if value.startswith("0x") else value


def _ns(iso: str) -> int:
    """'2026-12-02T04:19:54.529681Z' -> epoch ns (microsecond precision, as the exporter writes it)."""
    whole, _, fraction = iso.rstrip("Z").partition(".")
    return _seconds(whole) * 1_000_000_000 + int((fraction or "0").ljust(9, "0")[:9])


@functools.lru_cache(maxsize=4096)
def _seconds(whole: str) -> int:
    return int(datetime.fromisoformat(whole + "+00:00").timestamp())


def waterfall(trace: OrderTrace, width: int = 40) -> Iterable[str]:
    """The trace as text: offset, duration, a bar on one time axis, actor, span and its key attributes;
    '*' marks the critical path."""
    t0, total = trace.start_ns, max(trace.end_ns - trace.start_ns, 1)
    yield (f"order {trace.cl_ord_id} (trace {trace.trace_id}): {len(trace.spans)} spans in "
           f"{len(trace.actors)} actors, {total / 1e6:.3f} ms")
    depth = _depths(trace.spans)
    actor_w = max(len(s.actor) for s in trace.spans)
    for span in trace.spans:
        start = int((span.start_ns - t0) / total * width)
        length = max(1, int(span.duration_ns / total * width))
        bar = " " * start + "#" * min(length, width - start) if start < width else " " * (width - 1) + "#"
        name = "  " * depth[span.span_id] + span.name + (" (linked)" if span.linked else "")
        yield (f"{'*' if span.critical else ' '} {(span.start_ns - t0) / 1e6:8.3f} ms {span.duration_ns / 1e6:8.3f} ms"
               f"  |{bar:<{width}}|  {span.actor:<{actor_w}}  {name}  {_key_attributes(span)}").rstrip()


def _depths(spans: list[TraceSpan]) -> dict[str, int]:
    depth: dict[str, int] = {}
    for span in spans:  # parents come before their children
        depth.setdefault(span.span_id, 0)
        for child in span.children:
            depth[child.span_id] = depth[span.span_id] + 1
    return depth


_SHOWN = ("vigil.strategy", "vigil.symbol", "vigil.session", "messaging.message.id", "quote.age_us", "risk.decision",
          "fix.exec_type", "fix.ord_status")


def _key_attributes(span: TraceSpan) -> str:
    return " ".join(f"{key.split('.', 1)[1]}={span.attributes[key]}" for key in _SHOWN
                    if span.attributes.get(key) not in (None, ""))
