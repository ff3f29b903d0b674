"""Order rules beyond the matrices: duplicates, PossDup, FIX 4.2, local requests, persistence
(snapshot and event replay)."""
from __future__ import annotations

import json

import pytest

from actors.oms import FillKind, Order, OrderError
from tests.unit.actors.oms.oms_support import acked, er, new_order, reject, replay, state
from vocabulary.fix_codes import OrdStatus

# ---- duplicates ----------------------------------------------------------------------------------

def test_a_duplicate_exec_id_is_applied_once():
    order = acked()
    fill = er("Trade", "PartiallyFilled", cum=2000, last=2000)
    first = order.apply(fill)
    second = order.apply(fill)
    assert first and first.fills and not second and second.duplicate and not second.fills
    assert state(order) == ("PartiallyFilled", 10000, 2000, 8000)


def test_poss_dup_with_a_seen_exec_id_is_skipped_and_with_a_new_one_applied():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=2000, last=2000, exec_id="E-1"))
    resent = er("Trade", "PartiallyFilled", cum=2000, last=2000, exec_id="E-1", poss_dup=True)
    assert order.apply(resent).duplicate
    missed = er("Trade", "PartiallyFilled", cum=3000, last=1000, exec_id="E-2", poss_dup=True)
    assert order.apply(missed).fills[0].qty == 1000
    assert order.cum_qty == 3000


def test_a_duplicated_request_event_is_applied_once():
    order = acked()
    event = order.request_cancel("Y")
    again = order.apply(event)  # what the actor's persist -> apply does
    assert not again and again.duplicate
    assert len(order.pending) == 1


def test_status_reports_share_exec_id_zero_and_are_never_taken_for_duplicates():
    order = acked()
    order.mark_uncertain()
    order.reconcile(er("OrderStatus", "New", exec_id="0"))
    assert not order.uncertain
    order.mark_uncertain()
    order.reconcile(er("OrderStatus", "PartiallyFilled", exec_id="0", cum=1000, avg=100))
    assert not order.uncertain and order.cum_qty == 1000


# ---- FIX 4.2 ---------------------------------------------------------------------------------------

def test_fix42_partial_fill_and_fill_exec_types_are_treated_as_trades():
    order = acked()
    part = order.apply(er("1", "1", cum=1000, last=1000))  # ExecType 1 Partial fill
    full = order.apply(er("2", "2", cum=10000, last=9000))  # ExecType 2 Fill
    assert [f.kind for f in part.fills + full.fills] == [FillKind.TRADE, FillKind.TRADE]
    assert state(order) == ("Filled", 10000, 10000, 0)


def test_fix42_bust_and_correction_through_exec_trans_type():
    order = acked()
    order.apply(er("1", "1", cum=1000, last=1000, px=100, exec_id="C"))
    order.apply(er("2", "2", cum=10000, last=9000, px=110, exec_id="D"))
    order.apply(er("1", "1", cum=9000, last=0, ref="C", exec_trans_type="1"))  # 20=1 Cancel
    assert state(order) == ("PartiallyFilled", 10000, 9000, 1000)
    order.apply(er("1", "1", cum=9000, last=9000, px=100, ref="D", exec_id="F", exec_trans_type="2"))
    assert order.avg_px == 100


def test_fix42_replaced_ord_status_is_read_as_the_underlying_status():
    order = acked()
    order.apply(er("1", "1", cum=1000, last=1000))
    order.request_replace("Y", qty=8000)
    order.apply(er("5", "5", "Y", "X", qty=8000, cum=1000))  # 4.2: OrdStatus Replaced
    assert state(order) == ("PartiallyFilled", 8000, 1000, 7000)


# ---- local requests --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "reason"), [
    (dict(new_cl_ord_id="X", qty=5), "duplicate_cl_ord_id"),
    (dict(new_cl_ord_id="Y"), "bad_request"),
    (dict(new_cl_ord_id="Y", qty=0), "bad_request"),
    (dict(new_cl_ord_id="", qty=5), "bad_request"),
    (dict(new_cl_ord_id="Y", qty="lots"), "bad_request"),
])
def test_bad_replace_requests_are_refused(args, reason):
    order = acked()
    with pytest.raises(OrderError) as err:
        order.request_replace(**args)
    assert err.value.reason == reason
    assert order.cl_ord_ids == ("X",)


@pytest.mark.parametrize("terms", [dict(qty=0), dict(qty=-5), dict(ord_type="Limit", price=None),
                                   dict(symbol=""), dict(side="Z")])
def test_bad_new_orders_are_refused(terms):
    with pytest.raises((OrderError, ValueError)):
        new_order(**terms)


def test_market_orders_need_no_price():
    assert new_order(ord_type="Market", price=None).price is None


# ---- persistence ------------------------------------------------------------------------------------------

def _busy_order() -> tuple[Order, list]:
    order = new_order()
    events: list = [order.created_event()]

    def do(e):
        events.append(e if isinstance(e, dict) else e.to_dict())
        order.apply(e)

    do(er("New", "New"))
    do(er("Trade", "PartiallyFilled", cum=1000, last=1000, px=100, exec_id="A"))
    events.append(order.request_replace("Y", qty=8000))
    do(er("PendingReplace", "PendingReplace", "Y", "X", cum=1000))
    do(er("Trade", "PendingReplace", cum=1500, last=500, px=101))
    do(er("Replaced", "PartiallyFilled", "Y", "X", qty=8000, cum=1500))
    do(er("TradeCorrect", "PartiallyFilled", "Y", qty=8000, cum=1600, last=1100, px=99, ref="A"))
    events.append(order.request_cancel("Z"))
    events.append(order.mark_uncertain())
    do(er("OrderStatus", "PendingCancel", "Y", exec_id="0", qty=8000, cum=2600, avg=100))
    do(reject("Z", "Y", "PartiallyFilled", reason=0))
    return order, events


def test_snapshot_then_restore_equals():
    order, _ = _busy_order()
    snapshot = json.loads(json.dumps(order.to_dict()))
    restored = Order.from_dict(snapshot)
    assert restored.to_dict() == order.to_dict()
    assert restored.view() == order.view()
    assert restored.status is order.status and restored.avg_px == order.avg_px


def test_replaying_the_events_on_a_fresh_order_gives_the_same_state():
    order, events = _busy_order()
    again = replay(events)
    assert again.to_dict() == order.to_dict() and again.view() == order.view()
    assert state(again) == ("PartiallyFilled", 8000, 2600, 5400)


def test_replaying_events_twice_changes_nothing():
    order, events = _busy_order()
    for event in events[1:]:
        result = order.apply(event)
        assert not result.fills
    assert replay(events).to_dict() == order.to_dict()


def test_view_is_the_public_picture():
    order, _ = _busy_order()
    view = order.view()
    assert (view.cl_ord_id, view.order_id, view.strategy, view.session, view.symbol, view.side) == (
        "Y", "OID1", "mm", "VENUE1", "EURUSD", "Buy")
    assert (view.status, view.qty, view.cum_qty, view.leaves_qty) == ("PartiallyFilled", 8000, 2600, 5400)
    assert view.reason == "cancel rejected: too late to cancel" and view.uncertain is False
    assert order.status is OrdStatus.PARTIALLY_FILLED


def test_a_copy_tried_out_and_thrown_away_leaves_the_order_as_it_was():
    order = acked()
    order.apply(er("Trade", "PartiallyFilled", cum=2000, last=2000, exec_id="E-1"))
    order.request_replace("Y", 8000, None)
    before = order.to_dict()
    twin = order.copy()
    twin.apply(er("Replaced", "PartiallyFilled", cl="Y", orig="X", qty=8000, cum=3000, last=1000, exec_id="E-2"))
    twin.apply(er("Trade", "PartiallyFilled", cl="Y", qty=8000, cum=4000, last=1000, exec_id="E-3"))
    twin.anomalies.append("noted on the twin only")
    assert twin.to_dict() != before
    assert order.to_dict() == before
