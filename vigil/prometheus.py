"""Prometheus's text exposition format (version 0.0.4) for every actor's readings (vigil.metrics), and a small
HTTP server on loopback that serves it at /metrics.

Each reading is labelled with its actor's path (`actor="root/trading/oms"`); a counter's name gets _total,
a histogram's its _bucket (cumulative, `le`), _sum and _count, as Prometheus expects.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from vigil.metrics import COUNTER, HISTOGRAM, METRICS

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def render(readings: Iterable[tuple[str, dict[str, Any]]]) -> str:
    """(actor, reading) pairs as exposition text: one HELP and TYPE per metric, its samples beneath."""
    by_name: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for actor, reading in readings:
        by_name.setdefault(reading["name"], []).append((actor, reading))
    lines = []
    for name in sorted(by_name):
        first = by_name[name][0][1]
        kind = first["kind"]
        exposed = f"{name}_total" if kind == COUNTER else name
        declared = METRICS.get(name)
        lines.append(f"# HELP {exposed} {_help(declared.help if declared else name)}")
        lines.append(f"# TYPE {exposed} {kind}")
        for actor, reading in by_name[name]:
            labels = {"actor": actor, **reading["labels"]}
            if kind == HISTOGRAM:
                lines += _histogram(name, labels, reading["value"])
            else:
                lines.append(f"{exposed}{_labels(labels)} {_number(reading['value'])}")
    return "\n".join(lines) + "\n"


def _histogram(name: str, labels: dict[str, str], value: dict[str, Any]) -> list[str]:
    lines, running = [], 0
    for bound, count in zip([*value["bounds"], math.inf], value["counts"]):
        running += count
        lines.append(f"{name}_bucket{_labels({**labels, 'le': _number(bound)})} {running}")
    lines.append(f"{name}_sum{_labels(labels)} {_number(value['sum'])}")
    lines.append(f"{name}_count{_labels(labels)} {value['count']}")
    return lines


def _labels(labels: dict[str, Any]) -> str:
    inner = ",".join(f'{_label_name(k)}="{_escape(str(v))}"' for k, v in labels.items())
    return "{" + inner + "}"


def _label_name(name: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in name)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value: float) -> str:
    if value == math.inf:
        return "+Inf"
    if value == -math.inf:
        return "-Inf"
    if value != value:
        return "NaN"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class MetricsServer:
    """Serves `collect()` at GET /metrics on (host, port), from a thread of its own."""

    def __init__(self, collect: Callable[[], str], host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = ThreadingHTTPServer((host, port), _handler(collect))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="metrics", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> MetricsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def _handler(collect: Callable[[], str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path.split("?")[0] != "/metrics":
                self._answer(404, "text/plain", b"only /metrics here\n")
                return
            try:
                body = collect().encode()
            except Exception as exc:  # noqa: BLE001 - a scrape that fails says why, the server goes on
                self._answer(500, "text/plain", f"{type(exc).__name__}: {exc}\n".encode())
                return
            self._answer(200, CONTENT_TYPE, body)

        def _answer(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass
    return Handler
