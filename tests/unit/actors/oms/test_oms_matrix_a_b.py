"""FIX 4.4 Vol 4 Appendix D order state change matrices: A (vanilla), B (cancel), H.1.a (GT order done for day).

Each test drives one matrix row by row: er(ExecType, OrdStatus, ClOrdID, OrigClOrdID, qty=OrderQty,
cum=CumQty, last=LastQty); `state(order)` is what the OMS then shows: (status, qty, cum_qty, leaves_qty).
"""
from __future__ import annotations

import pytest

from actors.oms import OrderError
from tests.unit.actors.oms.oms_support import acked, er, new_order, reject, state
from vocabulary.fix_codes import OrdStatus

# ---- A: vanilla ----------------------------------------------------------------------------

def test_A_1_a_filled_order():
    order = new_order()
    assert state(order) == ("PendingNew", 10000, 0, 10000)
    order.apply(er("New", "New"))
    assert state(order) == ("New", 10000, 0, 10000)
    order.apply(er("Trade", "PartiallyFilled", cum=2000, last=2000))
    order.apply(er("Trade", "PartiallyFilled", cum=3000, last=1000))
    assert state(order) == ("PartiallyFilled", 10000, 3000, 7000)
    order.apply(er("Trade", "Filled", cum=10000, last=7000))
    assert state(order) == ("Filled", 10000, 10000, 0)
    assert not order.is_open


def test_A_1_a_branch_order_rejected():
    order = new_order()
    order.apply(er("Rejected", "Rejected", leaves=0, ord_rej_reason=2, text="market closed"))
    assert state(order) == ("Rejected", 10000, 0, 0)
    assert order.view().reason == "rejected: exchange closed: market closed"
    assert not order.is_open


def test_A_1_b_part_filled_day_order_done_for_day():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=2000, last=2000))
    order.apply(er("Trade", "PartiallyFilled", cum=3000, last=1000))
    order.apply(er("DoneForDay", "DoneForDay", cum=3000, leaves=0))
    assert state(order) == ("DoneForDay", 10000, 3000, 0)
    assert not order.is_open
    with pytest.raises(OrderError) as err:
        order.request_cancel("Y")
    assert err.value.reason == "closed"


def test_H_1_a_gt_order_done_for_day_keeps_its_balance_and_is_restated_next_day():
    order = acked(tif="GoodTillCancel")
    order.apply(er("Trade", "PartiallyFilled", cum=2000, last=2000))
    order.apply(er("DoneForDay", "DoneForDay", cum=2000, leaves=8000))
    assert state(order) == ("DoneForDay", 10000, 2000, 8000)
    assert order.is_open
    order.apply(er("Restated", "PartiallyFilled", cum=2000))
    assert state(order) == ("PartiallyFilled", 10000, 2000, 8000)
    order.request_cancel("Y")
    order.apply(er("Canceled", "Canceled", "Y", "X", cum=2000))
    assert state(order) == ("Canceled", 10000, 2000, 0)


# ---- B: cancel -------------------------------------------------------------------------------

def test_B_1_a_cancel_request_issued_for_a_zero_filled_order():
    order = acked()
    order.request_cancel("Y")
    assert state(order) == ("PendingCancel", 10000, 0, 10000)
    order.apply(er("PendingCancel", "PendingCancel", "Y", "X"))
    assert state(order) == ("PendingCancel", 10000, 0, 10000)
    order.apply(er("Canceled", "Canceled", "Y", "X"))
    assert state(order) == ("Canceled", 10000, 0, 0)
    assert order.cl_ord_id == "Y" and order.cl_ord_ids == ("X", "Y")
    assert order.view().reason == "canceled"


def test_B_1_a_branch_cancel_rejected_restores_new():
    order = acked()
    order.request_cancel("Y")
    order.apply(reject("Y", "X", "New", reason=2, text="not now"))
    assert state(order) == ("New", 10000, 0, 10000)
    assert order.view().reason == "cancel rejected: broker/exchange option: not now"
    order.request_cancel("Z")  # a fresh cancel is allowed once the first was answered
    assert order.status is OrdStatus.PENDING_CANCEL


def _b_1_b_until_pending_fill():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=2000, last=2000))
    order.request_cancel("Y")
    order.apply(er("Trade", "PartiallyFilled", cum=5000, last=3000))  # passes the cancel on the wire
    assert state(order) == ("PendingCancel", 10000, 5000, 5000)
    order.apply(er("PendingCancel", "PendingCancel", "Y", "X", cum=5000))
    order.apply(er("Trade", "PendingCancel", cum=6000, last=1000))
    assert state(order) == ("PendingCancel", 10000, 6000, 4000)
    return order


def test_B_1_b_cancel_request_issued_for_a_part_filled_order_executions_occur_whilst_cancel_active():
    order = _b_1_b_until_pending_fill()
    order.apply(er("Canceled", "Canceled", "Y", "X", cum=6000))
    assert state(order) == ("Canceled", 10000, 6000, 0)


def test_B_1_b_branch_cancel_rejected_restores_partially_filled_with_the_crossing_fills():
    order = _b_1_b_until_pending_fill()
    order.apply(reject("Y", "X", "PartiallyFilled"))
    assert state(order) == ("PartiallyFilled", 10000, 6000, 4000)
    assert order.is_open and not order.pending


def test_B_1_c_cancel_request_issued_for_an_order_that_becomes_filled_before_cancel_can_be_accepted():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=2000, last=2000))
    order.request_cancel("Y")
    order.apply(er("Trade", "Filled", cum=10000, last=8000))
    assert state(order) == ("Filled", 10000, 10000, 0)  # filled beats pending cancel
    order.apply(reject("Y", "X", "Filled", reason=0))
    assert state(order) == ("Filled", 10000, 10000, 0)
    assert order.view().reason == "cancel rejected: too late to cancel"
    assert not order.uncertain and not order.pending


def test_B_1_d_cancel_request_issued_for_an_order_that_has_not_yet_been_acknowledged():
    order = new_order()
    order.request_cancel("Y")
    assert state(order) == ("PendingCancel", 10000, 0, 10000)
    order.apply(er("PendingCancel", "PendingCancel", "Y", "X"))
    assert state(order) == ("PendingCancel", 10000, 0, 10000)
    order.apply(er("Canceled", "Canceled", "Y", "X"))
    assert state(order) == ("Canceled", 10000, 0, 0)


def test_B_1_e_cancel_request_and_acknowledgment_cross():
    order = new_order()
    order.request_cancel("Y")
    order.apply(er("New", "New"))  # crosses the cancel request
    assert state(order) == ("PendingCancel", 10000, 0, 10000)
    order.apply(er("PendingCancel", "PendingCancel", "Y", "X"))
    order.apply(er("Canceled", "Canceled", "Y", "X"))
    assert state(order) == ("Canceled", 10000, 0, 0)


def test_B_1_f_cancel_request_issued_for_an_unknown_order():
    order = new_order()  # our NewOrderSingle never reached the venue
    order.request_cancel("Y")
    order.apply(reject("Y", "X", "Rejected", reason=1))
    assert order.status is OrdStatus.PENDING_NEW
    assert order.uncertain
    assert "unknown order" in order.anomalies[-1]
    # the status request settles it: the venue never had it
    order.reconcile(er("OrderStatus", "Rejected", exec_id="0", leaves=0, ord_rej_reason=5))
    assert state(order) == ("Rejected", 10000, 0, 0)
    assert not order.uncertain


def test_a_second_cancel_while_one_is_pending_is_refused():
    order = acked()
    order.request_cancel("Y")
    with pytest.raises(OrderError) as err:
        order.request_cancel("Z")
    assert err.value.reason == "cancel_pending"
    with pytest.raises(OrderError) as err:
        order.request_replace("Z", qty=5000)
    assert err.value.reason == "cancel_pending"
    assert order.cl_ord_ids == ("X", "Y")


def test_cancel_of_a_closed_order_is_refused_and_changes_nothing():
    order = acked()
    order.apply(er("Trade", "Filled", cum=10000, last=10000))
    before = order.to_dict()
    with pytest.raises(OrderError) as err:
        order.request_cancel("Y")
    assert err.value.reason == "closed" and "Filled" in str(err.value)
    assert order.to_dict() == before
