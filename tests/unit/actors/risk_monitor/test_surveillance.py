"""Surveillance over scripted order flows, with explicit timestamps: layering flagged with exactly the
layered orders and not for a market maker's two-sided requoting; the ratios judged at their thresholds;
one flag per pattern per window; orders denied before the market not counted; nothing with thresholds off."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from actors.risk_monitor.surveillance import LayeringSettings, Surveillance, SurveillanceConfig
from vigil.config import ConfigError, build_config
from vocabulary.orders import OrderUpdate

S = 1_000_000_000


@dataclass
class Order:
    root: str
    strategy: str
    symbol: str
    side: str
    qty: int
    price: str
    cl: str
    cum: int = 0


class Desk:
    """Steps orders through their states as the OMS reports them, into one Surveillance; times in seconds."""

    def __init__(self, **settings: Any) -> None:
        self.surveillance = Surveillance(SurveillanceConfig(**settings))
        self.flags: list[tuple[float, dict[str, Any]]] = []
        self._ids = itertools.count(1)

    def emit(self, order: Order, status: str, at: float, is_open: bool = True, reason: str | None = None) -> list:
        update = OrderUpdate(order.cl, order.root, None, order.strategy, "book", order.symbol, order.side,
                             str(order.qty), order.price, status, str(order.cum),
                             str(order.qty - order.cum if is_open else 0), "0", reason, is_open)
        flags = self.surveillance.observe(update, round(at * S))
        self.flags += [(at, flag) for flag in flags]
        return flags

    def new(self, side: str, qty: int, at: float, strategy: str = "mm", symbol: str = "EURUSD") -> Order:
        cl = f"C{next(self._ids)}"
        order = Order(cl, strategy, symbol, side, qty, "1.1", cl)
        self.emit(order, "PendingNew", at)
        return order

    def place(self, side: str, qty: int, at: float, **where: str) -> Order:
        """Sent and acknowledged by the venue at `at`."""
        order = self.new(side, qty, at, **where)
        self.emit(order, "New", at)
        return order

    def fill(self, order: Order, qty: int, at: float) -> list:
        order.cum += qty
        done = order.cum == order.qty
        return self.emit(order, "Filled" if done else "PartiallyFilled", at, is_open=not done)

    def cancel(self, order: Order, at: float) -> list:
        self.emit(order, "PendingCancel", at)
        return self.emit(order, "Canceled", at, is_open=False)

    def replace(self, order: Order, at: float, price: str) -> None:
        self.emit(order, "PendingReplace", at)
        order.cl, order.price = f"C{next(self._ids)}", price
        self.emit(order, "New", at)

    def deny(self, side: str, qty: int, at: float, **where: str) -> Order:
        order = self.new(side, qty, at, **where)
        self.emit(order, "Rejected", at, is_open=False, reason="denied: max_order_qty: 5000 > 1000 for mm EURUSD")
        return order

    def patterns(self) -> list[str]:
        return [flag["pattern"] for _, flag in self.flags]


def layered(desk: Desk, at: float = 0.0, symbol: str = "EURUSD") -> list[Order]:
    """Five 50,000 sells resting, a 1,000 buy executed, the five sells cancelled within a second of it."""
    sells = [desk.place("Sell", 50_000, at + 0.1 * i, symbol=symbol) for i in range(5)]
    buy = desk.place("Buy", 1_000, at + 1.0, symbol=symbol)
    desk.fill(buy, 1_000, at + 1.5)
    for i, sell in enumerate(sells):
        desk.cancel(sell, at + 1.6 + 0.2 * i)
    return sells


# ---- layering ------------------------------------------------------------------------------------
def test_layering_is_flagged_with_exactly_the_layered_orders():
    desk = Desk(layering=LayeringSettings(min_orders=5))
    small = desk.place("Sell", 1_000, 0.0)           # other side but not large
    sells = [desk.place("Sell", 50_000, 0.1 * i) for i in range(5)]
    buy = desk.place("Buy", 1_000, 1.0)
    assert desk.fill(buy, 1_000, 1.5) == []
    late = desk.place("Sell", 50_000, 1.55)          # large, but not open at the execution
    desk.cancel(small, 1.6)
    desk.cancel(late, 1.65)
    for sell in sells[:4]:
        assert desk.cancel(sell, 1.7 + 0.1 * sells.index(sell)) == []
    [flag] = desk.cancel(sells[4], 2.4)               # the update that makes five
    assert flag["problem"] == "surveillance_flag" and flag["pattern"] == "layering"
    assert (flag["strategy"], flag["symbol"]) == ("mm", "EURUSD")
    assert sorted(flag["orders"]) == sorted(s.root for s in sells)
    assert flag["detail"] == ("layering: 5 Sell orders of 5000 or more (5 x the Buy 1000 executed) open at the "
                              "execution and cancelled unfilled within 2 s of it >= 5 for mm EURUSD")
    assert len(desk.flags) == 1


def test_layering_flag_comes_at_the_cancel_reaching_min_orders_and_once():
    desk = Desk(layering=LayeringSettings())  # min_orders 3
    sells = layered(desk)
    [(at, flag)] = desk.flags
    assert at == pytest.approx(1.6 + 0.2 * 2)
    assert flag["orders"] == [s.root for s in sells[:3]]


def test_large_orders_placed_just_before_the_execution_count():
    desk = Desk(layering=LayeringSettings())
    buy = desk.place("Buy", 1_000, 0.0)
    sells = [desk.place("Sell", 10_000, 0.9 + 0.01 * i) for i in range(3)]
    desk.fill(buy, 1_000, 1.0)
    for sell in sells:
        desk.cancel(sell, 1.1)
    assert desk.patterns() == ["layering"]
    assert sorted(desk.flags[0][1]["orders"]) == sorted(s.root for s in sells)


@pytest.mark.parametrize("why", ["cancelled too late", "too small", "same side", "partly filled", "other strategy",
                                 "other symbol"])
def test_near_layering_is_not_flagged(why):
    desk = Desk(layering=LayeringSettings())
    side = "Buy" if why == "same side" else "Sell"
    qty = 4_999 if why == "too small" else 5_000
    where = {"strategy": "other"} if why == "other strategy" else {"symbol": "USDJPY"} if why == "other symbol" else {}
    orders = [desk.place(side, qty, 0.1 * i, **where) for i in range(3)]
    buy = desk.place("Buy", 1_000, 1.0)
    desk.fill(buy, 1_000, 1.5)
    if why == "partly filled":
        desk.fill(orders[0], 1, 1.6)
    for i, order in enumerate(orders):
        desk.cancel(order, (3.6 if why == "cancelled too late" else 1.7) + 0.01 * i)
    assert desk.flags == []


def test_market_making_raises_no_layering():
    def run(layering: LayeringSettings) -> Desk:
        desk = Desk(layering=layering)
        bid, ask = desk.place("Buy", 1_000, 0.0), desk.place("Sell", 1_200, 0.0)
        for step in range(1, 300):
            at = 0.2 * step
            if step % 10 == 0:
                desk.fill(bid, bid.qty, at)
                bid = desk.place("Buy", 1_000, at + 0.01)
            elif step % 10 == 5:
                desk.fill(ask, 400, at)
                desk.fill(ask, 800, at + 0.01)
                ask = desk.place("Sell", 1_200, at + 0.02)
            elif step % 3 == 0:
                desk.replace(bid, at, price=f"1.1{step % 7}")
            else:
                desk.cancel(bid, at)
                desk.cancel(ask, at)
                bid, ask = desk.place("Buy", 1_000, at + 0.01), desk.place("Sell", 1_200, at + 0.01)
        return desk

    assert run(LayeringSettings()).flags == []
    # the same flow with every other-side order "large" and one cancel enough: the check did look
    assert "layering" in run(LayeringSettings(min_orders=1, size_ratio=1.0)).patterns()


def test_layering_is_not_repeated_within_the_window_per_symbol():
    desk = Desk(layering=LayeringSettings())
    layered(desk, 0.0)
    layered(desk, 10.0)
    layered(desk, 10.0, symbol="USDJPY")
    assert [(f["pattern"], f["symbol"]) for _, f in desk.flags] == [("layering", "EURUSD"), ("layering", "USDJPY")]
    layered(desk, 61.0)
    assert [f["symbol"] for _, f in desk.flags] == ["EURUSD", "USDJPY", "EURUSD"]


# ---- order-to-trade ------------------------------------------------------------------------------
def test_order_to_trade_just_inside_and_just_outside():
    desk = Desk(max_order_to_trade=20, min_orders=20)
    for i in range(2):
        desk.fill(desk.place("Buy", 100, 0.1 * i), 100, 0.1 * i + 0.05)
    first = desk.place("Sell", 100, 1.0)
    desk.replace(first, 1.1, price="1.2")  # the same order: not a second one
    for i in range(37):
        desk.place("Sell", 100, 2.0 + 0.1 * i)
    assert desk.surveillance.rows()[0]["orders"] == 40
    assert desk.flags == []                                       # 40 for 2: 20, not over 20
    desk.place("Sell", 100, 10.0)
    [(_, flag)] = desk.flags
    assert flag["pattern"] == "order_to_trade" and flag["strategy"] == "mm" and "symbol" not in flag
    assert flag["detail"] == "order_to_trade: 41 orders for 2 executions in 60 s (20.5 per execution) > 20 for mm"
    assert len(flag["orders"]) == 41 and len(set(flag["orders"])) == 41


def test_order_to_trade_without_executions_compares_the_order_count():
    desk = Desk(max_order_to_trade=20, min_orders=5)
    for i in range(20):
        desk.place("Buy", 100, 0.1 * i)
    assert desk.flags == []
    desk.place("Buy", 100, 3.0)
    assert [f["detail"] for _, f in desk.flags] == ["order_to_trade: 21 orders for 0 executions in 60 s > 20 for mm"]


def test_order_to_trade_wording_with_one_execution():
    desk = Desk(max_order_to_trade=20, min_orders=20)
    desk.fill(desk.place("Buy", 100, 0.0), 100, 0.1)
    for i in range(44):
        desk.place("Buy", 100, 1.0 + 0.01 * i)
    assert desk.flags[0][1]["detail"] == "order_to_trade: 21 orders for 1 execution in 60 s > 20 for mm"
    assert len(desk.flags) == 1


def test_ratios_below_min_orders_are_not_judged():
    desk = Desk(max_order_to_trade=1, min_orders=20)
    for i in range(19):
        desk.place("Buy", 100, 0.1 * i)
    assert desk.flags == []
    desk.place("Buy", 100, 5.0)
    assert desk.patterns() == ["order_to_trade"]


def test_orders_leave_the_window():
    desk = Desk(max_order_to_trade=20, min_orders=20, window_s=10)
    for i in range(20):
        desk.place("Buy", 100, 0.1 * i)
    for i in range(20):  # the first twenty are out of the window by then
        desk.place("Buy", 100, 12.0 + 0.1 * i)
    assert desk.flags == []
    assert desk.surveillance.rows()[0]["orders"] == 20


# ---- fast cancels --------------------------------------------------------------------------------
def fast_cancels(desk: Desk, fast: int) -> list[Order]:
    """Twenty orders accepted within 0.2 s; `fast` of them cancelled 0.5 s or less after, two more after 0.6 s."""
    orders = [desk.place("Buy", 100, 0.01 * i) for i in range(20)]
    for i, order in enumerate(orders[:fast]):
        desk.cancel(order, 0.01 * i + (0.5 if i == 0 else 0.3))
    for order in orders[fast:fast + 2]:
        desk.cancel(order, 0.01 * orders.index(order) + 0.6)
    return orders


def test_fast_cancel_share_just_inside():
    desk = Desk(max_fast_cancel_share=0.25, min_orders=20)
    fast_cancels(desk, 5)                                          # 5 of 20: 0.25
    assert desk.flags == []
    assert desk.surveillance.rows()[0]["fast_cancel_share"] == 0.25


def test_fast_cancel_share_just_outside():
    desk = Desk(max_fast_cancel_share=0.25, min_orders=20)
    orders = fast_cancels(desk, 6)                                 # 6 of 20: 0.3
    [(_, flag)] = desk.flags
    assert flag["pattern"] == "fast_cancels"
    assert flag["orders"] == [o.root for o in orders[:6]]
    assert flag["detail"] == ("fast_cancels: 6 of 20 orders in 60 s cancelled unfilled within 0.5 s of acceptance: "
                              "0.3 > 0.25 for mm")


def test_a_partly_filled_order_cancelled_fast_is_not_a_fast_cancel():
    desk = Desk(max_fast_cancel_share=0.05, min_orders=20)
    orders = [desk.place("Buy", 100, 0.01 * i) for i in range(20)]
    desk.fill(orders[0], 10, 0.1)
    desk.cancel(orders[0], 0.2)
    assert desk.flags == []
    assert desk.surveillance.rows()[0]["fast_cancel_share"] == 0


# ---- one flag per window -------------------------------------------------------------------------
def test_a_flag_is_not_repeated_within_the_window_and_is_raised_again_after_it():
    desk = Desk(max_order_to_trade=20, min_orders=20)
    for i in range(200):                                           # one order a second, never an execution
        desk.place("Buy", 100, float(i))
    times = [at for at, _ in desk.flags]
    assert times == [20.0, 80.0, 140.0]
    assert desk.surveillance.rows()[0]["flags"] == 1               # the one raised within the last 60 s


# ---- what is not counted -------------------------------------------------------------------------
def test_orders_denied_before_the_market_are_not_counted():
    desk = Desk(max_order_to_trade=1, min_orders=1, max_fast_cancel_share=0.01)
    for i in range(30):
        desk.deny("Buy", 5_000, 0.1 * i)
    host_made = OrderUpdate("", "", "mm-9", "mm", "book", "EURUSD", "Buy", "5000", "1.1", "Rejected", "0", "0",
                            "0", "denied: halted", False)
    assert desk.surveillance.observe(host_made, 4 * S) == []
    assert desk.flags == [] and desk.surveillance.rows() == []
    desk.place("Buy", 100, 5.0)
    assert desk.surveillance.rows()[0]["orders"] == 1 and desk.flags == []   # 1 for no execution: not over 1
    desk.place("Buy", 100, 5.1)
    assert [f["detail"] for _, f in desk.flags] == ["order_to_trade: 2 orders for 0 executions in 60 s > 1 for mm"]


def test_thresholds_off_raise_nothing():
    desk = Desk()
    layered(desk)
    for i in range(100):
        desk.cancel(desk.place("Buy", 100, 3.0 + 0.01 * i), 3.0 + 0.01 * i + 0.1)
    assert desk.flags == []
    [row] = desk.surveillance.rows()
    assert row["orders"] == 106 and row["executions"] == 1 and row["fast_cancel_share"] == pytest.approx(100 / 106)


# ---- for an operator, memory ---------------------------------------------------------------------
def test_rows_give_each_strategy_its_window():
    desk = Desk(max_order_to_trade=5, min_orders=20)
    for i in range(30):
        order = desk.place("Buy", 100, 0.1 * i, strategy="mm")
        if i % 10 == 0:
            desk.fill(order, 100, 0.1 * i + 0.01)
        elif i % 5 == 0:
            desk.cancel(order, 0.1 * i + 0.2)
    desk.place("Sell", 100, 4.0, strategy="arb")
    assert desk.surveillance.rows() == [
        {"strategy": "arb", "orders": 1, "executions": 0, "order_to_trade": 1.0, "fast_cancel_share": 0.0,
         "flags": 0},
        {"strategy": "mm", "orders": 30, "executions": 3, "order_to_trade": 10.0, "fast_cancel_share": 0.1,
         "flags": 1},
    ]
    assert desk.surveillance.rows(at_ns=200 * S) == []


def test_memory_is_bounded():
    desk = Desk(window_s=10)
    resting = desk.place("Sell", 100, 0.0)
    for i in range(20_000):                                         # 200 s of orders
        desk.cancel(desk.place("Buy", 100, 0.01 * i), 0.01 * i + 0.005)
    kept = desk.surveillance._orders
    assert len(kept) <= 3_100                                      # closed ones: two windows, a margin, a sweep's gap
    assert resting.root in kept                                    # open: it can still be filled or cancelled
    desk.fill(resting, 100, 200.0)
    assert desk.surveillance.rows(at_ns=200 * S)[0]["executions"] == 1


def test_config_is_checked():
    with pytest.raises(ConfigError) as err:
        build_config(SurveillanceConfig, {"max_fast_cancel_share": 1.5, "layering": {"min_orders": 0},
                                          "window": 60})
    assert {p.field for p in err.value.problems} == {"max_fast_cancel_share", "layering.min_orders", "window"}
    config = build_config(SurveillanceConfig, {"layering": {}})
    assert config.layering == LayeringSettings() and config.max_order_to_trade is None
