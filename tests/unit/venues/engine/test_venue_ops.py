"""The venue's own actions: unsolicited cancels, trade busts and trade corrections."""
from __future__ import annotations

import pytest

from tests.unit.venues.engine.engine_helpers import Session, book_orders, kinds, trades
from venues.engine import ExecType, OrdStatus, Side, VenueError


def test_venue_cancel_of_a_resting_order_tells_the_owner_why(ex, a):
    [new] = a.buy(5, 100)
    [done] = ex.venue_cancel(new.order_id, "price band breached")
    assert (done.owner, done.exec_type, done.ord_status, done.text) == (
        "A", ExecType.CANCELED, OrdStatus.CANCELED, "price band breached")
    assert done.orig_cl_ord_id is None
    assert ex.book("XYZ").top() == (None, 0, None, 0)
    with pytest.raises(VenueError, match="already canceled"):
        ex.venue_cancel(new.order_id)
    with pytest.raises(VenueError, match="unknown order"):
        ex.venue_cancel("O999")


def test_bust_restores_cum_leaves_and_avg_px_on_both_orders(ex, a, b):
    a.sell(10, 101, cl_ord_id="maker")
    b.sell(10, 103, cl_ord_id="maker2")
    first = trades(Session(ex, "C").buy(4, 101))
    second = trades(Session(ex, "D").buy(12, 103))  # 6 from maker @101, 6 from maker2 @103
    maker_fill = [t for t in second if t.cl_ord_id == "maker"][0]
    reports = ex.bust_trade(maker_fill.exec_id, text="erroneous trade")
    assert kinds(reports) == ["D:TRADE_CANCEL", "A:TRADE_CANCEL"]
    buy_side, sell_side = reports
    taker_fill = [t for t in second if t.owner == "D" and t.last_px == 101][0]
    assert (buy_side.exec_ref_id, sell_side.exec_ref_id) == (taker_fill.exec_id, maker_fill.exec_id)
    assert buy_side.trade_id == sell_side.trade_id == maker_fill.trade_id
    assert (sell_side.last_qty, sell_side.last_px, sell_side.text) == (6, 101, "erroneous trade")
    # The maker was filled out (4 + 6): it stays done; its leaves are not reopened.
    assert (sell_side.cum_qty, sell_side.leaves_qty, sell_side.avg_px, sell_side.ord_status) == (
        4, 0, 101.0, OrdStatus.DONE_FOR_DAY)
    # The taker had filled its 12 in full: same story.
    assert (buy_side.cum_qty, buy_side.leaves_qty, buy_side.avg_px, buy_side.ord_status) == (
        6, 0, 103.0, OrdStatus.DONE_FOR_DAY)
    assert first[0].exec_id != maker_fill.exec_id


def test_bust_gives_a_resting_order_its_leaves_back_in_place(ex, a, b):
    a.sell(10, 101, cl_ord_id="first")
    a.sell(10, 101, cl_ord_id="second")
    [taker, maker] = trades(b.buy(4, 101))
    reports = ex.bust_trade(taker.exec_id)  # either side's ExecID names the trade
    sell_side = [r for r in reports if r.owner == "A"][0]
    assert (sell_side.ord_status, sell_side.cum_qty, sell_side.leaves_qty, sell_side.avg_px) == (
        OrdStatus.NEW, 0, 10, 0.0)
    assert sell_side.exec_ref_id == maker.exec_id
    assert book_orders(ex, "XYZ", Side.SELL) == [("first", 101, 10), ("second", 101, 10)]
    assert ex.book("XYZ").top() == (None, 0, 101, 20)
    with pytest.raises(VenueError, match="already busted"):
        ex.bust_trade(maker.exec_id)
    with pytest.raises(VenueError, match="unknown trade"):
        ex.bust_trade("E999")


def test_bust_of_one_of_two_fills_leaves_the_other_in_avg_px(ex, a, b):
    a.sell(5, 100)
    a.sell(5, 110)
    fills = trades(b.buy(10, 110), "B")
    assert fills[-1].avg_px == 105.0
    reports = ex.bust_trade(fills[1].exec_id)
    buy_side = [r for r in reports if r.owner == "B"][0]
    assert (buy_side.cum_qty, buy_side.avg_px, buy_side.last_qty, buy_side.last_px) == (5, 100.0, 5, 110)


def test_correct_price_adjusts_avg_px_but_not_quantities(ex, a, b):
    a.sell(10, 101)
    [taker, maker] = trades(b.buy(4, 101))
    reports = ex.correct_trade(maker.exec_id, price=99)
    assert kinds(reports) == ["B:TRADE_CORRECT", "A:TRADE_CORRECT"]
    buy_side, sell_side = reports
    assert (buy_side.last_qty, buy_side.last_px, buy_side.cum_qty, buy_side.avg_px) == (4, 99, 4, 99.0)
    assert (sell_side.cum_qty, sell_side.leaves_qty, sell_side.avg_px) == (4, 6, 99.0)
    assert (buy_side.exec_ref_id, sell_side.exec_ref_id) == (taker.exec_id, maker.exec_id)


def test_correct_quantity_moves_cum_and_resting_leaves(ex, a, b):
    a.sell(10, 101)
    b.buy(5, 100)
    [taker, maker] = trades(b.buy(4, 101))
    down = ex.correct_trade(taker.exec_id, qty=2)
    buy_side, sell_side = down
    assert (sell_side.cum_qty, sell_side.leaves_qty, sell_side.ord_status) == (2, 8, OrdStatus.PARTIALLY_FILLED)
    assert ex.book("XYZ").top() == (100, 5, 101, 8)
    # The taker was filled and is not reopened: it is done for the day with 2 of 4.
    assert (buy_side.cum_qty, buy_side.leaves_qty, buy_side.ord_status) == (2, 0, OrdStatus.DONE_FOR_DAY)
    # Corrections chain: the next one refers to the previous correction, named by its ExecID.
    up = ex.correct_trade(down[0].exec_id, qty=4, price=100)
    assert (up[0].exec_ref_id, up[1].exec_ref_id) == (down[0].exec_id, down[1].exec_id)
    assert (up[0].cum_qty, up[0].ord_status, up[0].avg_px) == (4, OrdStatus.FILLED, 100.0)
    assert (up[1].cum_qty, up[1].leaves_qty, up[1].ord_status, up[1].avg_px) == (
        4, 6, OrdStatus.PARTIALLY_FILLED, 100.0)
    assert ex.book("XYZ").top() == (100, 5, 101, 6)


def test_correction_that_would_overfill_or_is_not_positive_raises(ex, a, b):
    a.sell(10, 101)
    [taker, _] = trades(b.buy(4, 101))
    with pytest.raises(VenueError, match="overfill order"):
        ex.correct_trade(taker.exec_id, qty=5)  # the taker (4, filled) cannot take 5
    with pytest.raises(VenueError, match="qty must be a positive"):
        ex.correct_trade(taker.exec_id, qty=0)
    with pytest.raises(VenueError, match="price must be a positive"):
        ex.correct_trade(taker.exec_id, price=-1)
    ex.bust_trade(taker.exec_id)
    with pytest.raises(VenueError, match="already busted"):
        ex.correct_trade(taker.exec_id, price=100)
