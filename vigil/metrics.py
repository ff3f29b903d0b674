"""Metrics through the OpenTelemetry SDK: one MeterProvider per actor process, read every EXPORT_S and its
readings written to Redis (NS:metrics:PATH, one JSON document, expiring when the actor stops writing it),
where the metrics endpoint (vigil.prometheus) serves every actor's to Prometheus, each labelled with its
actor. Every actor process also reports its own CPU time and memory.

Metrics are named once, in vocabulary.metrics, with their kind, unit and help text; a component records
them through `Component.count`, `Component.total`, `Component.gauge` and `Component.observe`, and the
runner hands it a `Metrics` (live: exported to Redis; in one process: read in memory).
"""
from __future__ import annotations

import json
import os
import resource
import time
from dataclasses import dataclass
from typing import Any, Iterable

from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    Gauge,
    Histogram,
    InMemoryMetricReader,
    MetricExporter,
    MetricExportResult,
    MetricReader,
    MetricsData,
    PeriodicExportingMetricReader,
    Sum,
)
from opentelemetry.sdk.resources import Resource

EXPORT_S = 2.0
KEPT_S = 30
"""An actor's readings outlive it this long (a stopped actor's metrics go away, a slow one's stay)."""
COUNTER, GAUGE, HISTOGRAM = "counter", "gauge", "histogram"
KINDS = (COUNTER, GAUGE, HISTOGRAM)
LATENCY_BUCKETS_S = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass(frozen=True)
class MetricKind:
    name: str
    """Prometheus's name (a counter's without _total, which the endpoint adds)."""
    kind: str
    help: str
    unit: str = ""
    buckets: tuple[float, ...] = LATENCY_BUCKETS_S

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"metric {self.name}: kind {self.kind!r} is not one of {', '.join(KINDS)}")


METRICS: dict[str, MetricKind] = {}


def declare(*kinds: MetricKind) -> dict[str, MetricKind]:
    for kind in kinds:
        if METRICS.get(kind.name, kind) != kind:
            raise ValueError(f"metric {kind.name} is declared twice")
        METRICS[kind.name] = kind
    return {kind.name: kind for kind in kinds}


def metric_kind(name: str) -> MetricKind:
    kind = METRICS.get(name)
    if kind is None:
        raise ValueError(f"no metric {name!r} is declared (known: {', '.join(sorted(METRICS))})")
    return kind


PROCESS_CPU = MetricKind("vigil_process_cpu_seconds", COUNTER, "CPU time the actor's process used", "s")
PROCESS_MEMORY = MetricKind("vigil_process_resident_memory_bytes", GAUGE, "The actor's process's resident memory",
                            "By")
declare(PROCESS_CPU, PROCESS_MEMORY)


class Metrics:
    """One process's instruments, made on first use by a declared name."""

    def __init__(self, reader: MetricReader, actor: str) -> None:
        self.provider = MeterProvider(metric_readers=[reader], resource=Resource.create({"vigil.actor": actor}))
        self._meter = self.provider.get_meter("vigil")
        self._instruments: dict[str, Any] = {}
        self._counts: dict[str, dict[tuple, float]] = {}
        """Each counter's totals by labels, kept here and read by the SDK when it collects (an observable
        counter): a count on the order path is a dict update, not the SDK's 5-10 us a call. Written by the
        actor's thread only; the reader's thread copies it."""
        self._meter.create_observable_counter(PROCESS_CPU.name, [_cpu], PROCESS_CPU.unit, PROCESS_CPU.help)
        self._meter.create_observable_gauge(PROCESS_MEMORY.name, [_memory], PROCESS_MEMORY.unit, PROCESS_MEMORY.help)

    def count(self, metric: MetricKind | str, n: float = 1, **labels: Any) -> None:
        totals, key = self._counter(metric, labels)
        totals[key] = totals.get(key, 0) + n

    def total(self, metric: MetricKind | str, total: float, **labels: Any) -> None:
        """A counter from a total the component keeps itself (never back down: a counter only grows). A total
        still at 0 is a series too: a panel shows 0, not nothing."""
        totals, key = self._counter(metric, labels)
        totals[key] = max(total, totals.get(key, 0))

    def gauge(self, metric: MetricKind | str, value: float, **labels: Any) -> None:
        self._instrument(metric, GAUGE).set(value, _attrs(labels))

    def observe(self, metric: MetricKind | str, value: float, **labels: Any) -> None:
        self._instrument(metric, HISTOGRAM).record(value, _attrs(labels))

    def shutdown(self) -> None:
        self.provider.shutdown(timeout_millis=2000)

    def _counter(self, metric: MetricKind | str, labels: dict[str, Any]) -> tuple[dict[tuple, float], tuple]:
        """The totals of a counter (made on first use, read by the SDK through an observable counter) and the
        key of these labels in them."""
        name = _name(metric)
        totals = self._counts.get(name)
        if totals is None:
            declared = _declared(name, COUNTER)
            totals = self._counts[name] = {}

            def observed(options: CallbackOptions, totals: dict[tuple, float] = totals) -> Iterable[Observation]:
                for key, value in dict(totals).items():  # a copy: the actor's thread goes on counting
                    yield Observation(value, {k: str(v) for k, v in key})
            self._meter.create_observable_counter(name, [observed], declared.unit, declared.help)
        return totals, tuple(labels.items())

    def _instrument(self, metric: MetricKind | str, kind: str) -> Any:
        name = _name(metric)
        instrument = self._instruments.get(name)
        if instrument is None:
            declared = _declared(name, kind)
            made = {"unit": declared.unit, "description": declared.help}
            if kind == HISTOGRAM:
                instrument = self._meter.create_histogram(
                    name, **made, explicit_bucket_boundaries_advisory=list(declared.buckets))
            else:
                instrument = self._meter.create_gauge(name, **made)
            self._instruments[name] = instrument
        return instrument


def live_metrics(client: Any, namespace: str, actor: str) -> Metrics:
    """An actor process's metrics, written to Redis every EXPORT_S by the SDK's periodic reader."""
    exporter = RedisExporter(client, metrics_key(namespace, actor))
    return Metrics(PeriodicExportingMetricReader(exporter, export_interval_millis=EXPORT_S * 1000), actor)


def memory_metrics(actor: str) -> tuple[Metrics, InMemoryMetricReader]:
    reader = InMemoryMetricReader()
    return Metrics(reader, actor), reader


def metrics_key(namespace: str, actor: str) -> str:
    return f"{namespace}:metrics:{actor}"


def read_all(client: Any, namespace: str, paths: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The last readings each of these actors wrote to Redis (none: an actor not writing), by path."""
    docs = client.mget([metrics_key(namespace, path) for path in paths]) if paths else []
    return {path: json.loads(doc)["points"] for path, doc in zip(paths, docs) if doc}


class RedisExporter(MetricExporter):
    def __init__(self, client: Any, key: str) -> None:
        super().__init__()
        self._client, self._key = client, key

    def export(self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any) -> MetricExportResult:
        try:
            self._client.set(self._key, json.dumps({"at": time.time(), "points": readings(metrics_data)}), ex=KEPT_S)
        except Exception:  # noqa: BLE001 - Redis away: the next export tries again; the actor must go on
            return MetricExportResult.FAILURE
        return MetricExportResult.SUCCESS

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return True

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        pass


def readings(data: MetricsData | None) -> list[dict[str, Any]]:
    """Every data point: {"name", "kind", "labels", "value"} (a histogram's value: {"bounds", "counts", "sum",
    "count"})."""
    out: list[dict[str, Any]] = []
    for rm in data.resource_metrics if data else ():
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                kind = _kind(metric.data)
                for point in metric.data.data_points:
                    value: Any = point.value if kind != HISTOGRAM else {
                        "bounds": list(point.explicit_bounds), "counts": list(point.bucket_counts),
                        "sum": point.sum, "count": point.count}
                    out.append({"name": metric.name, "kind": kind, "labels": dict(point.attributes), "value": value})
    return out


def _kind(data: Any) -> str:
    if isinstance(data, Histogram):
        return HISTOGRAM
    if isinstance(data, Sum) and data.is_monotonic:
        return COUNTER
    if isinstance(data, (Sum, Gauge)):
        return GAUGE
    raise ValueError(f"unexpected metric data {type(data).__name__}")


def _declared(name: str, kind: str) -> MetricKind:
    declared = metric_kind(name)
    if declared.kind != kind:
        raise ValueError(f"metric {name} is a {declared.kind}, not a {kind}")
    return declared


def _name(metric: MetricKind | str) -> str:
    return metric.name if isinstance(metric, MetricKind) else metric


def _attrs(labels: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in labels.items()}


def _cpu(options: CallbackOptions) -> Iterable[Observation]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    yield Observation(usage.ru_utime + usage.ru_stime)


def _memory(options: CallbackOptions) -> Iterable[Observation]:
    try:
        with open("/proc/self/statm") as statm:
            yield Observation(int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE"))
    except OSError:
        return
