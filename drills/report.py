"""A drill's journal as a report a person reads: Markdown, and one self-contained HTML page with a timeline picture.

    markdown(journal) -> str      headings, a text timeline and tables
    html(journal) -> str          inline CSS and an inline SVG timeline; no external assets, no JavaScript
    write(journal, directory, stem) -> (STEM.html, STEM.md)

The journal is the drill runner's JSON (drills/runner.py; a sample: tests/support/drill_journal.json); every key
is optional here, so a journal cut short (an aborted or interrupted drill) still renders, and its `report`, when
set, is shown as the HTML report's path. All *_s values are seconds since the drill started. Every string from
the journal is escaped (HTML entities; in Markdown, entities and backslashes): a probe's value may hold anything.

The timeline picture: one time axis across the top, ticks every 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30 s or 1, 2, 5,
10, 15, 30 min, 1 h ... so a 2-second drill and a 2-hour drill both get a handful (at most 8 intervals, the last
tick at or past the end); an events band with a marker for each
timeline event (fault, detect, recover, page, resolve, deviation, abort, rollback, probe), a dashed guide line
from each down through the steps; then one row per method step with a bar from its start to its end, and one per
rollback; a legend at the bottom. Pages and steady-state deviations the timeline does not list are drawn from
the journal's pages and steady_state.during.
"""
from __future__ import annotations

import json
import math
import re
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

__all__ = ["markdown", "html", "write"]

STATUS_COLOURS = {"completed": "#1a7f37", "failed": "#cf222e", "aborted": "#bc4c00", "interrupted": "#6e7781"}

# Each timeline event kind: (colour, how it is drawn, what the legend says).
KINDS: dict[str, tuple[str, str, str]] = {
    "fault": ("#cf222e", "diamond", "fault injected"),
    "detect": ("#9a6700", "triangle", "detected"),
    "recover": ("#1a7f37", "circle", "recovered"),
    "page": ("#8250df", "square", "page triggered"),
    "resolve": ("#8250df", "hollow-square", "page resolved"),
    "deviation": ("#bf3989", "cross", "steady state violated"),
    "abort": ("#bc4c00", "octagon", "aborted"),
    "rollback": ("#0969da", "left-triangle", "rollback"),
    "probe": ("#6e7781", "hollow-circle", "probe"),
}
OTHER_KIND = ("#57606a", "dot", "other")

BAR_STYLES = {  # (fill, stroke, legend)
    "action": ("#0969da", "#0550ae", "action"),
    "step": ("#b6d4f7", "#0969da", "probe / wait / pause"),
    "failed": ("#cf222e", "#a40e26", "failed step"),
    "skipped": ("#eaeef2", "#8c959f", "skipped step"),
    "rollback": ("#1b7c83", "#115e63", "rollback"),
}

# Axis tick steps, seconds: 1, 2, 5, 10, 15, 30 s; 1, 2, 5, 10, 15, 30 min; 1, 2, 3, 6, 12 h; a day.
TICK_STEPS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
              3600, 7200, 10800, 21600, 43200, 86400)
MAX_TICKS = 8

# SVG geometry, px.
WIDTH = 1000
PLOT_X0 = 240          # left of it: the row labels
PLOT_X1 = WIDTH - 56   # right of it: room for a duration label after a bar that ends the drill
AXIS_H = 36
LANE_H = 18
MAX_LANES = 6
ROW_H = 22
BAR_H = 14

# How to use a trace id, with the commands in {}: `vigil trace` takes an order, not a trace id.
TRACE_HINT = ("{vigil trace CLORDID} opens an order; these are the traces' ids (the TRACE column of "
              "{vigil trace --slowest N}, the trace_id of the run's spans in spans.jsonl or your OTLP backend)")


# --- reading the journal, tolerantly ----------------------------------------------------------------------

def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict]:
    return [item for item in _list(value) if isinstance(item, dict)]


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _val(value: Any) -> str:
    """A journal value (a probe's reading, a tolerance, a step's output) as short text."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str, separators=(", ", ": "))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _secs(value: Any) -> str:
    """An offset or a duration: 1.23 s, 12.3 s, 2 min 05 s, 1 h 02 min 03 s; — when unknown."""
    v = _num(value)
    if v is None:
        return "—"
    sign, v = ("-" if v < 0 else ""), abs(v)
    if v < 10:
        return f"{sign}{v:.2f} s"
    if v < 60:
        return f"{sign}{v:.1f} s"
    total = round(v)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{sign}{hours} h {minutes:02d} min {seconds:02d} s"
    return f"{sign}{minutes} min {seconds:02d} s"


def _offset(value: Any) -> str:
    v = _num(value)
    return "—" if v is None else ("+" if v >= 0 else "") + _secs(v)


def _duration(step: dict) -> float | None:
    """A step's duration: as recorded, else from its start and end."""
    duration = _num(step.get("duration_s"))
    if duration is None and _num(step.get("start_s")) is not None and _num(step.get("end_s")) is not None:
        duration = _num(step["end_s"]) - _num(step["start_s"])
    return duration


def _status(journal: dict) -> str:
    return _text(journal.get("status")) or "unknown"


def _steps(journal: dict, key: str) -> list[dict]:
    return _dicts(journal.get(key))


def _events(journal: dict) -> list[dict]:
    """The timeline, sorted; plus pages and steady-state deviations the timeline does not already list."""
    events = [{"at_s": _num(e.get("at_s")), "kind": _text(e.get("kind")) or "event", "label": _text(e.get("label"))}
              for e in _dicts(journal.get("timeline")) if _num(e.get("at_s")) is not None]
    kinds = {e["kind"] for e in events}
    if not kinds & {"page", "resolve"}:
        for page in _dicts(journal.get("pages")):
            if _num(page.get("at_s")) is not None:
                kind = "resolve" if page.get("action") == "resolve" else "page"
                label = _text(page.get("summary")) or _text(page.get("dedup_key"))
                events.append({"at_s": _num(page["at_s"]), "kind": kind, "label": label})
    if "deviation" not in kinds:
        for check in _dicts(_dict(journal.get("steady_state")).get("during")):
            if _num(check.get("first_deviation_s")) is not None:
                label = f"{_text(check.get('name'))}: worst {_val(check.get('worst'))}, tolerance {_val(check.get('tolerance'))}"
                events.append({"at_s": _num(check["first_deviation_s"]), "kind": "deviation", "label": label})
    return sorted(events, key=lambda e: e["at_s"])


def _extent(journal: dict, events: list[dict]) -> float:
    """How far the time axis must reach: the drill's duration, and anything recorded after it."""
    times = [_num(journal.get("duration_s"))]
    for key in ("run", "rollbacks"):
        for step in _steps(journal, key):
            times += [_num(step.get("start_s")), _num(step.get("end_s"))]
    times += [e["at_s"] for e in events]
    for phase in ("before", "after"):
        times += [_num(c.get("at_s")) for c in _dicts(_dict(journal.get("steady_state")).get(phase))]
    known = [t for t in times if t is not None]
    return max(known, default=0.0)


def axis_ticks(extent: float) -> list[float]:
    """Ticks from 0 past `extent`, a sensible step apart: at most MAX_TICKS intervals, the last tick >= extent."""
    extent = max(extent, 0.0) or 1.0
    step = next((s for s in TICK_STEPS if extent / s <= MAX_TICKS), None)
    if step is None:
        step = 86400 * math.ceil(extent / MAX_TICKS / 86400)
    count = max(1, math.ceil(extent / step - 1e-9))
    return [round(i * step, 6) for i in range(count + 1)]


def _tick_label(t: float, step: float) -> str:
    if step < 60:
        return f"{t:g} s"
    if t < 3600:
        return f"{t / 60:g} min"
    hours, minutes = divmod(round(t / 60), 60)
    return f"{hours} h" + (f" {minutes} min" if minutes else "")


def _summary(journal: dict) -> list[tuple[str, str, bool]]:
    """The numbers a reader looks for first: (what, value, bad?)."""
    items: list[tuple[str, str, bool]] = []
    expectations = _dicts(journal.get("expectations"))
    if expectations:
        met = sum(1 for x in expectations if x.get("met") is True)
        items.append(("expectations", f"{met} of {len(expectations)} met", met < len(expectations)))
    steady = _dict(journal.get("steady_state"))
    for phase in ("before", "after"):
        checks = _dicts(steady.get(phase))
        if checks:
            ok = sum(1 for c in checks if c.get("ok") is True)
            items.append((f"steady state {phase}", f"{ok} of {len(checks)} ok", ok < len(checks)))
    during = _dicts(steady.get("during"))
    if during:
        deviations = sum(int(_num(c.get("deviations")) or 0) for c in during)
        samples = sum(int(_num(c.get("samples")) or 0) for c in during)
        items.append(("steady state during", f"{deviations} deviations in {samples} samples", deviations > 0))
    run = _steps(journal, "run")
    if run:
        counts: dict[str, int] = {}
        for step in run:
            counts[_text(step.get("status")) or "unknown"] = counts.get(_text(step.get("status")) or "unknown", 0) + 1
        text = ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=lambda kv: kv[0] != "succeeded"))
        items.append(("steps", text, any(s != "succeeded" for s in counts)))
    for key, what in (("time_to_detect_s", "time to detect"), ("time_to_recover_s", "time to recover")):
        timed = [(_num(s.get(key)), _text(s.get("name"))) for s in run if _num(s.get(key)) is not None]
        if timed:
            value, name = max(timed)
            items.append((what, f"{_secs(value)} ({_clip(name, 40)})", False))
    pages = _dicts(journal.get("pages"))
    if pages:
        triggered = sum(1 for p in pages if p.get("action") != "resolve")
        items.append(("pages", f"{triggered} triggered, {len(pages) - triggered} resolved", False))
    orders = _dict(journal.get("orders"))
    if orders:
        lost, dup = len(_list(orders.get("lost"))), len(_list(orders.get("duplicated")))
        items.append(("orders", f"{lost} lost, {dup} duplicated", bool(lost or dup)))
    return items


def _safe_href(link: str) -> str | None:
    """A link fit for href: a relative path or http(s)/file URL; never javascript: and the like."""
    scheme = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", link)
    if scheme and scheme.group(1).lower() not in ("http", "https", "file"):
        return None
    return link


# --- Markdown -------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*\[\]|])")
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_URL_SAFE = ":/?#@!$&'*+,;=%~"  # kept in a Markdown link's URL; spaces, parentheses, <, > are %-quoted


def _md(value: Any, limit: int | None = None) -> str:
    """Journal text for Markdown: one line, nothing in it read as markup, and no HTML: <script> becomes &lt;script&gt;,
    which every Markdown renderer shows as the text <script>."""
    text = " ".join((value if isinstance(value, str) else _val(value)).split())
    if limit:
        text = _clip(text, limit)
    text = re.sub(r"[&<>]", lambda m: _MD_ENTITIES[m.group()], text)
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return ["_none_", ""]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return lines + [""]


def _md_steps(steps: list[dict]) -> list[str]:
    rows = []
    for i, s in enumerate(steps, 1):
        rows.append([str(i), _md(s.get("name")), _md(s.get("type")), _md(s.get("kind")),
                     _md(", ".join(_text(t) for t in _list(s.get("targets")))),
                     _offset(s.get("start_s")), _secs(_duration(s)), _md(_text(s.get("status")).upper()),
                     _secs(s.get("time_to_detect_s")), _secs(s.get("time_to_recover_s")),
                     _md("; ".join(_step_notes(s)), 200),
                     _md(s.get("output"), 80) if s.get("output") is not None else ""])
    return _md_table(["#", "step", "type", "kind", "targets", "start", "duration", "status",
                      "detect", "recover", "error / notes", "output"], rows)


def _step_notes(step: dict) -> list[str]:
    """A step's error, then its notes (a detection or recovery that did not come in time)."""
    notes = [_text(step["error"])] if step.get("error") else []
    return notes + [_val(n) for n in _list(step.get("notes"))]


def markdown(journal: dict) -> str:
    """The journal as Markdown: header facts, the reason, a summary, a text timeline, then the tables."""
    journal = _dict(journal)
    status = _status(journal)
    out = [f"# Drill: {_md(journal.get('title') or 'untitled drill')}", ""]
    facts = [f"**Status:** {_md(status.upper())}",
             f"**Deviated:** {'yes' if journal.get('deviated') else 'no'}",
             f"**Duration:** {_secs(journal.get('duration_s'))}"]
    out += [" · ".join(facts), ""]
    details = []
    if journal.get("started_at") or journal.get("ended_at"):
        details.append(f"- Started {_md(journal.get('started_at') or '—')}, ended {_md(journal.get('ended_at') or '—')}")
    if journal.get("file"):
        details.append(f"- File: {_md(journal['file'])}")
    tags = [_md(t) for t in _list(journal.get("tags"))]
    if tags:
        details.append(f"- Tags: {', '.join(tags)}")
    runbook = _text(journal.get("runbook"))
    if runbook:
        href = _safe_href(runbook)
        link = f"[{_md(runbook)}]({quote(href, safe=_URL_SAFE)})" if href else _md(runbook)
        details.append(f"- Runbook: {link}")
    if journal.get("report"):
        details.append(f"- Report: {_md(journal['report'])}")
    if details:
        out += details + [""]
    if status in ("failed", "aborted") or journal.get("reason"):
        out += [f"> **{_md(status.capitalize())}:** {_md(journal.get('reason') or 'no reason recorded')}", ""]
    if journal.get("description"):
        out += [_md(journal["description"]), ""]

    summary = _summary(journal)
    if summary:
        out += ["## Summary", ""]
        out += [f"- {what}: {'**' + _md(value) + '**' if bad else _md(value)}" for what, value, bad in summary]
        out.append("")

    out += ["## Timeline", ""]
    events = _events(journal)
    out += [f"- `{_offset(e['at_s'])}` **{_md(e['kind'])}** {_md(e['label'])}" for e in events]
    out += [] if events else ["_no events recorded_"]
    out.append("")

    steady = _dict(journal.get("steady_state"))
    out += ["## Steady state", ""]
    out += ["### Before", ""] + _md_checks(_dicts(steady.get("before")))
    out += ["### During", ""]
    out += _md_table(["check", "probe", "samples", "deviations", "first deviation", "worst", "tolerance"],
                     [[_md(c.get("name")), _md(c.get("probe")), _val(c.get("samples")),
                       (f"**{_val(c.get('deviations'))}**" if _num(c.get("deviations")) else _val(c.get("deviations"))),
                       _offset(c.get("first_deviation_s")), _md(c.get("worst"), 80), _md(c.get("tolerance"), 80)]
                      for c in _dicts(steady.get("during"))])
    out += ["### After", ""] + _md_checks(_dicts(steady.get("after")))

    out += ["## Method", ""] + _md_steps(_steps(journal, "run"))
    out += ["## Rollbacks", ""] + _md_steps(_steps(journal, "rollbacks"))

    out += ["## Expectations", ""]
    out += _md_table(["expectation", "result", "value", "tolerance", "detail"],
                     [[_md(x.get("name")), "met" if x.get("met") is True else "**NOT MET**",
                       _md(x.get("value"), 80), _md(x.get("tolerance"), 80),
                       _md(x.get("detail"), 200) if x.get("detail") else ""]
                      for x in _dicts(journal.get("expectations"))])

    out += ["## Pages", ""]
    pages = _dicts(journal.get("pages"))
    delivered = any("delivered" in p for p in pages)
    out += _md_table(["at", "action", "severity", "summary", "dedup key"] + (["delivered"] if delivered else []),
                     [[_offset(p.get("at_s")), _md(p.get("action")), _md(p.get("severity")),
                       _md(p.get("summary"), 200), _md(p.get("dedup_key"))]
                      + ([_delivered(p)] if delivered else []) for p in pages])
    if journal.get("pages_error"):
        out += [f"**The pages could not be read:** {_md(journal['pages_error'], 300)}", ""]

    out += ["## Orders", ""]
    orders = _dict(journal.get("orders"))
    if orders:
        lost, dup = _list(orders.get("lost")), _list(orders.get("duplicated"))
        touched = "touched" in orders
        out += _md_table(["before", "after"] + (["new in the drill"] if touched else []) + ["lost", "duplicated"],
                         [[_val(orders.get("before")), _val(orders.get("after"))]
                          + ([_val(orders.get("touched"))] if touched else [])
                          + [str(len(lost)) if not lost else f"**{len(lost)}**: " + ", ".join(_md(o) for o in lost),
                             str(len(dup)) if not dup else f"**{len(dup)}**: " + ", ".join(_md(o) for o in dup)]])
        if orders.get("error"):
            out += [f"**The books could not be read:** {_md(orders['error'], 300)}", ""]
    else:
        out += ["_not recorded_", ""]

    out += ["## Traces", ""]
    trace_ids = [_md(t) for t in _list(journal.get("trace_ids"))]
    if trace_ids:
        out += [TRACE_HINT.replace("{", "`").replace("}", "`"), ""] + [f"- {t}" for t in trace_ids] + [""]
    else:
        out += ["_none_", ""]

    return "\n".join(out).rstrip() + "\n"


def _check_note(check: dict) -> str:
    """A probe's error (it could not answer) or its detail, as text; "" when neither."""
    if check.get("error"):
        return f"error: {_text(check['error'])}"
    return _val(check["detail"]) if check.get("detail") not in (None, "", [], {}) else ""


def _delivered(page: dict) -> str:
    return {True: "yes", False: "not yet"}.get(page.get("delivered"), _val(page.get("delivered")))


def _md_checks(checks: list[dict]) -> list[str]:
    noted = any(_check_note(c) for c in checks)
    rows = [[_md(c.get("name")), _md(c.get("probe")), _md(c.get("value"), 80), _md(c.get("tolerance"), 80),
             "ok" if c.get("ok") is True else "**NOT OK**", _offset(c.get("at_s"))]
            + ([_md(_check_note(c), 200)] if noted else []) for c in checks]
    return _md_table(["check", "probe", "value", "tolerance", "ok", "at"] + (["detail"] if noted else []), rows)


# --- the SVG timeline -----------------------------------------------------------------------------------

def _kind_class(kind: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", kind.lower()).strip("-") or "event"


def _shape(kind: str, x: float, y: float, r: float = 6.0) -> str:
    colour, shape, _ = KINDS.get(kind, OTHER_KIND)
    if shape == "diamond":
        return f'<polygon points="{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r:.1f} {x - r:.1f},{y:.1f}" fill="{colour}"/>'
    if shape == "triangle":
        return (f'<polygon points="{x:.1f},{y - r:.1f} {x + r:.1f},{y + r * 0.8:.1f} {x - r:.1f},{y + r * 0.8:.1f}" '
                f'fill="{colour}"/>')
    if shape == "left-triangle":
        return (f'<polygon points="{x - r:.1f},{y:.1f} {x + r * 0.8:.1f},{y - r:.1f} {x + r * 0.8:.1f},{y + r:.1f}" '
                f'fill="{colour}"/>')
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r * 0.85:.1f}" fill="{colour}"/>'
    if shape == "hollow-circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r * 0.75:.1f}" fill="#fff" stroke="{colour}" stroke-width="2"/>'
    if shape == "square":
        s = r * 0.8
        return f'<rect x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" height="{2 * s:.1f}" fill="{colour}"/>'
    if shape == "hollow-square":
        s = r * 0.75
        return (f'<rect x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" height="{2 * s:.1f}" fill="#fff" '
                f'stroke="{colour}" stroke-width="2"/>')
    if shape == "cross":
        s = r * 0.75
        return (f'<path d="M{x - s:.1f},{y - s:.1f}L{x + s:.1f},{y + s:.1f}M{x - s:.1f},{y + s:.1f}L{x + s:.1f},{y - s:.1f}" '
                f'stroke="{colour}" stroke-width="2.6" stroke-linecap="round"/>')
    if shape == "octagon":
        pts = " ".join(f"{x + r * math.cos(math.pi / 8 + i * math.pi / 4):.1f},"
                       f"{y + r * math.sin(math.pi / 8 + i * math.pi / 4):.1f}" for i in range(8))
        return (f'<polygon points="{pts}" fill="{colour}"/>'
                f'<rect x="{x - r * 0.55:.1f}" y="{y - 1:.1f}" width="{r * 1.1:.1f}" height="2" fill="#fff"/>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r * 0.6:.1f}" fill="{colour}"/>'


def _bar_style(step: dict, rollback: bool) -> str:
    status = _text(step.get("status"))
    if status == "failed":
        return "failed"
    if status == "skipped":
        return "skipped"
    if rollback:
        return "rollback"
    return "action" if step.get("type") == "action" else "step"


def _text_width(text: str, size: float) -> float:
    return len(text) * size * 0.6


def svg_timeline(journal: dict) -> str:
    """The timeline picture as an inline SVG element."""
    journal = _dict(journal)
    events = _events(journal)
    run, rollbacks = _steps(journal, "run"), _steps(journal, "rollbacks")
    ticks = axis_ticks(_extent(journal, events))
    end, step = ticks[-1], (ticks[1] - ticks[0] if len(ticks) > 1 else ticks[-1])

    def sx(t: float) -> float:
        return PLOT_X0 + min(max(t, 0.0), end) / end * (PLOT_X1 - PLOT_X0)

    # Events: spread over lanes so their labels do not overlap; a label that fits nowhere is left to the title.
    lane_ends: list[float] = []
    placed = []
    for e in events:
        x = sx(e["at_s"])
        label = _clip(e["label"], 42)
        width = _text_width(label, 11) + 12
        right = x + width <= WIDTH - 4
        start, stop = (x - 7, x + width) if right else (x - width, x + 7)
        lane = next((i for i, lane_end in enumerate(lane_ends) if lane_end + 10 <= start), None)
        if lane is None and len(lane_ends) < MAX_LANES:
            lane_ends.append(-1e9)
            lane = len(lane_ends) - 1
        show_label = lane is not None
        if lane is None:  # no room for the label (the events table below has it): room for the marker alone?
            lane = next((i for i, lane_end in enumerate(lane_ends) if lane_end + 2 <= x - 8), None)
            if lane is None:
                lane = min(range(len(lane_ends)), key=lambda i: lane_ends[i])
            lane_ends[lane] = max(lane_ends[lane], x + 8)
        else:
            lane_ends[lane] = stop
        placed.append((e, x, lane, label if show_label else "", right))

    events_y0 = AXIS_H + 6
    events_h = max(1, len(lane_ends)) * LANE_H + 6
    rows_y0 = events_y0 + events_h + 4
    row_count = len(run) + (len(rollbacks) + 1 if rollbacks else 0)
    rows_y1 = rows_y0 + max(row_count, 1) * ROW_H
    rows: list[str] = []

    # Row stripes and labels, and the bars.
    def row(index: int, y: float, s: dict, rollback: bool, number: str) -> None:
        if index % 2:
            rows.append(f'<rect x="0" y="{y:.1f}" width="{WIDTH}" height="{ROW_H}" fill="#f6f8fa"/>')
        name = _text(s.get("name")) or "(unnamed)"
        label = f"{number} {name}"
        rows.append(f'<text class="row-label" x="{PLOT_X0 - 10}" y="{y + ROW_H / 2 + 4:.1f}" text-anchor="end" '
                     f'font-size="12" fill="#1f2328">{escape(_clip(label, 36))}<title>{escape(label)}</title></text>')
        start, stop = _num(s.get("start_s")), _num(s.get("end_s"))
        if start is None:
            rows.append(f'<text x="{PLOT_X0 + 6}" y="{y + ROW_H / 2 + 4:.1f}" font-size="11" font-style="italic" '
                         f'fill="#6e7781">{escape(_text(s.get("status")) or "not run")}</text>')
            return
        if stop is None:
            stop = start + (_num(s.get("duration_s")) or 0.0)
        style = _bar_style(s, rollback)
        fill, stroke, _ = BAR_STYLES[style]
        x0, x1 = sx(start), sx(max(stop, start))
        w = max(x1 - x0, 2.0)
        bar_type = "rollback" if rollback else _kind_class(_text(s.get("type")) or "step")
        status = _kind_class(_text(s.get("status")) or "unknown")
        tooltip = (f"{name} — {_text(s.get('type'))} {_text(s.get('kind'))} on "
                   f"{', '.join(_text(t) for t in _list(s.get('targets'))) or '—'}: {_offset(start)} to {_offset(stop)}, "
                   f"{_text(s.get('status'))}")
        if s.get("error"):
            tooltip += f"; error: {_text(s.get('error'))}"
        dash = ' stroke-dasharray="3 2"' if style == "skipped" else ""
        rows.append(f'<rect class="bar bar-{bar_type} status-{status}" data-start="{start:g}" data-end="{stop:g}" '
                     f'x="{x0:.1f}" y="{y + (ROW_H - BAR_H) / 2:.1f}" width="{w:.1f}" height="{BAR_H}" rx="2" '
                     f'fill="{fill}" stroke="{stroke}"{dash}><title>{escape(tooltip)}</title></rect>')
        duration = _secs(_duration(s) if _duration(s) is not None else stop - start)
        if style == "failed":
            duration += " failed"
        tw = _text_width(duration, 10)
        ty = y + ROW_H / 2 + 3.5
        if x0 + w + 4 + tw <= WIDTH - 2:
            rows.append(f'<text x="{x0 + w + 4:.1f}" y="{ty:.1f}" font-size="10" fill="#57606a">{escape(duration)}</text>')
        elif x0 - 4 - tw >= PLOT_X0:
            rows.append(f'<text x="{x0 - 4:.1f}" y="{ty:.1f}" font-size="10" text-anchor="end" '
                         f'fill="#57606a">{escape(duration)}</text>')
        else:
            rows.append(f'<text x="{x0 + w - 4:.1f}" y="{ty:.1f}" font-size="10" text-anchor="end" '
                         f'fill="#fff">{escape(duration)}</text>')

    y = rows_y0
    for i, s in enumerate(run):
        row(i, y, s, False, f"{i + 1}.")
        y += ROW_H
    if rollbacks:
        rows.append(f'<text x="{PLOT_X0 - 10}" y="{y + ROW_H / 2 + 4:.1f}" text-anchor="end" font-size="11" '
                     f'font-weight="600" fill="#57606a">rollbacks</text>'
                     f'<line x1="{PLOT_X0}" x2="{PLOT_X1}" y1="{y + ROW_H / 2:.1f}" y2="{y + ROW_H / 2:.1f}" '
                     f'stroke="#d0d7de"/>')
        y += ROW_H
        for i, s in enumerate(rollbacks):
            row(len(run) + 1 + i, y, s, True, "↺")
            y += ROW_H
    if not run and not rollbacks:
        rows.append(f'<text x="{PLOT_X0 + 6}" y="{rows_y0 + ROW_H / 2 + 4:.1f}" font-size="12" font-style="italic" '
                     f'fill="#6e7781" stroke="#fff" stroke-width="3" paint-order="stroke">no method steps recorded</text>')

    # The axis: tick labels across the top, grid lines down through everything.
    grid = [f'<rect x="{PLOT_X0}" y="{AXIS_H}" width="{PLOT_X1 - PLOT_X0}" height="{rows_y1 - AXIS_H:.1f}" '
            f'fill="none" stroke="#d0d7de"/>']
    for i, t in enumerate(ticks):
        x = sx(t)
        anchor = "start" if i == 0 else "end" if i == len(ticks) - 1 else "middle"
        grid.append(f'<g class="tick" data-t="{t:g}"><line x1="{x:.1f}" x2="{x:.1f}" y1="{AXIS_H - 5}" '
                    f'y2="{rows_y1:.1f}" stroke="#d8dee4" stroke-width="1"/>'
                    f'<text x="{x:.1f}" y="{AXIS_H - 9}" text-anchor="{anchor}" font-size="11" '
                    f'fill="#57606a">{escape(_tick_label(t, step))}</text></g>')
    duration = _num(journal.get("duration_s"))
    if duration is not None and 0 < duration:
        x = sx(duration)
        text = f"drill ended {_offset(duration)}"
        anchor = "end" if x + _text_width(text, 10) / 2 > WIDTH - 2 else "middle"
        grid.append(f'<line class="drill-end" x1="{x:.1f}" x2="{x:.1f}" y1="{AXIS_H:.1f}" y2="{rows_y1:.1f}" '
                    f'stroke="#1f2328" stroke-width="1.5"/>'
                    f'<text x="{x:.1f}" y="{rows_y1 + 13:.1f}" text-anchor="{anchor}" font-size="10" '
                    f'fill="#1f2328">{escape(text)}</text>')
    grid.append(f'<text x="{PLOT_X0 - 10}" y="{AXIS_H - 9}" text-anchor="end" font-size="11" '
                f'fill="#57606a">seconds since start</text>' if step < 60 else
                f'<text x="{PLOT_X0 - 10}" y="{AXIS_H - 9}" text-anchor="end" font-size="11" '
                f'fill="#57606a">time since start</text>')

    # The events band, and a guide line from each event down through the steps.
    band = [f'<rect x="{PLOT_X0}" y="{events_y0 - 2}" width="{PLOT_X1 - PLOT_X0}" height="{events_h:.1f}" '
            f'fill="#fbfcfd"/>',
            f'<text x="{PLOT_X0 - 10}" y="{events_y0 + LANE_H / 2 + 4:.1f}" text-anchor="end" font-size="12" '
            f'font-weight="600" fill="#1f2328">events</text>']
    guides, markers = [], []
    for e, x, lane, label, right in placed:
        kind = e["kind"]
        colour = KINDS.get(kind, OTHER_KIND)[0]
        my = events_y0 + lane * LANE_H + LANE_H / 2
        guides.append(f'<line class="guide" x1="{x:.1f}" x2="{x:.1f}" y1="{my:.1f}" y2="{rows_y1:.1f}" '
                      f'stroke="{colour}" stroke-opacity="0.55" stroke-dasharray="3 3"/>')
        title = f"{_offset(e['at_s'])} {kind}: {e['label']}"
        text = ""
        if label:
            anchor, tx = ("start", x + 9) if right else ("end", x - 9)
            text = (f'<text x="{tx:.1f}" y="{my + 4:.1f}" text-anchor="{anchor}" font-size="11" fill="#1f2328" '
                    f'stroke="#fbfcfd" stroke-width="3" paint-order="stroke">{escape(label)}</text>')
        markers.append(f'<g class="marker marker-{_kind_class(kind)}" data-kind="{escape(kind)}" '
                       f'data-at="{e["at_s"]:g}"><title>{escape(title)}</title>'
                       f'<rect x="{x - 8:.1f}" y="{my - 8:.1f}" width="16" height="16" fill="#fbfcfd" '
                       f'fill-opacity="0.9"/>{_shape(kind, x, my)}{text}</g>')

    # The legend: the event kinds present, then the bar styles present.
    legend_items: list[tuple[str, str]] = []
    seen = []
    for e in events:
        if e["kind"] not in seen:
            seen.append(e["kind"])
    order = [k for k in KINDS if k in seen] + [k for k in seen if k not in KINDS]
    for kind in order:
        legend_items.append(("kind", kind))
    styles = {_bar_style(s, False) for s in run if _num(s.get("start_s")) is not None}
    styles |= {_bar_style(s, True) for s in rollbacks if _num(s.get("start_s")) is not None}
    for style in BAR_STYLES:
        if style in styles:
            legend_items.append(("bar", style))
    legend = []
    lx, ly = 12.0, rows_y1 + 34
    for what, key in legend_items:
        text = (KINDS.get(key, OTHER_KIND)[2] if key in KINDS else key) if what == "kind" else BAR_STYLES[key][2]
        width = 22 + _text_width(text, 11) + 18
        if lx + width > WIDTH - 8:
            lx, ly = 12.0, ly + 20
        if what == "kind":
            icon = _shape(key, lx + 7, ly - 4)
        else:
            fill, stroke, _ = BAR_STYLES[key]
            dash = ' stroke-dasharray="3 2"' if key == "skipped" else ""
            icon = (f'<rect x="{lx:.1f}" y="{ly - 10:.1f}" width="16" height="11" rx="2" fill="{fill}" '
                    f'stroke="{stroke}"{dash}/>')
        legend.append(f'<g class="legend-item" data-legend="{escape(key)}">{icon}<text x="{lx + 22:.1f}" '
                      f'y="{ly:.1f}" font-size="11" fill="#1f2328">{escape(text)}</text></g>')
        lx += width
    height = (ly + 12) if legend_items else rows_y1 + 22

    title = f"Timeline of the drill {_text(journal.get('title'))}"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" width="{WIDTH}" '
            f'height="{height:.0f}" viewBox="0 0 {WIDTH} {height:.0f}" font-family="system-ui, -apple-system, '
            f'Segoe UI, Helvetica, Arial, sans-serif"><title>{escape(title)}</title>'
            + "".join(rows) + "".join(grid) + "".join(band) + "".join(guides) + "".join(markers)
            + "".join(legend) + "</svg>")


# --- HTML -----------------------------------------------------------------------------------------------

CSS = """
*{box-sizing:border-box}
body{margin:0;background:#fff;color:#1f2328;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif}
main{max-width:1000px;margin:0 auto;padding:24px 0 48px}
h1{font-size:26px;margin:0 0 8px}
h2{font-size:19px;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid #d0d7de}
h3{font-size:15px;margin:16px 0 6px}
.badges{display:flex;gap:8px;flex-wrap:wrap;align-items:center;margin:6px 0 12px}
.badge{display:inline-block;padding:3px 12px;border-radius:999px;color:#fff;font-weight:700;text-transform:uppercase;
 letter-spacing:.04em;font-size:13px}
.pill{display:inline-block;padding:2px 10px;border-radius:999px;border:1px solid #d0d7de;font-size:13px}
.pill.bad{border-color:#cf222e;color:#a40e26;background:#ffebe9}
.pill.good{border-color:#1a7f37;color:#116329;background:#dafbe1}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0}
.facts dt{color:#57606a}
.facts dd{margin:0}
.tag{display:inline-block;background:#ddf4ff;color:#0550ae;border-radius:4px;padding:0 6px;margin-right:4px;font-size:12px}
.reason{margin:14px 0;padding:12px 16px;border:2px solid;border-radius:6px;font-size:15px}
.reason strong{text-transform:capitalize}
.description{margin:12px 0;color:#31363c}
.summary{display:flex;flex-wrap:wrap;gap:8px;margin:14px 0;padding:0;list-style:none}
.summary li{border:1px solid #d0d7de;border-radius:6px;padding:6px 10px;background:#f6f8fa}
.summary li span{display:block;font-size:11px;color:#57606a;text-transform:uppercase;letter-spacing:.04em}
.summary li.bad{border-color:#cf222e;background:#ffebe9;color:#a40e26;font-weight:600}
.figure{overflow-x:auto}
svg.timeline{display:block;max-width:100%;height:auto}
table{border-collapse:collapse;width:100%;margin:4px 0 10px;font-size:13px}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f6f8fa;font-weight:600}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
tr.detail td{background:#fbfcfd;font-size:12px;border-top:none}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.ok{color:#116329;font-weight:700}
.notok{color:#a40e26;font-weight:700;background:#ffebe9}
.st-succeeded{color:#116329}
.st-failed{color:#a40e26;font-weight:700}
.st-skipped{color:#6e7781;font-style:italic}
.error{color:#a40e26}
.none{color:#6e7781;font-style:italic}
.hint{color:#57606a;font-size:13px}
ul.traces{margin:4px 0;padding-left:20px}
@media print{
 main{padding:0}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 h2{break-after:avoid}
 tr,.reason,svg.timeline{break-inside:avoid}
 a{color:inherit}
}
"""


def _cell(value: Any, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<td{attr}>{escape(value if isinstance(value, str) else _val(value))}</td>"


def _table(headers: list[str], rows: list[str], empty: str = "none") -> str:
    if not rows:
        return f'<p class="none">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _ok_cell(ok: Any, yes: str = "✔ ok", no: str = "✘ not ok") -> str:
    return f'<td class="ok">{yes}</td>' if ok is True else f'<td class="notok">{no}</td>'


def _html_checks(checks: list[dict]) -> str:
    noted = any(_check_note(c) for c in checks)
    rows = [("<tr>" + _cell(_text(c.get("name"))) + _cell(_text(c.get("probe")), "mono")
             + _cell(_clip(_val(c.get("value")), 300), "mono") + _cell(_clip(_val(c.get("tolerance")), 300), "mono")
             + _ok_cell(c.get("ok")) + _cell(_offset(c.get("at_s")), "num")
             + (_cell(_clip(_check_note(c), 600), "error" if c.get("error") else "") if noted else "") + "</tr>")
            for c in checks]
    return _table(["check", "probe", "value", "tolerance", "ok", "at"] + (["detail"] if noted else []), rows)


def _html_steps(steps: list[dict], empty: str) -> str:
    rows = []
    for i, s in enumerate(steps, 1):
        status = _text(s.get("status")) or "unknown"
        targets = ", ".join(_text(t) for t in _list(s.get("targets")))
        kind = " · ".join(x for x in (_text(s.get("type")), _text(s.get("kind"))) if x)
        rows.append("<tr>" + _cell(str(i), "num") + _cell(_text(s.get("name"))) + _cell(kind, "mono")
                    + _cell(targets or "—", "mono") + _cell(_offset(s.get("start_s")), "num")
                    + _cell(_secs(_duration(s)), "num")
                    + f'<td class="st-{escape(_kind_class(status))}">{escape(status)}</td>'
                    + _cell(_secs(s.get("time_to_detect_s")), "num") + _cell(_secs(s.get("time_to_recover_s")), "num")
                    + "</tr>")
        details = []
        if s.get("error"):
            details.append(f'<span class="error"><strong>error:</strong> {escape(_clip(_text(s["error"]), 2000))}</span>')
        for note in _list(s.get("notes")):
            details.append(f'<strong>note:</strong> {escape(_clip(_val(note), 600))}')
        if s.get("output") is not None:
            details.append(f'<strong>output:</strong> <code>{escape(_clip(_val(s["output"]), 600))}</code>')
        if details:
            rows.append(f'<tr class="detail"><td></td><td colspan="8">{"<br>".join(details)}</td></tr>')
    return _table(["#", "step", "type · kind", "targets", "start", "duration", "status", "detect", "recover"],
                  rows, empty)


def html(journal: dict) -> str:
    """The journal as one self-contained HTML page."""
    journal = _dict(journal)
    status = _status(journal)
    colour = STATUS_COLOURS.get(status, "#6e7781")
    title = _text(journal.get("title")) or "untitled drill"
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>Drill report: {escape(title)}</title><style>{CSS}</style></head><body><main>"]

    out.append(f'<header><h1 id="title">{escape(title)}</h1><div class="badges">'
               f'<span class="badge status-{escape(_kind_class(status))}" style="background:{colour}">'
               f'{escape(status)}</span>')
    deviated = bool(journal.get("deviated"))
    out.append(f'<span class="pill {"bad" if deviated else "good"}">deviated: {"yes" if deviated else "no"}'
               f'{" — the steady state was violated" if deviated else ""}</span>'
               f'<span class="pill">duration {escape(_secs(journal.get("duration_s")))}</span></div>')
    facts = []
    if journal.get("started_at") or journal.get("ended_at"):
        facts.append(("started – ended", f'{escape(_text(journal.get("started_at")) or "—")} – '
                                         f'{escape(_text(journal.get("ended_at")) or "—")}'))
    if journal.get("file"):
        facts.append(("file", f'<code>{escape(_text(journal["file"]))}</code>'))
    tags = _list(journal.get("tags"))
    if tags:
        facts.append(("tags", "".join(f'<span class="tag">{escape(_text(t))}</span>' for t in tags)))
    runbook = _text(journal.get("runbook"))
    if runbook:
        href = _safe_href(runbook)
        facts.append(("runbook", f'<a href="{escape(href)}">{escape(runbook)}</a>' if href else escape(runbook)))
    if journal.get("report"):
        facts.append(("report", f'<code>{escape(_text(journal["report"]))}</code>'))
    if facts:
        out.append('<dl class="facts">' + "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>")
    out.append("</header>")

    if status in ("failed", "aborted") or journal.get("reason"):
        reason = _text(journal.get("reason")) or "no reason recorded"
        out.append(f'<div class="reason reason-{escape(_kind_class(status))}" role="alert" '
                   f'style="border-color:{colour};background:{colour}14"><strong style="color:{colour}">'
                   f'{escape(status)}:</strong> {escape(reason)}</div>')
    if journal.get("description"):
        out.append(f'<p class="description">{escape(_text(journal["description"]))}</p>')
    summary = _summary(journal)
    if summary:
        out.append('<ul class="summary">' + "".join(
            f'<li class="{"bad" if bad else ""}"><span>{escape(what)}</span>{escape(value)}</li>'
            for what, value, bad in summary) + "</ul>")

    out.append(f'<section><h2>Timeline</h2><div class="figure">{svg_timeline(journal)}</div>')
    events = _events(journal)
    rows = [f'<tr><td class="num">{escape(_offset(e["at_s"]))}</td><td>{_shape_html(e["kind"])} {escape(e["kind"])}</td>'
            f'<td>{escape(e["label"])}</td></tr>' for e in events]
    out.append(_table(["at", "event", "what"], rows, "no events recorded") + "</section>")

    steady = _dict(journal.get("steady_state"))
    out.append("<section><h2>Steady state</h2><h3>Before the method</h3>" + _html_checks(_dicts(steady.get("before"))))
    during_rows = []
    for c in _dicts(steady.get("during")):
        deviations = _num(c.get("deviations"))
        during_rows.append("<tr>" + _cell(_text(c.get("name"))) + _cell(_text(c.get("probe")), "mono")
                           + _cell(_val(c.get("samples")), "num")
                           + _cell(_val(c.get("deviations")), "num notok" if deviations else "num")
                           + _cell(_offset(c.get("first_deviation_s")), "num")
                           + _cell(_clip(_val(c.get("worst")), 300), "mono")
                           + _cell(_clip(_val(c.get("tolerance")), 300), "mono") + "</tr>")
    out.append("<h3>During the method</h3>" + _table(
        ["check", "probe", "samples", "deviations", "first deviation", "worst", "tolerance"], during_rows))
    out.append("<h3>After the method</h3>" + _html_checks(_dicts(steady.get("after"))) + "</section>")

    out.append("<section><h2>Method</h2>" + _html_steps(_steps(journal, "run"), "no method steps recorded")
               + "</section>")
    out.append("<section><h2>Rollbacks</h2>" + _html_steps(_steps(journal, "rollbacks"), "no rollbacks")
               + "</section>")

    rows = [("<tr>" + _cell(_text(x.get("name"))) + _ok_cell(x.get("met"), "✔ met", "✘ not met")
             + _cell(_clip(_val(x.get("value")), 300), "mono") + _cell(_clip(_val(x.get("tolerance")), 300), "mono")
             + _cell(_text(x.get("detail"))) + "</tr>") for x in _dicts(journal.get("expectations"))]
    out.append("<section><h2>Expectations</h2>"
               + _table(["expectation", "result", "value", "tolerance", "detail"], rows, "no expectations")
               + "</section>")

    pages = _dicts(journal.get("pages"))
    delivered = any("delivered" in p for p in pages)
    rows = [("<tr>" + _cell(_offset(p.get("at_s")), "num") + _cell(_text(p.get("action"))) + _cell(_text(p.get("severity")))
             + _cell(_text(p.get("summary"))) + _cell(_text(p.get("dedup_key")), "mono")
             + (_cell(_delivered(p), "" if p.get("delivered") is not False else "notok") if delivered else "")
             + "</tr>") for p in pages]
    out.append("<section><h2>Pages</h2>"
               + _table(["at", "action", "severity", "summary", "dedup key"] + (["delivered"] if delivered else []),
                        rows, "no pages"))
    if journal.get("pages_error"):
        out.append(f'<p class="error"><strong>The pages could not be read:</strong> '
                   f'{escape(_text(journal["pages_error"]))}</p>')
    out.append("</section>")

    orders = _dict(journal.get("orders"))
    out.append("<section><h2>Orders</h2>")
    if orders:
        lost, dup = _list(orders.get("lost")), _list(orders.get("duplicated"))

        def ids(items: list) -> str:
            if not items:
                return '<td class="num ok">0</td>'
            return (f'<td class="notok">{len(items)}: <span class="mono">'
                    f'{escape(_clip(", ".join(_val(i) for i in items), 2000))}</span></td>')
        touched = "touched" in orders
        out.append(_table(["before", "after"] + (["new in the drill"] if touched else []) + ["lost", "duplicated"],
                          ["<tr>" + _cell(_val(orders.get("before")), "num") + _cell(_val(orders.get("after")), "num")
                           + (_cell(_val(orders.get("touched")), "num") if touched else "")
                           + ids(lost) + ids(dup) + "</tr>"]))
        if orders.get("error"):
            out.append(f'<p class="error"><strong>The books could not be read:</strong> '
                       f'{escape(_text(orders["error"]))}</p>')
    else:
        out.append('<p class="none">not recorded</p>')
    out.append("</section>")

    trace_ids = _list(journal.get("trace_ids"))
    out.append("<section><h2>Traces</h2>")
    if trace_ids:
        hint = escape(TRACE_HINT).replace("{", "<code>").replace("}", "</code>")
        out.append(f'<p class="hint">{hint}</p><ul class="traces">'
                   + "".join(f'<li><code>{escape(_text(t))}</code></li>' for t in trace_ids) + "</ul>")
    else:
        out.append('<p class="none">none</p>')
    out.append("</section>")

    out.append("</main></body></html>")
    return "\n".join(out) + "\n"


def _shape_html(kind: str) -> str:
    return (f'<svg width="14" height="14" viewBox="0 0 14 14" style="vertical-align:-2px" aria-hidden="true">'
            f'{_shape(kind, 7, 7, 5.5)}</svg>')


def write(journal: dict, directory: Path, stem: str) -> tuple[Path, Path]:
    """Write STEM.html and STEM.md into directory (made if missing); returns (html_path, md_path)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    html_path, md_path = directory / f"{stem}.html", directory / f"{stem}.md"
    html_path.write_text(html(journal), encoding="utf-8")
    md_path.write_text(markdown(journal), encoding="utf-8")
    return html_path, md_path
