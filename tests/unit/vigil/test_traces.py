"""`vigil trace` on a span file the real exporter wrote: an order's story by ClOrdID or strategy id, its tree
and critical path, other orders of the same trace left out, the slowest orders, and clear errors."""
from __future__ import annotations

import json

import pytest

from cli.main import main
from vigil import telemetry, traces
from vigil.errors import VigilError


def order_flow(cl_ord_id: str, client_id: str, *, with_other: str | None = None) -> None:
    """One order's hops as the actors record them, each span a child of the one that sent it on."""
    with telemetry.span("decide", **{"vigil.actor": "root/market/mean-rev", "vigil.strategy": "mean-rev"}):
        with telemetry.span("SubmitOrder", telemetry.current_traceparent(), **{"vigil.actor": "root/trading/oms"}):
            telemetry.annotate(**{"fix.cl_ord_id": cl_ord_id, "vigil.client_id": client_id,
                                  "risk.decision": "pass"})
            with telemetry.span("NewOrderSingle", **{"vigil.actor": "root/trading/fix-a",
                                                     "fix.cl_ord_id": cl_ord_id}):
                with telemetry.span("ExecutionReport", **{"vigil.actor": "root/trading/fix-a",
                                                          "fix.cl_ord_id": cl_ord_id, "fix.exec_type": "0"}):
                    pass
            with telemetry.span("OrderAccepted", **{"vigil.actor": "root/market/mean-rev"}):
                pass
        if with_other:
            with telemetry.span("SubmitOrder", **{"vigil.actor": "root/trading/oms", "fix.cl_ord_id": with_other}):
                pass


@pytest.fixture
def run_dir(tmp_path):
    telemetry.configure("test", str(tmp_path))
    yield tmp_path
    telemetry.shutdown()


def written(run_dir):
    telemetry.flush()
    return traces.span_file(run_dir)


def test_an_orders_story_is_found_by_its_clordid_or_its_strategys_id_with_the_tree_intact(run_dir):
    order_flow("V1-1", "mean-rev-1")
    order_flow("V1-10", "mean-rev-10")  # a ClOrdID the first one's is a prefix of: not the same order
    path = written(run_dir)
    by_cl = traces.order_trace(path, "V1-1")
    by_client = traces.order_trace(path, "mean-rev-1")
    assert by_cl.to_dict() == by_client.to_dict()
    assert [s.name for s in by_cl.spans] == ["decide", "SubmitOrder", "NewOrderSingle", "ExecutionReport",
                                             "OrderAccepted"]
    parent = {s.name: s.parent_id for s in by_cl.spans}
    span_id = {s.name: s.span_id for s in by_cl.spans}
    assert parent["SubmitOrder"] == span_id["decide"] and parent["NewOrderSingle"] == span_id["SubmitOrder"]
    assert parent["ExecutionReport"] == span_id["NewOrderSingle"]
    assert by_cl.cl_ord_id == "V1-1" and by_cl.actors == ["root/market/mean-rev", "root/trading/fix-a",
                                                          "root/trading/oms"]
    assert "V1-10" not in json.dumps(by_cl.to_dict())


def test_the_critical_path_follows_what_finished_last(run_dir):
    order_flow("V1-1", "mean-rev-1")
    trace = traces.order_trace(written(run_dir), "V1-1")
    critical = [s.name for s in trace.spans if s.critical]
    ends = {s.name: s.end_ns for s in trace.spans}
    assert critical[:2] == ["decide", "SubmitOrder"]
    # under SubmitOrder, the critical step is whichever of its children ended last
    last = max(("NewOrderSingle", "OrderAccepted"), key=ends.get)
    assert last in critical and ({"NewOrderSingle", "OrderAccepted"} - {last}).isdisjoint(critical)


def test_the_quotes_publish_span_the_decision_links_to_opens_the_story_on_the_critical_path(run_dir):
    with telemetry.span("publish", kind=telemetry.SpanKind.PRODUCER,
                        **{"vigil.actor": "root/market/feed", "messaging.message.id": "41"}) as published:
        context = published.traceparent()
    with telemetry.span("publish", **{"vigil.actor": "root/market/feed", "messaging.message.id": "42"}):
        pass  # a burst no order came of: not in the story
    with telemetry.span("decide", links=(context,), **{"vigil.actor": "root/market/mean-rev"}):
        with telemetry.span("SubmitOrder", **{"vigil.actor": "root/trading/oms", "fix.cl_ord_id": "V1-1"}):
            pass
    trace = traces.order_trace(written(run_dir), "V1-1")
    first, decide, submit = trace.spans
    assert (first.name, first.linked, first.attributes["messaging.message.id"]) == ("publish", True, "41")
    assert first.trace_id != trace.trace_id == decide.trace_id and decide.links == [first.span_id]
    assert all(s.critical for s in trace.spans)
    as_json = trace.to_dict()["spans"]
    assert as_json[0]["start_us"] == 0 and as_json[1]["links"] == [as_json[0]["span_id"]]
    assert "publish (linked)" in next(iter(list(traces.waterfall(trace))[1:]))


def test_another_order_in_the_same_trace_is_left_out_of_this_ones_story(run_dir):
    order_flow("V1-1", "mean-rev-1", with_other="V1-2")
    trace = traces.order_trace(written(run_dir), "V1-1")
    assert all(s.attributes.get("fix.cl_ord_id") in (None, "V1-1") for s in trace.spans)
    assert traces.order_trace(written(run_dir), "V1-2").trace_id == trace.trace_id  # the same decision


def test_the_slowest_orders_come_first(run_dir):
    for n in range(5):
        order_flow(f"V1-{n}", f"mean-rev-{n}")
    slow = traces.slowest(written(run_dir), 3)
    assert len(slow) == 3
    assert [o["duration_us"] for o in slow] == sorted((o["duration_us"] for o in slow), reverse=True)
    assert all(o["strategy"] == "mean-rev" and o["actors"] == 3 for o in slow)


def test_a_line_cut_short_by_a_crash_does_not_hide_the_rest(run_dir):
    order_flow("V1-1", "mean-rev-1")
    path = written(run_dir)
    with open(path, "a") as out:
        out.write('{"name": "SubmitOrder", "context": {"trace_id": "0x1')  # a crash mid-write
    assert len(traces.order_trace(path, "V1-1").spans) == 5


def test_an_unknown_order_or_a_run_without_spans_is_a_clear_error(run_dir, tmp_path_factory):
    order_flow("V1-1", "mean-rev-1")
    with pytest.raises(VigilError, match="no span names order 'V9-9'"):
        traces.order_trace(written(run_dir), "V9-9")
    with pytest.raises(VigilError, match="no spans in"):
        traces.span_file(tmp_path_factory.mktemp("empty"))


def test_the_cli_prints_a_waterfall_and_the_json_tools_read(run_dir, capsys):
    order_flow("V1-1", "mean-rev-1")
    written(run_dir)
    assert main(["trace", "V1-1", "--json", "--run-dir", str(run_dir)]) == 0
    story = json.loads(capsys.readouterr().out)
    assert set(story) == {"cl_ord_id", "trace_id", "spans"} and story["cl_ord_id"] == "V1-1"
    first = story["spans"][0]
    assert {"name", "actor", "pid", "start_us", "duration_us", "span_id", "parent_id", "attributes"} <= set(first)
    assert first["start_us"] == 0 and first["pid"] is not None
    assert main(["trace", "mean-rev-1", "--run-dir", str(run_dir)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("order V1-1 (trace ") and "root/trading/fix-a" in text and "NewOrderSingle" in text
    assert main(["trace", "--slowest", "1", "--run-dir", str(run_dir)]) == 0
    assert "V1-1" in capsys.readouterr().out
    assert main(["trace", "V9-9", "--run-dir", str(run_dir)]) == 1
    assert "no span names order 'V9-9'" in capsys.readouterr().err
    assert main(["trace", "--run-dir", str(run_dir)]) == 2  # neither an order nor --slowest
