"""A local PagerDuty Events API v2 endpoint: what `vigil pager-sink` serves, so paging has somewhere real to
go on a laptop, in tests and in drills.

It speaks HTTPS only (the `pagerduty` client takes no other base URL), with a self-signed certificate for
127.0.0.1 made on first start (`cert.pem` beside what it stores; give it to the client as `verify=`). It
checks an event as the service does (action, routing key, dedup_key of at most 255 characters; for a
trigger a summary of at most 1,024, a source and a known severity), answers 202 with the dedup_key, and
appends each accepted event to `events.jsonl` with when it came. A bad one is answered 400 with what was
wrong, as the service does, and stored nowhere.

For drills and tests it can be told to answer the next N events with a status of choice (429, 500, ...):
`POST /sink/fail {"status": 429, "times": 3}` (times 0: stop failing); `GET /sink/events` lists what it stored.
"""
from __future__ import annotations

import json
import ssl
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from vigil.errors import VigilError

EVENTS_FILE = "events.jsonl"
CERT_FILE, KEY_FILE = "cert.pem", "key.pem"
ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")
SUMMARY_LIMIT, DEDUP_KEY_LIMIT = 1024, 255


def problems(event: Any) -> list[str]:
    """What the Events API v2 would refuse in `event` (nothing: it is accepted)."""
    if not isinstance(event, dict):
        return ["the body is not a JSON object"]
    found = []
    if not isinstance(event.get("routing_key"), str) or not event["routing_key"]:
        found.append("routing_key is missing")
    action = event.get("event_action")
    if action not in ACTIONS:
        found.append(f"event_action {action!r} is not one of {', '.join(ACTIONS)}")
    key = event.get("dedup_key")
    if key is not None and (not isinstance(key, str) or len(key) > DEDUP_KEY_LIMIT):
        found.append(f"dedup_key must be a string of at most {DEDUP_KEY_LIMIT} characters")
    if action in ("acknowledge", "resolve") and not key:
        found.append(f"{action} needs a dedup_key")
    if action == "trigger":
        payload = event.get("payload")
        if not isinstance(payload, dict):
            return found + ["payload is missing"]
        summary = payload.get("summary")
        if not isinstance(summary, str) or not summary:
            found.append("payload.summary is missing")
        elif len(summary) > SUMMARY_LIMIT:
            found.append(f"payload.summary is {len(summary)} characters, more than {SUMMARY_LIMIT}")
        if not payload.get("source"):
            found.append("payload.source is missing")
        if payload.get("severity") not in SEVERITIES:
            found.append(f"payload.severity {payload.get('severity')!r} is not one of {', '.join(SEVERITIES)}")
    return found


def self_signed_certificate(directory: Path) -> Path:
    """cert.pem (and key.pem) for 127.0.0.1 in `directory`, made once."""
    cert, key = directory / CERT_FILE, directory / KEY_FILE
    if not cert.exists() or not key.exists():
        made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "825",
                               "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                               "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                              capture_output=True, text=True)
        if made.returncode != 0:
            raise VigilError(f"could not make a certificate for the pager sink: {made.stderr.strip()}")
    return cert


class PagerSink:
    def __init__(self, directory: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.cert = self_signed_certificate(self.directory)
        self._lock = threading.Lock()
        self._failures: list[int] = []  # statuses to answer the next events with, first first
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.directory / KEY_FILE)
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"https://{host}:{port}"

    def start(self) -> PagerSink:
        self._thread = threading.Thread(target=self._server.serve_forever, name="pager-sink", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> PagerSink:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def fail_next(self, status: int, times: int = 1) -> None:
        """Answer the next `times` events with `status` (times 0: stop failing)."""
        with self._lock:
            self._failures = self._failures + [status] * times if times else []

    def events(self) -> list[dict[str, Any]]:
        return read_events(self.directory)

    # ---- what the handler asks -----------------------------------------------------------------
    def take(self, event: Any) -> tuple[int, dict[str, Any]]:
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            return failure, {"status": "failure", "message": f"told to answer {failure}"}
        found = problems(event)
        if found:
            return 400, {"status": "invalid event", "message": "Event object is invalid", "errors": found}
        key = event.get("dedup_key") or uuid.uuid4().hex
        stored = {**event, "dedup_key": key, "received_at": time.time()}
        with self._lock, open(self.directory / EVENTS_FILE, "a", encoding="utf-8") as out:
            out.write(json.dumps(stored) + "\n")
        return 202, {"status": "success", "message": "Event processed", "dedup_key": key}


def read_events(directory: Path) -> list[dict[str, Any]]:
    path = Path(directory) / EVENTS_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _handler(sink: PagerSink) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self._body()
            if self.path == "/v2/enqueue":
                self._answer(*sink.take(body))
            elif self.path == "/sink/fail" and isinstance(body, dict) and isinstance(body.get("status"), int):
                sink.fail_next(body["status"], int(body.get("times", 1)))
                self._answer(200, {"failing_next": body.get("times", 1)})
            else:
                self._answer(404, {"status": "not found", "message": f"no {self.path} here"})

        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/sink/events":
                self._answer(200, {"events": sink.events()})
            else:
                self._answer(404, {"status": "not found", "message": f"no {self.path} here"})

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                return json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                return None

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # what it stored is its log

    return Handler
