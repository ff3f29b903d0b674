"""OpenTelemetry for actors: one tracer provider per process, spans to a JSON-lines file.

Each actor is its own process (forked), so the provider is built lazily per
pid rather than set as the global one. Spans are written one line each with
O_APPEND, so many processes can share one file without tearing lines.
Set OTEL_EXPORTER_OTLP_ENDPOINT to send spans over OTLP/HTTP instead.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator, Sequence

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

SPAN_FILE = "spans.jsonl"
SPAN_BATCH_DELAY_MS = 200
_propagator = TraceContextTextMapPropagator()
_providers: dict[int, TracerProvider] = {}
_tracers: dict[int, trace.Tracer] = {}


class JsonLinesExporter(SpanExporter):
    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        for span in spans:
            os.write(self._fd, (span.to_json(indent=None) + "\n").encode())
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        os.close(self._fd)


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
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def context_from(traceparent: str | None) -> Context | None:
    return _propagator.extract({"traceparent": traceparent}) if traceparent else None


@contextmanager
def span(name: str, traceparent: str | None = None, start_ns: int | None = None,
         **attributes: object) -> Iterator[trace.Span]:
    """A span parented on the sender's context when there is one; start_ns (epoch) backdates it
    to when the work really arrived (a FIX message queued by a QuickFIX thread)."""
    with tracer().start_as_current_span(name, context=context_from(traceparent), attributes=attributes,
                                        start_time=start_ns) as s:
        yield s


def flush() -> None:
    provider = _providers.get(os.getpid())
    if provider is not None:
        provider.force_flush(timeout_millis=2000)
