"""Handling a message opens a span in the receiving actor, parented on the sender's context."""
from __future__ import annotations

import json

from tests.support.harness import wait_for
from tests.support.topologies import topology, worker
from vigil import telemetry
from vocabulary.counter import Increment


def spans(path):
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_actor_span_is_a_child_of_the_senders_span(vigil, tmp_path):
    run = vigil(topology([worker("counter")])).start()
    telemetry.configure("test-operator", str(tmp_path))
    with telemetry.span("operator increments") as parent:
        run.client.ask("root/counter", Increment(3))
    ctx = parent.get_span_context()
    telemetry.flush()

    span_file = run.run_dir / telemetry.SPAN_FILE

    def handled():
        return [s for s in spans(span_file) if s["name"] == "Increment"]
    [span] = wait_for(handled, what="the counter's Increment span")
    assert span["context"]["trace_id"] == f"0x{ctx.trace_id:032x}"
    assert span["parent_id"] == f"0x{ctx.span_id:016x}"
    assert span["attributes"]["vigil.actor"] == "root/counter"
    assert span["resource"]["attributes"]["service.name"] == "root/counter"
    [mine] = [s for s in spans(tmp_path / telemetry.SPAN_FILE) if s["name"] == "operator increments"]
    assert mine["context"]["span_id"] == span["parent_id"]


def test_every_actor_start_is_traced(vigil):
    run = vigil(topology([worker("a"), worker("b")])).start()
    span_file = run.run_dir / telemetry.SPAN_FILE
    starts = wait_for(lambda: {s["attributes"]["vigil.actor"] for s in spans(span_file) if s["name"] == "start"}
                      >= {"root", "root/a", "root/b"} and spans(span_file), what="start spans")
    assert all(s["status"]["status_code"] != "ERROR" for s in starts if s["name"] == "start")
