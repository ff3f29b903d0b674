"""Trading phases: pre-open, the opening auction's uncross, halts and the close."""
from __future__ import annotations

import pytest

from tests.unit.venues.engine.engine_helpers import Session, book_orders, kinds, make_exchange, only, trades
from venues.engine import (
    ExecType,
    LiquidityInd,
    OrdRejReason,
    OrdStatus,
    Phase,
    Side,
    TimeInForce,
    VenueError,
    trade_prints,
)
from venues.engine.auction import equilibrium


@pytest.mark.parametrize(("phase", "words"), [(Phase.PRE_OPEN, "pre-open"),
                                              (Phase.OPENING_AUCTION, "the opening auction")])
def test_auction_phases_rest_limit_orders_without_matching(phase, words):
    ex = make_exchange(phase)
    a, b = Session(ex, "A"), Session(ex, "B")
    assert kinds(a.buy(5, 105)) == ["A:NEW"]
    assert kinds(b.sell(5, 100)) == ["B:NEW"]
    assert ex.book("XYZ").is_crossed()
    [rej] = b.sell(5)
    assert (rej.exec_type, rej.reject_reason) == (ExecType.REJECTED, OrdRejReason.BROKER_OPTION)
    assert rej.text == f"market order not accepted in {words}"
    for tif in (TimeInForce.IOC, TimeInForce.FOK):
        [rej] = b.sell(5, 100, tif=tif)
        assert rej.exec_type is ExecType.REJECTED and tif.name in rej.text and words in rej.text
    # Cancels and replaces work without matching.
    assert kinds(a.replace("A-1", qty=4, price=106)) == ["A:REPLACED"]
    assert kinds(a.cancel("A-2")) == ["A:CANCELED"]


def test_opening_auction_uncrosses_at_one_price_with_the_most_volume():
    ex = make_exchange(Phase.PRE_OPEN)  # ABC: lot 10, reference price 100
    a, b = Session(ex, "A"), Session(ex, "B")
    a.buy(100, 103, symbol="ABC", cl_ord_id="b103")
    a.buy(50, 102, symbol="ABC", cl_ord_id="b102")
    a.buy(100, 100, symbol="ABC", cl_ord_id="b100")
    b.sell(80, 99, symbol="ABC", cl_ord_id="s99")
    b.sell(70, 101, symbol="ABC", cl_ord_id="s101")
    b.sell(100, 104, symbol="ABC", cl_ord_id="s104")
    assert ex.set_phase(Phase.OPENING_AUCTION, "ABC") == []
    uncross = ex.indicative_uncross("ABC")
    # 150 executes at 101 and at 102, both balanced; 101 is closer to the reference 100.
    assert (uncross.price, uncross.volume, uncross.imbalance) == (101, 150, 0)

    reports = ex.set_phase(Phase.CONTINUOUS, "ABC")
    buys, sells = trades(reports, "A"), trades(reports, "B")
    assert {t.last_px for t in buys + sells} == {101}
    assert sum(t.last_qty for t in buys) == sum(t.last_qty for t in sells) == 150
    assert [(t.cl_ord_id, t.last_qty) for t in buys] == [("b103", 80), ("b103", 20), ("b102", 50)]
    assert [(t.cl_ord_id, t.last_qty) for t in sells] == [("s99", 80), ("s101", 20), ("s101", 50)]
    assert all(t.liquidity is LiquidityInd.AUCTION for t in buys + sells)
    assert [(p.price, p.qty, p.aggressor) for p in trade_prints(reports)] == [
        (101, 80, None), (101, 20, None), (101, 50, None)]
    assert ex.book("ABC").top() == (100, 100, 104, 100)
    assert ex.last_price("ABC") == 101
    assert ex.indicative_uncross("ABC") is None


def test_uncross_prefers_the_smaller_imbalance_over_the_reference_price():
    ex = make_exchange(Phase.OPENING_AUCTION)
    a, b = Session(ex, "A"), Session(ex, "B")
    a.buy(100, 102, symbol="ABC")
    a.buy(50, 101, symbol="ABC")
    b.sell(100, 100, symbol="ABC")
    reports = ex.set_phase(Phase.CONTINUOUS, "ABC")
    assert {t.last_px for t in trades(reports)} == {102}
    assert ex.book("ABC").top() == (101, 50, None, 0)


def test_equilibrium_rules():
    assert equilibrium([(100, 5)], [(101, 5)], None) is None
    assert equilibrium([], [(101, 5)], None) is None
    # Every price from 100 to 105 executes 10 with no imbalance: the one nearest the
    # reference wins, a price between the limits included; without one, the middle (lower).
    assert equilibrium([(105, 10)], [(100, 10)], 100).price == 100
    assert equilibrium([(105, 10)], [(100, 10)], 103).price == 103
    assert equilibrium([(105, 10)], [(100, 10)], 120).price == 105
    assert equilibrium([(105, 10)], [(100, 10)], None).price == 102
    # A price strictly between limit prices can balance the book better than either end.
    gap = equilibrium([(97, 1), (95, 1)], [(95, 1), (97, 1)], None)
    assert (gap.price, gap.volume, gap.imbalance) == (96, 1, 0)
    result = equilibrium([(103, 10), (101, 10)], [(100, 4), (102, 30)], None)
    # At 101: buy 20, sell 4 -> 4; at 102: buy 10, sell 34 -> 10; at 103: 10 vs 34.
    assert (result.price, result.volume, result.imbalance) == (102, 10, -24)


def test_auction_with_nothing_crossed_opens_without_trades():
    ex = make_exchange(Phase.OPENING_AUCTION)
    Session(ex, "A").buy(5, 99)
    Session(ex, "B").sell(5, 100)
    assert ex.set_phase(Phase.CONTINUOUS) == []
    assert ex.book("XYZ").top() == (99, 5, 100, 5)


def test_halt_rejects_new_orders_but_allows_cancels():
    ex = make_exchange()
    a = Session(ex, "A")
    a.buy(5, 100)
    ex.set_phase(Phase.HALTED, "XYZ")
    [rej] = a.buy(5, 101)
    assert (rej.exec_type, rej.reject_reason) == (ExecType.REJECTED, OrdRejReason.EXCHANGE_CLOSED)
    assert "halted" in rej.text
    assert kinds(a.buy(10, 101, symbol="ABC")) == ["A:NEW"]  # other symbols trade on
    assert only(a.cancel("A-1"), ExecType.CANCELED).ord_status is OrdStatus.CANCELED
    ex.set_phase(Phase.CONTINUOUS, "XYZ")
    assert kinds(a.buy(5, 101)) == ["A:NEW"]


def test_close_expires_day_orders_and_keeps_gtc_orders():
    ex = make_exchange()
    a, b = Session(ex, "A"), Session(ex, "B")
    a.buy(5, 100, cl_ord_id="day")
    a.buy(5, 99, cl_ord_id="gtc", tif=TimeInForce.GTC)
    b.sell(5, 110, cl_ord_id="day-partly", symbol="XYZ")
    a.buy(2, 110)
    reports = ex.set_phase(Phase.CLOSED, "XYZ")
    assert kinds(reports) == ["A:EXPIRED", "B:EXPIRED"]
    assert [(r.cl_ord_id, r.ord_status, r.leaves_qty, r.cum_qty) for r in reports] == [
        ("day", OrdStatus.EXPIRED, 0, 0), ("day-partly", OrdStatus.EXPIRED, 0, 2)]
    assert all(r.text for r in reports)
    assert book_orders(ex, "XYZ", Side.BUY) == [("gtc", 99, 5)]
    [rej] = a.buy(1, 99)
    assert (rej.reject_reason, rej.text) == (OrdRejReason.EXCHANGE_CLOSED, "XYZ is closed")
    # The next day the GTC order is still there and trades.
    ex.set_phase(Phase.PRE_OPEN, "XYZ")
    ex.set_phase(Phase.CONTINUOUS, "XYZ")
    assert [t.cl_ord_id for t in trades(b.sell(5, 99), "A")] == ["gtc"]


def test_impossible_phase_changes_raise_and_change_nothing():
    ex = make_exchange(Phase.CLOSED)
    with pytest.raises(VenueError, match="no transition from CLOSED to HALTED"):
        ex.set_phase(Phase.HALTED)
    with pytest.raises(VenueError, match="unknown symbol"):
        ex.set_phase(Phase.PRE_OPEN, "NOPE")
    ex.set_phase(Phase.PRE_OPEN, "XYZ")
    with pytest.raises(VenueError, match="ABC: no transition"):
        ex.set_phase(Phase.HALTED)  # fine for XYZ, impossible for ABC: neither moves
    assert (ex.phase("XYZ"), ex.phase("ABC")) == (Phase.PRE_OPEN, Phase.CLOSED)
    assert ex.set_phase(Phase.PRE_OPEN, "XYZ") == []  # already there
