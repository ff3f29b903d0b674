"""OpenTelemetry for actors: one tracer provider per process, spans to a JSON-lines file.

Each actor is its own process (forked), so the provider is built lazily per
pid rather than set as the global one. Spans are written one line each with
O_APPEND, so many processes can share one file without tearing lines.
Set OTEL_EXPORTER_OTLP_ENDPOINT to send spans over OTLP/HTTP instead.
"""
from __future__ import annotations

import contextvars
import json
import os
import random
import time
import traceback
from typing import Sequence

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

SPAN_FILE = "spans.jsonl"
TRACING_VAR = "VIGIL_TRACING"
SPAN_BATCH_DELAY_MS = 200
SPAN_QUEUE = 32_768  # the SDK's 2,048 dropped spans in a burst of orders faster than one export
_propagator = TraceContextTextMapPropagator()
_providers: dict[int, TracerProvider] = {}
_processors: dict[int, SpanProcessor] = {}
_SCOPE = InstrumentationScope("vigil")
_SAMPLED = TraceFlags(TraceFlags.SAMPLED)
_current: contextvars.ContextVar["Span | None"] = contextvars.ContextVar("vigil_span", default=None)


class JsonLinesExporter(SpanExporter):
    """The fields of the SDK's `ReadableSpan.to_json`, one line each, written from a template:
    to_json (and even json.dumps of the whole span) cost about as much as the work the span measured."""

    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._resource: dict[int, str] = {}

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        os.write(self._fd, "".join(map(self._line, spans)).encode())
        return SpanExportResult.SUCCESS

    def _line(self, span: ReadableSpan) -> str:
        resource = self._resource.get(id(span.resource))
        if resource is None:
            resource = self._resource[id(span.resource)] = json.dumps(
                {"attributes": dict(span.resource.attributes), "schema_url": span.resource.schema_url})
        ctx, status = span.context, span.status
        parent = f'"0x{span.parent.span_id:016x}"' if span.parent else "null"
        state = json.dumps({"status_code": status.status_code.name,
                            **({"description": status.description} if status.description else {})})
        events = json.dumps([{"name": e.name, "timestamp": _iso(e.timestamp), "attributes": dict(e.attributes)}
                             for e in span.events]) if span.events else "[]"
        links = json.dumps([{"context": {"trace_id": f"0x{link.context.trace_id:032x}",
                                         "span_id": f"0x{link.context.span_id:016x}", "trace_state": "[]"},
                             "attributes": dict(link.attributes or {})} for link in span.links]) if span.links else "[]"
        return (f'{{"name": {json.dumps(span.name)}, "context": {{"trace_id": "0x{ctx.trace_id:032x}", '
                f'"span_id": "0x{ctx.span_id:016x}", "trace_state": "[]"}}, "kind": "{span.kind}", '
                f'"parent_id": {parent}, "start_time": {json.dumps(_iso(span.start_time))}, '
                f'"end_time": {json.dumps(_iso(span.end_time))}, "status": {state}, '
                f'"attributes": {json.dumps(dict(span.attributes))}, "events": {events}, "links": {links}, '
                f'"resource": {resource}}}\n')

    def shutdown(self) -> None:
        os.close(self._fd)


_second: list = [None, ""]  # the last whole second formatted, and its text: spans come many a second


def _iso(ns: int | None) -> str | None:
    if ns is None:
        return None
    seconds, rest = divmod(ns, 1_000_000_000)
    if _second[0] != seconds:
        _second[:] = seconds, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return f"{_second[1]}.{rest // 1000:06d}Z"


def configure(service: str, run_dir: str) -> None:
    """Give this process a tracer provider (again, if it was forked from one); none with VIGIL_TRACING=off
    (what bench/span_cost.py compares against: spans then pass their sender's context on, recording nothing)."""
    if os.environ.get(TRACING_VAR, "on") == "off":
        return
    provider = TracerProvider(resource=Resource.create({"service.name": service, "process.pid": os.getpid()}))
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor = BatchSpanProcessor(OTLPSpanExporter(), max_queue_size=SPAN_QUEUE)
    else:
        # Exported off the message loop; a crash loses at most the last SPAN_BATCH_DELAY_MS of spans
        processor = BatchSpanProcessor(JsonLinesExporter(os.path.join(run_dir, SPAN_FILE)),
                                       schedule_delay_millis=SPAN_BATCH_DELAY_MS, max_queue_size=SPAN_QUEUE)
    provider.add_span_processor(processor)
    _providers[os.getpid()] = provider
    _processors[os.getpid()] = processor


def current_traceparent() -> str | None:
    record = _current.get()
    return _traceparent(record.context if record is not None else trace.get_current_span().get_span_context())


def _traceparent(ctx: SpanContext) -> str | None:
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{ctx.trace_flags:02x}" if ctx.is_valid else None


def parent_from(traceparent: str | None) -> SpanContext | None:
    if not traceparent:
        return None
    parts = traceparent.split("-")
    if len(parts) == 4 and parts[0] == "00" and len(parts[1]) == 32 and len(parts[2]) == 16:
        try:  # the common case, parsed directly: the propagator's regex costs more than the span
            parent = SpanContext(int(parts[1], 16), int(parts[2], 16), is_remote=True,
                                 trace_flags=TraceFlags(int(parts[3], 16)))
            return parent if parent.is_valid else None
        except ValueError:
            pass
    ctx = trace.get_current_span(_propagator.extract({"traceparent": traceparent})).get_span_context()
    return ctx if ctx.is_valid else None


class Span:
    """A span recorded by hand and handed to the SDK's span processor when it ends. The SDK's own
    Span (sampler, locked attributes, context attach) cost about 50 us, as much as the order handling
    it measured, for the same exported span. Used as `with span(...) as s:`."""

    __slots__ = ("name", "context", "parent", "start_ns", "attributes", "events", "status", "kind", "links",
                 "_processor", "_token")

    def __init__(self, name: str, traceparent: str | None, start_ns: int | None, attributes: dict,
                 kind: SpanKind = SpanKind.INTERNAL, links: tuple[str, ...] = ()) -> None:
        around = _current.get()
        parent = parent_from(traceparent) or (around.context if around is not None else None)
        if parent is None and around is None:
            otel = trace.get_current_span().get_span_context()  # one started through the OTel API
            parent = otel if otel.is_valid else None
        processor = _processors.get(os.getpid())
        sampled = parent is None or parent.trace_flags.sampled
        if processor is None:  # a process without tracing passes its sender's context on unchanged
            self.context = parent or trace.INVALID_SPAN_CONTEXT
        else:
            self.context = SpanContext(parent.trace_id if parent else random.getrandbits(128) or 1,
                                       random.getrandbits(64) or 1, is_remote=False,
                                       trace_flags=_SAMPLED if sampled else TraceFlags(0))
        self._processor = processor if sampled else None
        self.name, self.parent, self.start_ns, self.attributes = name, parent, start_ns or time.time_ns(), attributes
        self.kind = kind
        self.links = links  # traceparents, parsed only for a span exported
        self.events: list[Event] = []
        self.status = Status()

    def __enter__(self) -> "Span":
        self._token = _current.set(self)
        return self

    def __exit__(self, kind, exc, tb) -> None:
        _current.reset(self._token)
        if exc is not None:
            self.record_exception(exc)
        if self._processor is not None:
            self._processor.on_end(ReadableSpan(
                self.name, self.context, self.parent, _providers[os.getpid()].resource, self.attributes,
                self.events, tuple(Link(ctx) for ctx in map(parent_from, self.links) if ctx is not None),
                self.kind, status=self.status, start_time=self.start_ns,
                end_time=time.time_ns(), instrumentation_scope=_SCOPE))

    def get_span_context(self) -> SpanContext:
        return self.context

    def traceparent(self) -> str | None:
        """Its context as a W3C traceparent (None without tracing): what a message it sends carries."""
        return _traceparent(self.context)

    def set_attribute(self, key: str, value: object) -> None:
        self.attributes[key] = value

    def drop(self) -> None:
        """Export nothing of this span (one that turned out to record nothing worth keeping: a quote no
        order came of). Spans begun inside it keep its context."""
        self._processor = None

    def record_exception(self, exc: BaseException) -> None:
        kind = type(exc)
        self.events.append(Event("exception", {
            "exception.type": kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}",
            "exception.message": str(exc), "exception.stacktrace": "".join(traceback.format_exception(exc)),
            "exception.escaped": "True"}))
        self.status = Status(StatusCode.ERROR, f"{kind.__name__}: {exc}")


def span(name: str, traceparent: str | None = None, start_ns: int | None = None, *,
         kind: SpanKind = SpanKind.INTERNAL, links: tuple[str, ...] = (), **attributes: object) -> Span:
    """A span parented on the sender's context, or on the span around it; start_ns (epoch) backdates
    it to when the work really arrived (a FIX message queued by a QuickFIX thread). A message's handling
    is a CONSUMER span with the OpenTelemetry messaging attributes (`messaging_attributes`); `links` are
    the traceparents of contexts it relates to without being their child (where a message was made)."""
    return Span(name, traceparent, start_ns, attributes, kind, links)


def messaging_attributes(system: str, destination: str, message_id: str | None = None) -> dict[str, str]:
    """The OpenTelemetry messaging conventions' attributes of processing one message."""
    attrs = {"messaging.system": system, "messaging.operation.type": "process",
             "messaging.operation.name": "process", "messaging.destination.name": destination}
    if message_id is not None:
        attrs["messaging.message.id"] = message_id
    return attrs


def annotate(**attributes: object) -> None:
    """Add attributes to the span being recorded (none: nothing happens): what a handler learns about the
    work only while doing it, such as the ClOrdID it gave an order."""
    record = _current.get()
    if record is not None:
        record.attributes.update(attributes)


def flush() -> None:
    provider = _providers.get(os.getpid())
    if provider is not None:
        provider.force_flush(timeout_millis=2000)


def shutdown() -> None:
    """Export what is left and stop tracing in this process."""
    _processors.pop(os.getpid(), None)
    provider = _providers.pop(os.getpid(), None)
    if provider is not None:
        provider.shutdown()
