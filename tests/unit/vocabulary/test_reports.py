"""FIX vocabulary and the venue records: parsing, 4.2 normalisation, JSON round trips, reject wording."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actors.oms import Fill
from vocabulary.fix_codes import CxlRejResponseTo, ExecTransType, ExecType, OrdStatus, OrdType, Side, TimeInForce
from vocabulary.rejects import VenueReject, reject_message
from vocabulary.reports import ExecutionReport, OrderCancelReject


def test_enums_carry_fix_codes_and_human_names():
    assert OrdStatus.PARTIALLY_FILLED.code == "1" and OrdStatus.PARTIALLY_FILLED.label == "PartiallyFilled"
    assert [s.label for s in OrdStatus] == [
        "New", "PartiallyFilled", "Filled", "DoneForDay", "Canceled", "Replaced", "PendingCancel", "Stopped",
        "Rejected", "Suspended", "PendingNew", "Calculated", "Expired", "AcceptedForBidding", "PendingReplace"]
    assert ExecType.TRADE.code == "F" and ExecType.ORDER_STATUS.code == "I"
    assert Side.SELL.code == "2" and OrdType.STOP_LIMIT.code == "4" and TimeInForce.FILL_OR_KILL.code == "4"
    assert str(OrdStatus.PENDING_REPLACE) == "PendingReplace"


@pytest.mark.parametrize("enum", [OrdStatus, ExecType, Side, OrdType, TimeInForce, ExecTransType, CxlRejResponseTo])
def test_parse_accepts_member_code_and_label(enum):
    for member in enum:
        assert enum.parse(member) is member
        assert enum.parse(member.code) is member
        assert enum.parse(member.label) is member
        assert enum.parse(member.label.upper()) is member
    with pytest.raises(ValueError, match=enum.__name__):
        enum.parse("no such value")


def test_integer_codes_parse_too():
    assert Side.parse(1) is Side.BUY and OrdStatus.parse(2) is OrdStatus.FILLED


def test_side_signs():
    assert Side.BUY.sign == 1 and Side.SELL.sign == -1 and Side.SELL_SHORT.sign == -1
    with pytest.raises(ValueError):
        Side.CROSS.sign


def report(**kw) -> ExecutionReport:
    return ExecutionReport(**{"exec_id": "E1", "exec_type": "F", "ord_status": "1", **kw})


@pytest.mark.parametrize("code", ["1", "2"])
def test_fix42_partial_fill_and_fill_are_trades(code):
    r = report(exec_type=code)
    assert r.exec_type.code == code  # as received
    assert r.kind is ExecType.TRADE and r.is_trade


@pytest.mark.parametrize(("trans", "kind"), [("1", ExecType.TRADE_CANCEL), ("2", ExecType.TRADE_CORRECT),
                                             ("3", ExecType.ORDER_STATUS), ("0", ExecType.TRADE)])
def test_fix42_exec_trans_type_folds_into_the_44_exec_type(trans, kind):
    assert report(exec_type="1", exec_trans_type=trans).kind is kind


def test_execution_report_coerces_and_round_trips_through_json():
    r = report(cl_ord_id="X", order_id="O1", side="Sell", order_qty=10000, price=1.10001, last_qty="2000",
               last_px=Decimal("1.1"), cum_qty=2000, leaves_qty=8000, avg_px="1.1", poss_dup=1,
               ord_rej_reason="3", transact_time="20240102-10:00:00.123")
    assert r.price == Decimal("1.10001") and r.side is Side.SELL and r.poss_dup is True and r.ord_rej_reason == 3
    wire = json.loads(json.dumps(r.to_dict()))
    assert wire["event"] == "execution_report" and wire["exec_type"] == "F" and wire["price"] == "1.10001"
    assert ExecutionReport.from_dict(wire) == r


def test_execution_report_needs_an_exec_id():
    with pytest.raises(ValueError, match="exec_id"):
        report(exec_id="")


def test_transact_time_may_be_nanoseconds():
    r = report(transact_time=1_700_000_000_123_456_789)
    assert ExecutionReport.from_dict(json.loads(json.dumps(r.to_dict()))).transact_time == r.transact_time


def test_order_cancel_reject_round_trip_and_reason():
    rej = OrderCancelReject(cl_ord_id="Y", orig_cl_ord_id="X", order_id="O1", ord_status="Filled",
                            response_to="replace", cxl_rej_reason="0", text="order is done")
    assert rej.response_to is CxlRejResponseTo.REPLACE and rej.cxl_rej_reason == 0
    assert rej.reason == "replace rejected: too late to cancel: order is done"
    assert OrderCancelReject.from_dict(json.loads(json.dumps(rej.to_dict()))) == rej
    assert OrderCancelReject(cl_ord_id="Y", response_to="1").response_to is CxlRejResponseTo.CANCEL


def test_session_reject_reads_like_an_operator_would_say_it():
    rej = VenueReject(msg_type="3", ref_seq_num=12, ref_tag_id=40, ref_msg_type="D", reason=5, ref_value="3",
                      cl_ord_id="X")
    assert rej.message == "rejected by venue: tag 40 value 3 not supported"
    assert VenueReject.from_dict(json.loads(json.dumps(rej.to_dict()))) == rej


@pytest.mark.parametrize(("parts", "expected"), [
    (dict(reason=1, ref_tag_id=44), "rejected by venue: required tag 44 missing"),
    (dict(reason=5, ref_tag_id=40), "rejected by venue: tag 40 value not supported"),
    (dict(reason=5, ref_tag_id=40, ref_value="3", text="Unsupported OrdType"),
     "rejected by venue: tag 40 value 3 not supported (Unsupported OrdType)"),
    (dict(reason=2, ref_tag_id=99, ref_msg_type="G"),
     "rejected by venue: tag 99 not allowed in OrderCancelReplaceRequest"),
    (dict(reason=10), "rejected by venue: SendingTime accuracy problem"),
    (dict(reason=77, text="odd"), "rejected by venue: reason 77 (odd)"),
    (dict(), "rejected by venue: no reason given"),
    (dict(text="throttled"), "rejected by venue: throttled"),
    (dict(msg_type="j", reason=3, ref_msg_type="AF"),
     "rejected by venue: unsupported message type OrderMassStatusRequest"),
    (dict(msg_type="j", reason=2, text="unknown security EURXXX"),
     "rejected by venue: unknown security (unknown security EURXXX)"),
    (dict(msg_type="j", reason=6, text="Not Authorized"), "rejected by venue: not authorized"),
])
def test_reject_message_from_its_parts(parts, expected):
    assert reject_message(**parts) == expected


def test_venue_reject_coerces_codes_and_refuses_other_msg_types():
    rej = VenueReject(msg_type="j", ref_seq_num="7", reason="1", ref_tag_id="")
    assert (rej.ref_seq_num, rej.reason, rej.ref_tag_id) == (7, 1, None)
    with pytest.raises(ValueError, match="msg_type"):
        VenueReject(msg_type="8")


@given(qty=st.decimals(min_value=0, max_value=10**9, places=4),
       px=st.decimals(min_value=0, max_value=10**6, places=6),
       exec_type=st.sampled_from(list(ExecType)), status=st.sampled_from(list(OrdStatus)),
       poss_dup=st.booleans(), text=st.none() | st.text(max_size=20))
def test_any_execution_report_survives_json(qty, px, exec_type, status, poss_dup, text):
    r = report(exec_type=exec_type, ord_status=status, last_qty=qty, last_px=px, cum_qty=qty, avg_px=px,
               poss_dup=poss_dup, text=text)
    back = ExecutionReport.from_dict(json.loads(json.dumps(r.to_dict())))
    assert back == r and back.to_dict() == r.to_dict()


def test_fill_round_trips_through_json():
    f = Fill(fill_id="X/E1", kind="correct", account="A", strategy="S", symbol="EURUSD", side="2", qty="9500",
             price="120", ref_fill_id="X/H", ref_qty=9000, ref_price=120, cl_ord_id="Y", order_id="O1", exec_id="K")
    assert f.delta_qty == -500
    assert Fill.from_dict(json.loads(json.dumps(f.to_dict()))) == f
