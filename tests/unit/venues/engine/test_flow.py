"""Background order flow: reproducible, keeps both sides populated, moves prices, follows
the clock and the trading phases."""
from __future__ import annotations

from tests.unit.venues.engine.engine_helpers import SYMBOLS, T0, Session, make_exchange, trades
from venues.engine import (
    Exchange,
    ExecType,
    ExecutionReport,
    FlowConfig,
    OrderFlow,
    OrdType,
    Phase,
    TimeInForce,
)
from vigil.clock import SimClock


class RecordingExchange(Exchange):
    """Keeps every request it was sent, to compare what two flows asked for."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.requests: list = []

    def submit(self, cmd):
        self.requests.append(cmd)
        return super().submit(cmd)

    def cancel(self, cmd):
        self.requests.append(cmd)
        return super().cancel(cmd)

    def replace(self, cmd):
        self.requests.append(cmd)
        return super().replace(cmd)


def recorded_run(seed: int, steps: int = 2_000, phase: Phase = Phase.CONTINUOUS):
    ex = RecordingExchange(SYMBOLS, SimClock(T0), phase=phase)
    flow = OrderFlow(ex, seed)
    return ex, flow, flow.step(steps)


def test_same_seed_gives_the_same_orders_and_reports():
    ex1, _, reports1 = recorded_run(42)
    ex2, _, reports2 = recorded_run(42)
    assert len(ex1.requests) == 2_000
    assert ex1.requests == ex2.requests
    assert reports1 == reports2
    ex3, _, reports3 = recorded_run(43)
    assert ex3.requests != ex1.requests


def test_flow_keeps_both_sides_populated_and_moves_prices():
    ex, flow, reports = recorded_run(7, steps=5_000)
    assert {r.owner for r in reports} == {"FLOW"}
    assert not [r for r in reports if not isinstance(r, ExecutionReport) or r.exec_type is ExecType.REJECTED]
    for symbol in ex.symbols:
        bid, bid_qty, ask, ask_qty = ex.book(symbol).top()
        assert bid is not None and ask is not None and bid < ask and bid_qty > 0 and ask_qty > 0
        prices = [t.last_px for t in trades(reports) if t.symbol == symbol]
        assert len(prices) > 50
        assert max(prices) - min(prices) >= 5, "the mid should wander"
    # ABC's flow starts at its reference price and sizes orders in its lots.
    abc = [r for r in ex.requests if getattr(r, "symbol", None) == "ABC" and getattr(r, "order_qty", None)]
    assert all(r.order_qty % 10 == 0 and r.order_qty <= 1_000 for r in abc)
    assert abs(abc[0].price - 100) <= FlowConfig().spread_ticks


def test_run_due_sends_requests_at_the_configured_rate_of_clock_time():
    ex = RecordingExchange(SYMBOLS, SimClock(T0))
    flow = OrderFlow(ex, 1, FlowConfig(rate_per_s=100, max_burst=500))
    flow.run_due()
    assert len(ex.requests) == 1  # due at start
    flow.run_due()
    assert len(ex.requests) == 1  # the clock has not moved
    ex.clock.advance(1.0)
    flow.run_due()
    assert len(ex.requests) == 101
    ex.clock.advance(0.005)
    flow.run_due()
    assert len(ex.requests) == 101
    ex.clock.advance(3_600)  # a long pause: one capped burst, the backlog is dropped
    flow.run_due()
    assert len(ex.requests) == 601
    flow.run_due()
    assert len(ex.requests) == 601


def test_flow_fills_participant_orders_and_returns_their_reports():
    ex = make_exchange()
    Session(ex, "A").buy(50, 10_020)  # well above XYZ's starting mid of 10_000
    flow = OrderFlow(ex, 3)
    reports = flow.step(200)
    client_fills = trades(reports, "A")
    assert client_fills and all(t.last_px == 10_020 for t in client_fills)


def test_flow_in_pre_open_sends_only_resting_limit_orders_and_nothing_when_halted():
    ex, flow, reports = recorded_run(5, steps=300, phase=Phase.PRE_OPEN)
    new_orders = [r for r in ex.requests if hasattr(r, "tif")]
    assert new_orders and all(r.ord_type is OrdType.LIMIT and r.tif is TimeInForce.DAY for r in new_orders)
    assert trades(reports) == []
    ex.set_phase(Phase.HALTED)
    before = len(ex.requests)
    assert flow.step(50) == []
    assert len(ex.requests) == before


def test_a_split_moves_the_flows_mid_and_cancels_its_orders_in_the_old_prices_only():
    ex = Exchange(SYMBOLS, SimClock(T0))
    flow = OrderFlow(ex, 5, symbols=["XYZ"])
    other = Session(ex, "OTHER")
    [theirs] = other.buy(10, 9_000)  # a participant's order: its broker's to adjust, not the venue's
    flow.step(500)
    before = flow.mid("XYZ")
    reports = flow.move_to("XYZ", 0.5, 0.0)  # 2:1
    assert flow.mid("XYZ") == before / 2
    assert reports and all(r.exec_type is ExecType.CANCELED and r.owner == "FLOW" for r in reports)
    assert ex.open_orders("FLOW", "XYZ") == []
    assert [o.order_id for o in ex.open_orders("OTHER", "XYZ")] == [theirs.order_id]
    flow.step(200)
    prices = [o.price for o in ex.open_orders("FLOW", "XYZ")]
    assert prices and all(abs(p - flow.mid("XYZ")) <= FlowConfig().cancel_distance + 1 for p in prices)
