"""FIX 4.4 Vol 4 Appendix D order state change matrices: C (cancel/replace quantity changes),
D (sequencing of several cancel/replace requests).

Each test drives one matrix row by row: er(ExecType, OrdStatus, ClOrdID, OrigClOrdID, qty=OrderQty,
cum=CumQty, last=LastQty); `state(order)` is what the OMS then shows: (status, qty, cum_qty, leaves_qty).
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from actors.oms import OrderError
from tests.unit.actors.oms.oms_support import acked, er, reject, state
from vocabulary.fix_codes import OrdStatus

# ---- C: cancel/replace quantity changes -------------------------------------------------------

def test_C_1_a_zero_filled_order_cancel_replace_to_increase_quantity():
    order = acked()
    order.request_replace("Y", qty=11000)
    assert state(order) == ("PendingReplace", 10000, 0, 10000)
    order.apply(er("PendingReplace", "PendingReplace", "Y", "X"))
    order.apply(er("Replaced", "New", "Y", "X", qty=11000))
    assert state(order) == ("New", 11000, 0, 11000)
    assert order.cl_ord_id == "Y"
    order.apply(er("Trade", "PartiallyFilled", "Y", qty=11000, cum=1000, last=1000))
    assert state(order) == ("PartiallyFilled", 11000, 1000, 10000)


def test_C_1_b_part_filled_order_replace_to_increase_quantity_execution_whilst_pending_replace():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=1000, last=1000))
    order.request_replace("Y", qty=12000)
    order.apply(er("PendingReplace", "PendingReplace", "Y", "X", cum=1000))
    assert state(order) == ("PendingReplace", 10000, 1000, 9000)
    order.apply(er("Trade", "PendingReplace", cum=1100, last=100))
    assert state(order) == ("PendingReplace", 10000, 1100, 8900)
    order.apply(er("Replaced", "PartiallyFilled", "Y", "X", qty=12000, cum=1100))
    assert state(order) == ("PartiallyFilled", 12000, 1100, 10900)
    order.apply(er("Trade", "Filled", "Y", qty=12000, cum=12000, last=10900))
    assert state(order) == ("Filled", 12000, 12000, 0)


def test_C_1_b_branch_replace_rejected_restores_partially_filled():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=1000, last=1000))
    order.request_replace("Y", qty=12000)
    order.apply(er("Trade", "PartiallyFilled", cum=1100, last=100))
    order.apply(reject("Y", "X", "PartiallyFilled", response_to="replace", reason=2))
    assert state(order) == ("PartiallyFilled", 10000, 1100, 8900)
    assert order.cl_ord_id == "X"
    assert order.view().reason == "replace rejected: broker/exchange option"


def test_C_1_c_filled_order_followed_by_replace_to_increase_quantity():
    order = acked()
    order.apply(er("Trade", "Filled", cum=10000, last=10000))
    with pytest.raises(OrderError):
        order.request_replace("W", price="1.2")  # only growing it can reopen a filled order
    order.request_replace("Y", qty=12000)
    assert state(order) == ("PendingReplace", 10000, 10000, 0)
    order.apply(er("PendingReplace", "PendingReplace", "Y", "X", cum=10000))
    order.apply(er("Replaced", "PartiallyFilled", "Y", "X", qty=12000, cum=10000))
    assert state(order) == ("PartiallyFilled", 12000, 10000, 2000)
    order.apply(er("Trade", "Filled", "Y", qty=12000, cum=12000, last=2000))
    assert state(order) == ("Filled", 12000, 12000, 0)


def test_C_2_a_replace_not_for_quantity_change_rejected_as_a_fill_has_occurred():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=1000, last=1000))
    order.request_replace("Y", price="1.2")
    order.apply(er("Trade", "Filled", cum=10000, last=9000))
    assert order.status is OrdStatus.FILLED
    order.apply(reject("Y", "X", "Filled", response_to="replace", reason=0))
    assert state(order) == ("Filled", 10000, 10000, 0)
    assert order.price == Decimal("1.1")
    assert order.view().reason == "replace rejected: too late to cancel"


def test_C_3_a_replace_crosses_an_execution_requested_qty_exceeds_cum_qty():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=1000, last=1000))
    order.request_replace("Y", qty=8000)
    order.apply(er("Trade", "PartiallyFilled", cum=1500, last=500))
    assert state(order) == ("PendingReplace", 10000, 1500, 8500)
    order.apply(er("PendingReplace", "PendingReplace", "Y", "X", cum=1500))
    order.apply(er("Trade", "PendingReplace", cum=1600, last=100))
    order.apply(er("Replaced", "PartiallyFilled", "Y", "X", qty=8000, cum=1600))
    assert state(order) == ("PartiallyFilled", 8000, 1600, 6400)
    order.apply(er("Trade", "Filled", "Y", qty=8000, cum=8000, last=6400))
    assert state(order) == ("Filled", 8000, 8000, 0)


def test_C_3_b_replace_crosses_an_execution_requested_qty_equals_cum_qty():
    order = acked()
    order.request_replace("Y", qty=7000)
    order.apply(er("Trade", "PartiallyFilled", cum=7000, last=7000))
    order.apply(er("Replaced", "Filled", "Y", "X", qty=7000, cum=7000))
    assert state(order) == ("Filled", 7000, 7000, 0)


def test_C_3_c_replace_crosses_an_execution_requested_qty_below_cum_qty_is_amended_to_cum_qty():
    order = acked()
    order.request_replace("Y", qty=5000)
    order.apply(er("Trade", "PartiallyFilled", cum=7000, last=7000))
    order.apply(er("Replaced", "Filled", "Y", "X", qty=7000, cum=7000))
    assert state(order) == ("Filled", 7000, 7000, 0)  # the venue's 7000, not our 5000


# ---- D: sequencing of several cancel/replace requests ------------------------------------------

def test_D_1_a_one_replace_accepted_then_another_accepted():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=1000, last=1000))
    order.request_replace("Y", qty=8000)
    order.apply(er("PendingReplace", "PendingReplace", "Y", "X", cum=1000))
    order.apply(er("Trade", "PendingReplace", cum=1500, last=500))
    order.apply(er("Replaced", "PartiallyFilled", "Y", "X", qty=8000, cum=1500))
    order.apply(er("Trade", "PartiallyFilled", "Y", qty=8000, cum=3500, last=2000))
    assert state(order) == ("PartiallyFilled", 8000, 3500, 4500)
    event = order.request_replace("Z", qty=6000)
    assert event["orig_cl_ord_id"] == "Y"
    order.apply(er("PendingReplace", "PendingReplace", "Z", "Y", qty=8000, cum=3500))
    order.apply(er("Replaced", "PartiallyFilled", "Z", "Y", qty=6000, cum=3500))
    assert state(order) == ("PartiallyFilled", 6000, 3500, 2500)
    order.apply(er("Trade", "Filled", "Z", qty=6000, cum=6000, last=2500))
    assert state(order) == ("Filled", 6000, 6000, 0)
    assert order.cl_ord_ids == ("X", "Y", "Z")


def test_D_1_b_replace_rejected_before_pending_replace_then_another_accepted():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=1000, last=1000))
    order.request_replace("Y", qty=8000)
    order.apply(reject("Y", "X", "PartiallyFilled", response_to="replace"))
    order.apply(er("Trade", "PartiallyFilled", cum=1500, last=500))
    order.apply(er("Trade", "PartiallyFilled", cum=3500, last=2000))
    event = order.request_replace("Z", qty=6000)
    assert event["orig_cl_ord_id"] == "X"  # the last non-rejected ClOrdID
    order.apply(er("PendingReplace", "PendingReplace", "Z", "X", cum=3500))
    order.apply(er("Replaced", "PartiallyFilled", "Z", "X", qty=6000, cum=3500))
    order.apply(er("Trade", "PartiallyFilled", "Z", qty=6000, cum=5000, last=1500))
    assert state(order) == ("PartiallyFilled", 6000, 5000, 1000)
    assert order.cl_ord_id == "Z"


def test_D_1_c_replace_rejected_after_pending_replace_then_another_accepted():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=1000, last=1000))
    order.request_replace("Y", qty=8000)
    order.apply(er("PendingReplace", "PendingReplace", "Y", "X", cum=1000))
    order.apply(er("Trade", "PendingReplace", cum=1500, last=500))
    order.apply(reject("Y", "X", "PartiallyFilled", response_to="replace"))
    assert state(order) == ("PartiallyFilled", 10000, 1500, 8500)
    order.apply(er("Trade", "PartiallyFilled", cum=3500, last=2000))
    order.request_replace("Z", qty=6000)
    order.apply(er("PendingReplace", "PendingReplace", "Z", "X", cum=3500))
    order.apply(er("Replaced", "PartiallyFilled", "Z", "X", qty=6000, cum=3500))
    assert state(order) == ("PartiallyFilled", 6000, 3500, 2500)


def _two_replaces_in_flight():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=1000, last=1000))
    order.request_replace("Y", qty=8000)
    second = order.request_replace("Z", qty=7000)
    assert second["orig_cl_ord_id"] == "Y"  # chained on the pending replace
    assert order.status is OrdStatus.PENDING_REPLACE
    return order


def test_D_2_a_two_replaces_in_flight_broker_processes_sequentially():
    order = _two_replaces_in_flight()
    order.apply(er("PendingReplace", "PendingReplace", "Y", "X", cum=1000))
    order.apply(er("Replaced", "PartiallyFilled", "Y", "X", qty=8000, cum=1000))
    assert state(order) == ("PendingReplace", 8000, 1000, 7000)  # Z still in flight
    order.apply(er("PendingReplace", "PendingReplace", "Z", "Y", qty=8000, cum=1000))
    order.apply(er("Replaced", "PartiallyFilled", "Z", "Y", qty=7000, cum=1000))
    assert state(order) == ("PartiallyFilled", 7000, 1000, 6000)


def test_D_2_b_two_replaces_in_flight_broker_processes_pending_replaces_before_replaces():
    order = _two_replaces_in_flight()
    order.apply(er("PendingReplace", "PendingReplace", "Y", "X", cum=1000))
    order.apply(er("PendingReplace", "PendingReplace", "Z", "X", qty=8000, cum=1000))
    order.apply(er("Replaced", "PendingReplace", "Y", "X", qty=8000, cum=1000))
    assert state(order) == ("PendingReplace", 8000, 1000, 7000)
    order.apply(er("Replaced", "PartiallyFilled", "Z", "Y", qty=7000, cum=1000))
    assert state(order) == ("PartiallyFilled", 7000, 1000, 6000)
    order.apply(er("Trade", "Filled", "Z", qty=7000, cum=7000, last=6000))
    assert state(order) == ("Filled", 7000, 7000, 0)
    assert order.cl_ord_id == "Z" and not order.pending


def test_D_2_c_two_replaces_in_flight_broker_rejects_the_second_as_order_is_pending_replace():
    order = _two_replaces_in_flight()
    order.apply(er("PendingReplace", "PendingReplace", "Y", "X", cum=1000))
    order.apply(reject("Z", "X", "PendingReplace", response_to="replace", reason=3))
    assert state(order) == ("PendingReplace", 10000, 1000, 9000)  # Y still in flight
    assert "already pending" in order.view().reason
    order.apply(er("Replaced", "PartiallyFilled", "Y", "X", qty=8000, cum=1000))
    order.apply(er("Trade", "PartiallyFilled", "Y", qty=8000, cum=3000, last=2000))
    assert state(order) == ("PartiallyFilled", 8000, 3000, 5000)
    assert order.cl_ord_id == "Y"
