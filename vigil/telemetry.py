"""OpenTelemetry for actors: one tracer provider per process, spans to a JSON-lines file.

Each actor is its own process (forked), so the provider is built lazily per
pid rather than set as the global one. Spans are written one line each with
O_APPEND, so many processes can share one file without tearing lines.
Set OTEL_EXPORTER_OTLP_ENDPOINT to send spans over OTLP/HTTP instead.
"""
from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from typing import Iterator, Sequence

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace import Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

SPAN_FILE = "spans.jsonl"
SPAN_BATCH_DELAY_MS = 200
_propagator = TraceContextTextMapPropagator()
_providers: dict[int, TracerProvider] = {}
_tracers: dict[int, trace.Tracer] = {}


class JsonLinesExporter(SpanExporter):
    """The fields of the SDK's `ReadableSpan.to_json`, built directly: to_json re-encodes the
    resource and pretty-prints every span, which cost more than the work the span measured."""

    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._resource: dict[int, dict] = {}

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = [json.dumps(self._line(span)) + "\n" for span in spans]
        os.write(self._fd, "".join(lines).encode())
        return SpanExportResult.SUCCESS

    def _line(self, span: ReadableSpan) -> dict:
        resource = self._resource.get(id(span.resource))
        if resource is None:
            resource = self._resource[id(span.resource)] = {"attributes": dict(span.resource.attributes),
                                                            "schema_url": span.resource.schema_url}
        ctx = span.context
        return {"name": span.name,
                "context": {"trace_id": f"0x{ctx.trace_id:032x}", "span_id": f"0x{ctx.span_id:016x}",
                            "trace_state": "[]"},
                "kind": str(span.kind), "parent_id": f"0x{span.parent.span_id:016x}" if span.parent else None,
                "start_time": _iso(span.start_time), "end_time": _iso(span.end_time),
                "status": {"status_code": span.status.status_code.name,
                           **({"description": span.status.description} if span.status.description else {})},
                "attributes": dict(span.attributes),
                "events": [{"name": e.name, "timestamp": _iso(e.timestamp), "attributes": dict(e.attributes)}
                           for e in span.events],
                "links": [], "resource": resource}

    def shutdown(self) -> None:
        os.close(self._fd)


def _iso(ns: int | None) -> str | None:
    if ns is None:
        return None
    seconds, rest = divmod(ns, 1_000_000_000)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{rest // 1000:06d}Z"


def configure(service: str, run_dir: str) -> None:
    """Give this process a tracer provider (again, if it was forked from one)."""
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        # Exported off the message loop; a crash loses at most the last SPAN_BATCH_DELAY_MS of spans
        provider.add_span_processor(BatchSpanProcessor(JsonLinesExporter(os.path.join(run_dir, SPAN_FILE)),
                                                       schedule_delay_millis=SPAN_BATCH_DELAY_MS))
    _providers[os.getpid()] = provider
    _tracers.pop(os.getpid(), None)


def tracer() -> trace.Tracer:
    pid = os.getpid()
    found = _tracers.get(pid)
    if found is None:  # get_tracer is costly enough to show on the order path: once per process
        found = _tracers[pid] = (_providers.get(pid) or trace.NoOpTracerProvider()).get_tracer("vigil")
    return found


def current_traceparent() -> str | None:
    ctx = trace.get_current_span().get_span_context()
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{ctx.trace_flags:02x}" if ctx.is_valid else None


def context_from(traceparent: str | None) -> Context | None:
    if not traceparent:
        return None
    parts = traceparent.split("-")
    if len(parts) == 4 and parts[0] == "00" and len(parts[1]) == 32 and len(parts[2]) == 16:
        try:  # the common case, parsed directly: the propagator's regex costs more than the span
            parent = trace.SpanContext(int(parts[1], 16), int(parts[2], 16), is_remote=True,
                                       trace_flags=trace.TraceFlags(int(parts[3], 16)))
            return trace.set_span_in_context(trace.NonRecordingSpan(parent)) if parent.is_valid else None
        except ValueError:
            pass
    return _propagator.extract({"traceparent": traceparent})


@contextmanager
def span(name: str, traceparent: str | None = None, start_ns: int | None = None,
         **attributes: object) -> Iterator[trace.Span]:
    """A span parented on the sender's context when there is one; start_ns (epoch) backdates it
    to when the work really arrived (a FIX message queued by a QuickFIX thread)."""
    # By hand rather than start_as_current_span, whose layers of context managers cost as much again
    current = tracer().start_span(name, context=context_from(traceparent), attributes=attributes,
                                  start_time=start_ns)
    token = otel_context.attach(trace.set_span_in_context(current))
    try:
        yield current
    except BaseException as exc:
        current.record_exception(exc)
        current.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
        raise
    finally:
        otel_context.detach(token)
        current.end()


def flush() -> None:
    provider = _providers.get(os.getpid())
    if provider is not None:
        provider.force_flush(timeout_millis=2000)
