"""New orders in CONTINUOUS: matching, time in force, validation, duplicates, status."""
from __future__ import annotations

import pytest

from tests.unit.venues.engine.engine_helpers import T0, Session, book_orders, kinds, make_exchange, only, trades
from venues.engine import (
    ExecType,
    LiquidityInd,
    OrderMassStatusRequest,
    OrderStatusRequest,
    OrdRejReason,
    OrdStatus,
    OrdType,
    Side,
    TimeInForce,
    trade_prints,
)


def test_limit_order_rests_with_a_new_report_carrying_the_execution_report_fields(ex, a):
    ex.clock.advance(1.5)
    [new] = a.buy(10, 99, account="ACC1")
    assert new.exec_type is ExecType.NEW and new.ord_status is OrdStatus.NEW
    assert (new.owner, new.cl_ord_id, new.order_id, new.account) == ("A", "A-1", "O1", "ACC1")
    assert (new.symbol, new.side, new.ord_type, new.tif) == ("XYZ", Side.BUY, OrdType.LIMIT, TimeInForce.DAY)
    assert (new.order_qty, new.price, new.cum_qty, new.leaves_qty, new.avg_px) == (10, 99, 0, 10, 0.0)
    assert new.transact_time_ns == T0 + 1_500_000_000
    assert ex.book("XYZ").top() == (99, 10, None, 0)


def test_partial_fills_across_levels_update_cum_leaves_and_avg_px(ex, a, b):
    a.sell(5, 101)
    a.sell(5, 102)
    a.sell(5, 103)
    reports = b.buy(12, 102)
    assert kinds(reports) == ["B:NEW", "B:TRADE", "A:TRADE", "B:TRADE", "A:TRADE"]
    taker = trades(reports, "B")
    assert [(t.last_qty, t.last_px, t.cum_qty, t.leaves_qty) for t in taker] == [(5, 101, 5, 7), (5, 102, 10, 2)]
    assert taker[0].ord_status is OrdStatus.PARTIALLY_FILLED
    assert taker[-1].avg_px == pytest.approx(101.5)
    assert all(t.liquidity is LiquidityInd.REMOVED for t in taker)
    makers = trades(reports, "A")
    assert [(m.cl_ord_id, m.ord_status, m.leaves_qty) for m in makers] == [
        ("A-1", OrdStatus.FILLED, 0), ("A-2", OrdStatus.FILLED, 0)]
    assert all(m.liquidity is LiquidityInd.ADDED for m in makers)
    assert taker[0].trade_id == makers[0].trade_id != taker[1].trade_id
    # The remainder rests at its limit; the book is not crossed.
    assert ex.book("XYZ").top() == (102, 2, 103, 5)


def test_trades_execute_at_the_resting_orders_price(ex, a, b):
    a.buy(4, 100)
    [t] = trades(b.sell(4, 90), "B")
    assert t.last_px == 100


def test_price_then_time_priority(ex, a, b):
    a.sell(3, 101, cl_ord_id="early")
    a.sell(3, 101, cl_ord_id="late")
    a.sell(3, 100, cl_ord_id="better")
    reports = b.buy(8, 101)
    assert [(t.cl_ord_id, t.last_qty, t.last_px) for t in trades(reports, "A")] == [
        ("better", 3, 100), ("early", 3, 101), ("late", 2, 101)]
    assert book_orders(ex, "XYZ", Side.SELL) == [("late", 101, 1)]


def test_ioc_remainder_is_cancelled(ex, a, b):
    a.sell(5, 101)
    a.sell(5, 105)
    reports = b.buy(8, 102, tif=TimeInForce.IOC)
    assert kinds(reports) == ["B:NEW", "B:TRADE", "A:TRADE", "B:CANCELED"]
    done = only(reports, ExecType.CANCELED)
    assert (done.ord_status, done.cum_qty, done.leaves_qty, done.order_qty) == (OrdStatus.CANCELED, 5, 0, 8)
    assert "IOC" in done.text
    assert book_orders(ex, "XYZ", Side.BUY) == []


def test_ioc_with_nothing_to_take_is_cancelled_unfilled(ex, b):
    reports = b.sell(8, 102, tif=TimeInForce.IOC)
    assert kinds(reports) == ["B:NEW", "B:CANCELED"]
    assert reports[-1].cum_qty == 0


def test_fok_that_cannot_fill_completely_is_killed_with_nothing_filled(ex, a, b):
    a.sell(5, 101)
    a.sell(5, 103)  # enough quantity in the book, but beyond the FOK's limit
    reports = b.buy(8, 102, tif=TimeInForce.FOK)
    assert kinds(reports) == ["B:NEW", "B:CANCELED"]
    killed = reports[-1]
    assert (killed.ord_status, killed.cum_qty, killed.leaves_qty) == (OrdStatus.CANCELED, 0, 0)
    assert "FOK" in killed.text
    assert book_orders(ex, "XYZ", Side.SELL) == [("A-1", 101, 5), ("A-2", 103, 5)]


def test_fok_that_can_fill_completely_fills_across_levels(ex, a, b):
    a.sell(5, 101)
    a.sell(5, 102)
    a.sell(5, 103)
    reports = b.buy(8, 102, tif=TimeInForce.FOK)
    assert kinds(reports) == ["B:NEW", "B:TRADE", "A:TRADE", "B:TRADE", "A:TRADE"]
    last = trades(reports, "B")[-1]
    assert (last.ord_status, last.cum_qty, last.leaves_qty) == (OrdStatus.FILLED, 8, 0)
    assert book_orders(ex, "XYZ", Side.SELL) == [("A-2", 102, 2), ("A-3", 103, 5)]


def test_market_order_sweeps_levels_and_never_rests(ex, a, b):
    a.buy(5, 100)
    a.buy(5, 98)
    reports = b.sell(12)
    assert [(t.last_qty, t.last_px) for t in trades(reports, "B")] == [(5, 100), (5, 98)]
    done = reports[-1]
    assert (done.exec_type, done.cum_qty, done.leaves_qty, done.price) == (ExecType.CANCELED, 10, 0, None)
    assert "market order" in done.text
    assert ex.book("XYZ").top() == (None, 0, None, 0)


def test_market_order_into_an_empty_side_is_cancelled(ex, b):
    assert kinds(b.buy(3)) == ["B:NEW", "B:CANCELED"]


@pytest.mark.parametrize(("kwargs", "code", "field"), [
    (dict(side=Side.BUY, qty=0, price=100), OrdRejReason.INCORRECT_QUANTITY, "order_qty"),
    (dict(side=Side.BUY, qty=-5, price=100), OrdRejReason.INCORRECT_QUANTITY, "order_qty"),
    (dict(side=Side.BUY, qty=15, price=100, symbol="ABC"), OrdRejReason.INCORRECT_QUANTITY, "lot size"),
    (dict(side=Side.BUY, qty=10, ord_type=OrdType.LIMIT), OrdRejReason.OTHER, "price"),
    (dict(side=Side.BUY, qty=10, price=0), OrdRejReason.OTHER, "price"),
    (dict(side=Side.SELL, qty=10, price=-3), OrdRejReason.OTHER, "price"),
    (dict(side=Side.SELL, qty=10, price=100, ord_type=OrdType.MARKET), OrdRejReason.OTHER, "price"),
    (dict(side=Side.BUY, qty=2_000, price=100, symbol="ABC"), OrdRejReason.ORDER_EXCEEDS_LIMIT, "order_qty"),
    (dict(side=Side.BUY, qty=10, price=100, symbol="NOPE"), OrdRejReason.UNKNOWN_SYMBOL, "NOPE"),
])
def test_invalid_orders_are_rejected_naming_the_field(ex, a, kwargs, code, field):
    [rej] = a.send(kwargs.pop("side"), kwargs.pop("qty"), kwargs.pop("price", None), **kwargs)
    assert (rej.exec_type, rej.ord_status, rej.reject_reason) == (ExecType.REJECTED, OrdStatus.REJECTED, code)
    assert field in rej.text
    assert rej.order_id == "NONE" and rej.owner == "A"
    assert ex.open_orders("A") == []


def test_duplicate_cl_ord_id_of_an_open_or_a_finished_order_is_rejected(ex, a, b):
    a.buy(5, 100, cl_ord_id="x1")
    [rej] = a.buy(5, 100, cl_ord_id="x1")
    assert rej.reject_reason is OrdRejReason.DUPLICATE_ORDER and "x1" in rej.text
    b.sell(5, 100)  # fills x1
    [rej] = a.sell(1, 200, cl_ord_id="x1")
    assert rej.reject_reason is OrdRejReason.DUPLICATE_ORDER
    # ClOrdIDs are per owner, and a rejected order does not use its ClOrdID up.
    assert kinds(b.buy(5, 100, cl_ord_id="x1")) == ["B:NEW"]
    a.buy(0, 100, cl_ord_id="fixme")
    assert kinds(a.buy(1, 100, cl_ord_id="fixme")) == ["A:NEW"]


def test_ids_are_unique_and_the_same_run_gives_the_same_reports():
    def run():
        ex = make_exchange(id_prefix="SIM-")
        a, b = Session(ex, "A"), Session(ex, "B")
        out = a.sell(5, 101) + a.sell(5, 102) + b.buy(7, 102) + b.buy(3) + a.cancel("A-2")
        return out
    first, second = run(), run()
    assert first == second
    exec_ids = [r.exec_id for r in first if hasattr(r, "exec_id")]
    assert len(set(exec_ids)) == len(exec_ids) and all(e.startswith("SIM-E") for e in exec_ids)


def test_order_status_of_open_filled_and_unknown_orders(ex, a, b):
    a.buy(5, 100)
    a.buy(5, 99)
    b.sell(5, 100)
    report = ex.order_status(OrderStatusRequest(owner="A", cl_ord_id="A-2"))
    assert (report.exec_type, report.ord_status, report.leaves_qty) == (ExecType.ORDER_STATUS, OrdStatus.NEW, 5)
    report = ex.order_status(OrderStatusRequest(owner="A", order_id="O1"))
    assert (report.ord_status, report.cum_qty, report.avg_px) == (OrdStatus.FILLED, 5, 100.0)
    # Another owner's order is as unknown as a made-up one.
    for req in (OrderStatusRequest(owner="B", order_id="O1", symbol="XYZ", side=Side.BUY),
                OrderStatusRequest(owner="A", cl_ord_id="nope", symbol="XYZ", side=Side.BUY)):
        report = ex.order_status(req)
        assert (report.exec_type, report.ord_status, report.reject_reason, report.order_id) == (
            ExecType.ORDER_STATUS, OrdStatus.REJECTED, OrdRejReason.UNKNOWN_ORDER, "NONE")


def test_mass_status_reports_every_open_order_of_the_owner(ex, a, b):
    a.buy(5, 100)
    a.sell(10, 150, symbol="ABC")
    a.sell(5, 101)
    b.buy(5, 101)  # fills A-3
    b.buy(1, 90)
    reports = ex.handle(OrderMassStatusRequest(owner="A"))
    assert [(r.exec_type, r.cl_ord_id) for r in reports] == [
        (ExecType.ORDER_STATUS, "A-1"), (ExecType.ORDER_STATUS, "A-2")]
    assert [r.cl_ord_id for r in ex.mass_status(OrderMassStatusRequest(owner="A", symbol="ABC"))] == ["A-2"]
    assert ex.mass_status(OrderMassStatusRequest(owner="nobody")) == []


def test_trade_prints_give_one_print_per_trade_with_the_aggressor(ex, a, b):
    a.sell(5, 101)
    a.sell(5, 102)
    prints = trade_prints(b.buy(7, 102))
    assert [(p.price, p.qty, p.aggressor) for p in prints] == [(101, 5, Side.BUY), (102, 2, Side.BUY)]
