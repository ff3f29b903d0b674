"""OTLP on request: with OTEL_EXPORTER_OTLP_ENDPOINT set, actors send their spans over OTLP/HTTP."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.harness import wait_for
from tests.support.topologies import topology, worker
from vocabulary.counter import Increment


class _Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_spans_reach_an_otlp_http_collector(vigil):
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        run = vigil(topology([worker("counter")]))
        run.env.update(OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{server.server_address[1]}",
                       OTEL_BSP_SCHEDULE_DELAY="100")
        run.start()
        run.client.ask("root/counter", Increment(1))

        def increment_span():
            for path, body in list(_Collector.received):
                request = ExportTraceServiceRequest.FromString(body)
                for rs in request.resource_spans:
                    for ss in rs.scope_spans:
                        if path == "/v1/traces" and any(s.name == "Increment" for s in ss.spans):
                            return True
            return False
        wait_for(increment_span, what="an Increment span at the collector")
        assert not (run.run_dir / "spans.jsonl").exists()  # OTLP instead of the file
    finally:
        server.shutdown()
