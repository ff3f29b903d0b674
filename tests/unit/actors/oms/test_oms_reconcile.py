"""When the venue and we disagree: inconsistent reports refused and recorded, uncertainty after a
disconnect, reconciliation from status reports (missed fills synthesised, late reports absorbed),
session and business rejects."""
from __future__ import annotations

from decimal import Decimal

import pytest

from actors.oms import FillKind, Order
from tests.unit.actors.oms.oms_support import acked, er, new_order, reject, replay, state
from vocabulary.rejects import VenueReject
from vocabulary.reports import ExecutionReport

# ---- inconsistent reports: refused whole, recorded, order uncertain ---------------------------------

def test_a_fill_beyond_order_qty_is_refused_and_recorded():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=9000, last=9000))
    before = state(order)
    result = order.apply(er("Trade", "Filled", cum=10500, last=1500))
    assert result.problem and "beyond the order quantity 10000" in result.problem
    assert not result.fills and state(order) == before
    assert order.uncertain and order.anomalies == [result.problem]


def test_cum_qty_going_backwards_without_a_bust_is_refused():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=3000, last=3000))
    result = order.apply(er("Trade", "PartiallyFilled", cum=2000, last=500))
    assert "below the 3500 already filled" in result.problem
    assert order.cum_qty == 3000 and order.uncertain


def test_a_bust_of_an_unknown_execution_is_refused():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=3000, last=3000))
    result = order.apply(er("TradeCancel", "New", cum=0, ref="NOPE"))
    assert "NOPE, which we never saw" in result.problem and order.cum_qty == 3000


def test_a_trade_without_a_price_is_refused():
    order = acked()
    result = order.apply(ExecutionReport(exec_id="T", exec_type="F", ord_status="1", cl_ord_id="X", last_qty=5,
                                         cum_qty=5))
    assert "LastPx" in result.problem and order.cum_qty == 0


def test_refusals_replay_identically():
    events = [new_order().created_event(), er("New", "New").to_dict(),
              er("Trade", "Filled", cum=10500, last=10500).to_dict()]
    order = Order.from_event(events[0])
    for e in events[1:]:
        order.apply(e)
    assert order.uncertain and order.cum_qty == 0
    assert replay(events).to_dict() == order.to_dict()


# ---- uncertainty and reconciliation -------------------------------------------------------------------

def test_mark_uncertain_only_touches_open_orders():
    live, done = acked(), acked(cl_ord_id="W")
    done.apply(er("Canceled", "Canceled", "W"))
    event = live.mark_uncertain()
    assert live.uncertain and event == {"event": "marked_uncertain", "session": "VENUE1", "reason": "session lost"}
    assert not live.apply(event)  # replayed: already uncertain
    done.mark_uncertain()
    assert not done.uncertain


def test_reconcile_synthesises_fills_missed_while_disconnected():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=1000, last=1000, px=100))
    order.mark_uncertain()
    # while down: 3000 more filled at 110; the venue's status shows cum 4000 avg 107.5
    result = order.reconcile(er("OrderStatus", "PartiallyFilled", exec_id="0", cum=4000, avg="107.5"))
    assert [(f.kind, f.qty, f.price) for f in result.missed] == [(FillKind.MISSED, 3000, 110)]
    assert state(order) == ("PartiallyFilled", 10000, 4000, 6000) and order.avg_px == Decimal("107.5")
    assert not order.uncertain and result.notes
    again = order.reconcile(er("OrderStatus", "PartiallyFilled", exec_id="0", cum=4000, avg="107.5"))
    assert not again and not again.fills


def test_a_late_real_fill_retracts_the_synthesised_one_instead_of_counting_twice():
    order = acked()
    order.reconcile(er("OrderStatus", "PartiallyFilled", exec_id="0", cum=3000, avg=110))
    late = order.apply(er("Trade", "PartiallyFilled", cum=2000, last=2000, px=109, poss_dup=True))
    assert order.cum_qty == 3000
    kinds = [(f.kind.value, f.qty, f.ref_qty) for f in late.fills]
    assert kinds == [("trade", 2000, 0), ("correct", 1000, 3000)]
    assert sum(f.delta_qty for f in late.fills) == 0  # the position does not move
    order.apply(er("Trade", "PartiallyFilled", cum=3000, last=1000, px=112, poss_dup=True))
    assert order.cum_qty == 3000 and order.avg_px == Decimal(2000 * 109 + 1000 * 112) / 3000


def test_a_resent_status_report_is_ignored():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=1000, last=1000, exec_id="A"))
    order.apply(er("TradeCancel", "New", cum=0, ref="A"))
    result = order.apply(er("OrderStatus", "PartiallyFilled", exec_id="0", cum=1000, avg=100, poss_dup=True))
    assert not result and result.notes and order.cum_qty == 0


def test_a_resent_old_report_does_not_turn_the_order_back():
    order = acked()
    order.request_cancel("Y")
    order.reconcile(er("OrderStatus", "Canceled", "Y", exec_id="0", cum=1000, avg=100))
    resent_ack = er("PendingCancel", "PendingCancel", "Y", "X", cum=0, poss_dup=True)
    order.apply(resent_ack)
    resent_fill = er("Trade", "PartiallyFilled", cum=1000, last=1000, px=100, poss_dup=True)
    order.apply(resent_fill)
    assert state(order) == ("Canceled", 10000, 1000, 0)
    assert not order.anomalies


def test_a_fill_turning_up_after_its_bust_is_not_counted():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=500, last=500, exec_id="A"))
    order.apply(er("TradeCancel", "PartiallyFilled", cum=500, ref="LOST"))  # bust of a fill we never got
    assert order.cum_qty == 500
    late = order.apply(er("Trade", "PartiallyFilled", cum=1500, last=1000, exec_id="LOST", poss_dup=True))
    assert late.duplicate and order.cum_qty == 500


def test_reconcile_finds_a_replace_accepted_while_we_were_down():
    order = acked()
    order.request_replace("Y", qty=8000, price="1.2")
    order.mark_uncertain()
    order.reconcile(er("OrderStatus", "New", "Y", exec_id="0", qty=8000, price="1.2"))
    assert state(order) == ("New", 8000, 0, 8000) and order.cl_ord_id == "Y" and order.price == Decimal("1.2")
    assert not order.pending and not order.uncertain


def test_reconcile_finds_a_cancel_accepted_while_we_were_down_with_fills_before_it():
    order = acked()
    order.request_cancel("Y")
    result = order.reconcile(er("OrderStatus", "Canceled", "Y", exec_id="0", cum=500, avg=101))
    assert state(order) == ("Canceled", 10000, 500, 0) and order.cl_ord_id == "Y"
    assert [(f.qty, f.price) for f in result.missed] == [(500, 101)]


def test_reconcile_wants_a_status_report():
    with pytest.raises(ValueError, match="ExecType I"):
        acked().reconcile(er("Trade", "PartiallyFilled", cum=1, last=1))


def test_a_status_report_that_contradicts_us_keeps_the_order_uncertain():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=3000, last=3000))
    order.mark_uncertain()
    result = order.reconcile(er("OrderStatus", "PartiallyFilled", exec_id="0", cum=1000))
    assert result.problem and order.uncertain and order.cum_qty == 3000


# ---- venue (session/business) rejects ------------------------------------------------------------------

def test_session_reject_of_the_new_order_rejects_it_with_an_operator_message():
    order = new_order()
    order.apply(VenueReject(ref_seq_num=5, ref_tag_id=40, ref_msg_type="D", reason=5, ref_value="3", cl_ord_id="X"))
    assert state(order) == ("Rejected", 10000, 0, 0)
    assert order.view().reason == "rejected by venue: tag 40 value 3 not supported"


def test_business_reject_of_a_replace_restores_the_order():
    order = acked()
    order.request_replace("Y", price="1.2")
    order.apply(VenueReject(msg_type="j", ref_msg_type="G", reason=3, cl_ord_id="Y"))
    assert state(order) == ("New", 10000, 0, 10000) and not order.pending
    assert order.view().reason == "rejected by venue: unsupported message type OrderCancelReplaceRequest"


def test_an_execution_report_rejecting_a_request_restores_the_order():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=1000, last=1000))
    order.request_cancel("Y")
    order.apply(er("Rejected", "Rejected", "Y", "X", cum=1000, text="no"))
    assert state(order) == ("PartiallyFilled", 10000, 1000, 9000)
    assert order.view().reason == "cancel rejected: no"


def test_a_cancel_reject_for_nothing_pending_changes_nothing():
    order = acked()
    assert not order.apply(reject("Q", "X", "New"))
