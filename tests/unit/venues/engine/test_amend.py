"""Cancel and cancel/replace: lookup, refusals, time priority, fill-out, pending acks."""
from __future__ import annotations

import pytest

from tests.unit.venues.engine.engine_helpers import Session, book_orders, kinds, make_exchange, only, reject_of, trades
from venues.engine import (
    CxlRejReason,
    CxlRejResponseTo,
    ExecType,
    OrdStatus,
    Phase,
    Side,
    TimeInForce,
)


def test_cancel_by_orig_cl_ord_id(ex, a):
    a.buy(5, 100)
    [done] = a.cancel("A-1", cl_ord_id="c1")
    assert (done.exec_type, done.ord_status, done.cl_ord_id, done.orig_cl_ord_id) == (
        ExecType.CANCELED, OrdStatus.CANCELED, "c1", "A-1")
    assert (done.leaves_qty, done.cum_qty) == (0, 0)
    assert ex.book("XYZ").top() == (None, 0, None, 0)
    assert ex.open_orders("A") == []


def test_cancel_by_order_id_of_a_partly_filled_order(ex, a, b):
    [new] = a.buy(5, 100)
    b.sell(2, 100)
    [done] = a.cancel(order_id=new.order_id)
    assert (done.ord_status, done.cum_qty, done.leaves_qty, done.order_qty) == (OrdStatus.CANCELED, 2, 0, 5)


def test_cancel_of_an_unknown_order_is_rejected(ex, a, b):
    a.buy(5, 100)
    for reports in (a.cancel("nope", cl_ord_id="c1"), b.cancel("A-1", cl_ord_id="c2"), b.cancel(order_id="O1")):
        rej = reject_of(reports)
        assert (rej.reason, rej.ord_status, rej.order_id, rej.response_to) == (
            CxlRejReason.UNKNOWN_ORDER, OrdStatus.REJECTED, "NONE", CxlRejResponseTo.CANCEL)
    assert rej.owner == "B"
    assert "unknown order" in rej.text
    assert book_orders(ex, "XYZ", Side.BUY) == [("A-1", 100, 5)]


def test_cancel_of_a_filled_or_cancelled_order_is_too_late(ex, a, b):
    a.buy(5, 100)
    b.sell(5, 100)
    rej = reject_of(a.cancel("A-1", cl_ord_id="c1"))
    assert (rej.reason, rej.ord_status, rej.order_id, rej.orig_cl_ord_id) == (
        CxlRejReason.TOO_LATE_TO_CANCEL, OrdStatus.FILLED, "O1", "A-1")
    a.buy(5, 99, cl_ord_id="x")
    a.cancel("x", cl_ord_id="c2")
    rej = reject_of(a.cancel("x", cl_ord_id="c3"))
    assert (rej.reason, rej.ord_status, rej.orig_cl_ord_id) == (
        CxlRejReason.TOO_LATE_TO_CANCEL, OrdStatus.CANCELED, "c2")


def test_cancel_or_replace_with_a_used_cl_ord_id_is_rejected_as_duplicate(ex, a):
    a.buy(5, 100, cl_ord_id="x")
    a.buy(5, 99, cl_ord_id="y")
    assert reject_of(a.cancel("x", cl_ord_id="y")).reason is CxlRejReason.DUPLICATE_CL_ORD_ID
    assert reject_of(a.cancel("x", cl_ord_id="x")).reason is CxlRejReason.DUPLICATE_CL_ORD_ID
    rej = reject_of(a.replace("x", qty=3, cl_ord_id="y"))
    assert (rej.reason, rej.response_to) == (CxlRejReason.DUPLICATE_CL_ORD_ID, CxlRejResponseTo.REPLACE)
    assert len(ex.open_orders("A")) == 2


def test_replace_reducing_qty_at_the_same_price_keeps_time_priority(ex, a, b):
    a.sell(5, 101, cl_ord_id="first")
    a.sell(5, 101, cl_ord_id="second")
    [rep] = a.replace("first", qty=3, cl_ord_id="first'")
    assert (rep.exec_type, rep.ord_status, rep.order_qty, rep.leaves_qty, rep.orig_cl_ord_id) == (
        ExecType.REPLACED, OrdStatus.NEW, 3, 3, "first")
    assert book_orders(ex, "XYZ", Side.SELL) == [("first'", 101, 3), ("second", 101, 5)]
    assert ex.book("XYZ").top() == (None, 0, 101, 8)
    assert [t.cl_ord_id for t in trades(b.buy(4, 101), "A")] == ["first'", "second"]


@pytest.mark.parametrize("change", [dict(qty=8), dict(price=102), dict(qty=3, price=102)])
def test_replace_increasing_qty_or_changing_price_loses_time_priority(ex, a, change):
    a.sell(5, 101, cl_ord_id="first")
    a.sell(5, 101, cl_ord_id="second")
    a.sell(5, 102, cl_ord_id="third")
    a.replace("first", cl_ord_id="first'", **change)
    sells = book_orders(ex, "XYZ", Side.SELL)
    assert sells.index(("second", 101, 5)) < [s[0] for s in sells].index("first'")
    if "price" in change:
        assert sells[-1][0] == "first'"  # behind "third" at 102


def test_replace_keeps_cum_and_recomputes_leaves(ex, a, b):
    a.sell(10, 101)
    b.buy(4, 101)
    [rep] = a.replace("A-1", qty=12, price=103)
    assert (rep.order_qty, rep.cum_qty, rep.leaves_qty, rep.price, rep.ord_status) == (
        12, 4, 8, 103, OrdStatus.PARTIALLY_FILLED)


@pytest.mark.parametrize("new_qty", [4, 3])
def test_replace_down_to_or_below_cum_qty_fills_the_order_out(ex, a, b, new_qty):
    a.sell(10, 101)
    b.buy(4, 101)
    [rep] = a.replace("A-1", qty=new_qty, cl_ord_id="r")
    assert (rep.exec_type, rep.ord_status, rep.order_qty, rep.cum_qty, rep.leaves_qty) == (
        ExecType.REPLACED, OrdStatus.FILLED, 4, 4, 0)
    assert rep.text
    assert book_orders(ex, "XYZ", Side.SELL) == []
    assert reject_of(a.cancel("r")).reason is CxlRejReason.TOO_LATE_TO_CANCEL


def test_replace_that_makes_the_order_marketable_matches_at_once(ex, a, b):
    a.sell(5, 103)
    b.buy(8, 100)
    reports = b.replace("B-1", price=104)
    assert kinds(reports) == ["B:REPLACED", "B:TRADE", "A:TRADE"]
    fill = trades(reports, "B")[0]
    assert (fill.last_qty, fill.last_px, fill.cl_ord_id, fill.leaves_qty) == (5, 103, "B-2", 3)
    assert ex.book("XYZ").top() == (104, 3, None, 0)


def test_a_replaced_order_is_found_by_every_cl_ord_id_of_its_chain(ex, a):
    a.buy(5, 100, cl_ord_id="v1")
    a.replace("v1", price=99, cl_ord_id="v2")
    [rep] = a.replace("v2", qty=4, cl_ord_id="v3")
    assert rep.orig_cl_ord_id == "v2"
    [done] = a.cancel("v1", cl_ord_id="v4")
    assert (done.exec_type, done.orig_cl_ord_id, done.order_qty, done.price) == (ExecType.CANCELED, "v3", 4, 99)


def test_replace_with_a_bad_quantity_or_price_is_refused_naming_the_field(ex, a):
    a.buy(10, 100, symbol="ABC")
    rej = reject_of(a.replace("A-1", qty=15))
    assert rej.response_to is CxlRejResponseTo.REPLACE and "lot size" in rej.text
    assert "price" in reject_of(a.replace("A-1", price=0)).text
    assert "order_qty" in reject_of(a.replace("A-1", qty=5_000)).text
    assert book_orders(ex, "ABC", Side.BUY) == [("A-1", 100, 10)]


def test_pending_acknowledgements_come_first_when_configured():
    ex = make_exchange(ack_pending=True)
    a = Session(ex, "A")
    a.buy(5, 100, cl_ord_id="o")
    reports = a.replace("o", qty=4, cl_ord_id="r")
    assert kinds(reports) == ["A:PENDING_REPLACE", "A:REPLACED"]
    pending = reports[0]
    assert (pending.ord_status, pending.cl_ord_id, pending.orig_cl_ord_id, pending.order_qty) == (
        OrdStatus.PENDING_REPLACE, "r", "o", 5)
    reports = a.cancel("r", cl_ord_id="c")
    assert kinds(reports) == ["A:PENDING_CANCEL", "A:CANCELED"]
    assert (reports[0].ord_status, reports[0].cl_ord_id, reports[0].orig_cl_ord_id) == (
        OrdStatus.PENDING_CANCEL, "c", "r")


def test_no_pending_acknowledgements_by_default(ex, a):
    a.buy(5, 100)
    assert kinds(a.cancel("A-1")) == ["A:CANCELED"]


def test_replace_is_refused_while_halted_or_closed_but_cancel_is_not(ex, a):
    a.buy(5, 100, tif=TimeInForce.GTC)
    for phase, word in ((Phase.HALTED, "halted"), (Phase.CLOSED, "closed")):
        ex.set_phase(phase, "XYZ")
        rej = reject_of(a.replace("A-1", qty=3))
        assert (rej.reason, rej.ord_status) == (CxlRejReason.BROKER_OPTION, OrdStatus.NEW)
        assert word in rej.text
    assert only(a.cancel("A-1"), ExecType.CANCELED).ord_status is OrdStatus.CANCELED


def test_replace_raising_a_filled_orders_quantity_reopens_it(ex, a, b):
    # FIX 4.4 Appendix D C.1.c: filled, then a replace to increase the quantity.
    a.buy(5, 100, cl_ord_id="x")
    b.sell(5, 100)
    [rep] = a.replace("x", qty=8, cl_ord_id="y")
    assert (rep.exec_type, rep.ord_status, rep.order_qty, rep.cum_qty, rep.leaves_qty, rep.orig_cl_ord_id) == (
        ExecType.REPLACED, OrdStatus.PARTIALLY_FILLED, 8, 5, 3, "x")
    assert book_orders(ex, "XYZ", Side.BUY) == [("y", 100, 3)]
    assert [o.cl_ord_id for o in ex.open_orders("A")] == ["y"]
    [fill] = trades(b.sell(3, 100), "A")
    assert (fill.ord_status, fill.cum_qty, fill.leaves_qty, fill.order_qty) == (OrdStatus.FILLED, 8, 0, 8)
    assert ex.open_orders("A") == []


def test_a_reopened_order_matches_what_it_crosses_at_once(ex, a, b):
    a.buy(5, 100, cl_ord_id="x")
    b.sell(9, 100)
    reports = a.replace("x", qty=7, cl_ord_id="y")
    assert kinds(reports) == ["A:REPLACED", "A:TRADE", "B:TRADE"]
    [fill] = trades(reports, "A")
    assert (fill.ord_status, fill.last_qty, fill.cum_qty, fill.leaves_qty) == (OrdStatus.FILLED, 2, 7, 0)
    assert ex.open_orders("A") == []


@pytest.mark.parametrize("change", [dict(qty=5), dict(qty=4), dict(price=99), dict(qty=5, price=101)])
def test_a_replace_of_a_filled_order_that_does_not_raise_its_quantity_is_too_late(ex, a, b, change):
    a.buy(5, 100, cl_ord_id="x")
    b.sell(5, 100)
    rej = reject_of(a.replace("x", cl_ord_id="y", **change))
    assert (rej.reason, rej.ord_status) == (CxlRejReason.TOO_LATE_TO_CANCEL, OrdStatus.FILLED)
    assert ex.open_orders("A") == []


@pytest.mark.parametrize("kind", [dict(tif=TimeInForce.IOC), dict(tif=TimeInForce.FOK), dict(price=None)])
def test_a_filled_order_that_could_never_rest_is_not_reopened(ex, a, b, kind):
    b.sell(10, 100)
    a.buy(5, **{"price": 100, **kind}, cl_ord_id="x")  # IOC, FOK or market: filled at once
    rej = reject_of(a.replace("x", qty=8, cl_ord_id="y"))
    assert (rej.reason, rej.ord_status) == (CxlRejReason.TOO_LATE_TO_CANCEL, OrdStatus.FILLED)
    assert ex.open_orders("A") == []


def test_a_cancelled_or_expired_order_is_never_reopened(ex, a):
    a.buy(5, 90, cl_ord_id="c")
    a.cancel("c", cl_ord_id="c2")
    rej = reject_of(a.replace("c2", qty=8, cl_ord_id="c3"))
    assert (rej.reason, rej.ord_status) == (CxlRejReason.TOO_LATE_TO_CANCEL, OrdStatus.CANCELED)
    a.buy(5, 90, cl_ord_id="d")
    ex.set_phase(Phase.CLOSED, "XYZ")
    ex.set_phase(Phase.CONTINUOUS, "XYZ")
    rej = reject_of(a.replace("d", qty=8, cl_ord_id="d2"))
    assert (rej.reason, rej.ord_status) == (CxlRejReason.TOO_LATE_TO_CANCEL, OrdStatus.EXPIRED)


def test_a_reopened_order_is_not_forgotten_with_old_closed_orders():
    ex = make_exchange(max_closed_orders=2)
    a, b = Session(ex, "A"), Session(ex, "B")
    a.buy(5, 100, cl_ord_id="x")
    b.sell(5, 100)  # both orders closed: the registry keeps the last two
    a.replace("x", qty=8, cl_ord_id="y")
    for i in range(3):  # more closed orders push the oldest out
        a.buy(1, 90, cl_ord_id=f"p{i}")
        a.cancel(f"p{i}", cl_ord_id=f"q{i}")
    [done] = a.cancel("y", cl_ord_id="z")
    assert (done.exec_type, done.cum_qty, done.order_qty) == (ExecType.CANCELED, 5, 8)


def test_a_filled_order_is_not_reopened_while_its_symbol_is_halted(ex, a, b):
    a.buy(5, 100, cl_ord_id="x")
    b.sell(5, 100)
    ex.set_phase(Phase.HALTED, "XYZ")
    rej = reject_of(a.replace("x", qty=8, cl_ord_id="y"))
    assert (rej.reason, rej.ord_status) == (CxlRejReason.BROKER_OPTION, OrdStatus.FILLED)
