"""Spans as a developer tracing an order reads them: parented, nested, failures marked, in the file."""
import json

import pytest

from vigil import telemetry


@pytest.fixture
def spans(tmp_path):
    telemetry.configure("test-process", str(tmp_path))

    def read():
        telemetry.flush()
        path = tmp_path / telemetry.SPAN_FILE
        return {s["name"]: s for s in map(json.loads, path.read_text().splitlines())} if path.exists() else {}
    yield read
    telemetry.shutdown()


SENDER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_a_span_continues_the_senders_trace_and_what_it_sends_continues_it(spans):
    with telemetry.span("NewOrder", SENDER, **{"vigil.actor": "root/oms"}) as handling:
        sent = telemetry.current_traceparent()
    span = spans()["NewOrder"]
    assert span["context"]["trace_id"] == "0x0af7651916cd43dd8448eb211c80319c"
    assert span["parent_id"] == "0xb7ad6b7169203331"
    assert span["attributes"] == {"vigil.actor": "root/oms"}
    assert span["resource"]["attributes"]["service.name"] == "test-process"
    assert sent == f"00-0af7651916cd43dd8448eb211c80319c-{handling.context.span_id:016x}-01"
    assert span["context"]["span_id"] == f"0x{handling.context.span_id:016x}"
    assert span["start_time"] <= span["end_time"]


def test_a_span_inside_another_is_its_child_and_the_outer_one_is_current_again_after(spans):
    with telemetry.span("outer") as outer:
        with telemetry.span("inner"):
            pass
        assert telemetry.current_traceparent().split("-")[2] == f"{outer.context.span_id:016x}"
    assert telemetry.current_traceparent() is None
    found = spans()
    assert found["inner"]["parent_id"] == found["outer"]["context"]["span_id"]
    assert found["inner"]["context"]["trace_id"] == found["outer"]["context"]["trace_id"]
    assert found["outer"]["parent_id"] is None


def test_a_failure_inside_a_span_marks_it_as_an_error_with_the_exception(spans):
    with pytest.raises(ValueError):
        with telemetry.span("SubmitOrder"):
            raise ValueError("tag 40 value 3 not supported")
    span = spans()["SubmitOrder"]
    assert span["status"] == {"status_code": "ERROR", "description": "ValueError: tag 40 value 3 not supported"}
    [event] = span["events"]
    assert event["name"] == "exception"
    assert event["attributes"]["exception.type"] == "ValueError"
    assert "tag 40 value 3" in event["attributes"]["exception.stacktrace"]


def test_a_sender_that_did_not_sample_its_trace_gets_no_span_but_its_trace_goes_on(spans):
    with telemetry.span("NewOrder", SENDER[:-2] + "00"):
        sent = telemetry.current_traceparent()
    assert "NewOrder" not in spans()
    assert sent.startswith("00-0af7651916cd43dd8448eb211c80319c-") and sent.endswith("-00")


def test_a_malformed_traceparent_starts_a_new_trace_instead_of_failing():
    with telemetry.span("NewOrder", "not-a-traceparent") as span:
        pass
    assert span.parent is None


def test_a_process_without_tracing_passes_the_senders_trace_on_unchanged():
    with telemetry.span("NewOrder", SENDER):
        assert telemetry.current_traceparent() == SENDER


def test_consumer_spans_carry_their_kind_messaging_attributes_and_links(spans):
    other = "00-11111111111111111111111111111111-2222222222222222-01"
    with telemetry.span("FromVenue", SENDER, kind=telemetry.SpanKind.CONSUMER, links=(other, "garbage"),
                        **telemetry.messaging_attributes("zeromq", "root/oms", "42")):
        pass
    span = spans()["FromVenue"]
    assert span["kind"] == "SpanKind.CONSUMER" and span["parent_id"] == "0xb7ad6b7169203331"
    assert span["attributes"] == {"messaging.system": "zeromq", "messaging.operation.type": "process",
                                  "messaging.operation.name": "process", "messaging.destination.name": "root/oms",
                                  "messaging.message.id": "42"}
    [link] = span["links"]  # the malformed one is ignored
    assert link["context"] == {"trace_id": "0x11111111111111111111111111111111", "span_id": "0x2222222222222222",
                               "trace_state": "[]"}
