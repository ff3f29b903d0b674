"""Properties of the engine over random sequences of requests and venue actions.

After every step: no crossed book while matching, every open order consistent with its
book, quantity conserved (per order and bought == sold), fills taken in price-time
priority, and an order's cum_qty never going down except by a bust or correction.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests.unit.venues.engine.engine_helpers import make_exchange
from venues.engine import (
    Exchange,
    ExecType,
    ExecutionReport,
    FlowConfig,
    LiquidityInd,
    NewOrderSingle,
    OrderCancelReplaceRequest,
    OrderCancelRequest,
    OrderFlow,
    OrdStatus,
    OrdType,
    Phase,
    Side,
    TimeInForce,
    VenueError,
)
from venues.engine.auction import equilibrium

OWNERS = ("A", "B", "C")
OPEN_LIKE = {OrdStatus.NEW, OrdStatus.PARTIALLY_FILLED, OrdStatus.PENDING_CANCEL, OrdStatus.PENDING_REPLACE}
KINDS = {
    "day": (OrdType.LIMIT, TimeInForce.DAY),
    "gtc": (OrdType.LIMIT, TimeInForce.GTC),
    "ioc": (OrdType.LIMIT, TimeInForce.IOC),
    "fok": (OrdType.LIMIT, TimeInForce.FOK),
    "mkt": (OrdType.MARKET, TimeInForce.DAY),
}

prices = st.integers(97, 103)
qtys = st.integers(1, 20)
submits = st.tuples(st.just("submit"), st.sampled_from(OWNERS), st.sampled_from(Side),
                    st.sampled_from(sorted(KINDS)), qtys, prices)
cancels = st.tuples(st.just("cancel"), st.sampled_from(OWNERS), st.integers(0, 50))
replaces = st.tuples(st.just("replace"), st.sampled_from(OWNERS), st.integers(0, 50),
                     st.none() | qtys, st.none() | prices)
phases = st.tuples(st.just("phase"), st.sampled_from(Phase))
busts = st.tuples(st.just("bust"), st.integers(0, 50))
corrects = st.tuples(st.just("correct"), st.integers(0, 50), st.none() | qtys, st.none() | prices)
_BY_KIND = {"submit": submits, "cancel": cancels, "replace": replaces, "phase": phases, "bust": busts,
            "correct": corrects}
# Weighted by repetition: mostly new orders, so books fill up and trade.
operation = st.sampled_from(["submit"] * 8 + ["cancel"] * 2 + ["replace"] * 3 + ["phase", "bust", "correct"]
                            ).flatmap(_BY_KIND.__getitem__)
operations = st.lists(operation, min_size=10, max_size=80)


@dataclass
class Model:
    """What the reports said, checked against the exchange."""

    sent: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    trade_exec_ids: list[str] = field(default_factory=list)
    last_cum: dict[str, int] = field(default_factory=dict)
    trade_qty: dict[str, dict[Side, tuple[str, int, int]]] = field(default_factory=lambda: defaultdict(dict))
    """trade_id -> side -> (order_id, qty, px) as the latest report of that side said."""


def priority_snapshot(ex: Exchange, side: Side) -> list[tuple[str, int]]:
    return [(o.order_id, o.leaves_qty) for o in ex.book("XYZ").side(side).orders()]


def assert_priority_prefix(snapshot: list[tuple[str, int]], fills: list[tuple[str, int]]) -> None:
    """Fills against one side took whole orders in priority order, the last possibly in part."""
    merged: list[list] = []
    for order_id, qty in fills:
        if merged and merged[-1][0] == order_id:
            merged[-1][1] += qty
        else:
            merged.append([order_id, qty])
    assert len(merged) <= len(snapshot)
    for i, (order_id, qty) in enumerate(merged):
        assert order_id == snapshot[i][0], f"fill {i} took {order_id}, priority says {snapshot[i][0]}"
        if i < len(merged) - 1:
            assert qty == snapshot[i][1], "a better order was left unfilled"
        else:
            assert qty <= snapshot[i][1]


def apply(ex: Exchange, model: Model, op: tuple, seq: int) -> list:
    kind = op[0]
    if kind == "submit":
        _, owner, side, order_kind, qty, px = op
        ord_type, tif = KINDS[order_kind]
        cl = f"{owner}-{seq}"
        model.sent[owner].append(cl)
        return ex.submit(NewOrderSingle(owner=owner, cl_ord_id=cl, symbol="XYZ", side=side, order_qty=qty,
                                        ord_type=ord_type, price=None if ord_type is OrdType.MARKET else px,
                                        tif=tif))
    if kind in ("cancel", "replace"):
        owner, index = op[1], op[2]
        if not model.sent[owner]:
            return []
        orig = model.sent[owner][index % len(model.sent[owner])]
        cl = f"{owner}-{seq}"
        model.sent[owner].append(cl)
        if kind == "cancel":
            return ex.cancel(OrderCancelRequest(owner=owner, cl_ord_id=cl, orig_cl_ord_id=orig))
        return ex.replace(OrderCancelReplaceRequest(owner=owner, cl_ord_id=cl, orig_cl_ord_id=orig,
                                                    order_qty=op[3], price=op[4]))
    try:
        if kind == "phase":
            return ex.set_phase(op[1], "XYZ")
        if not model.trade_exec_ids:
            return []
        exec_id = model.trade_exec_ids[op[1] % len(model.trade_exec_ids)]
        if kind == "bust":
            return ex.bust_trade(exec_id)
        return ex.correct_trade(exec_id, qty=op[2], price=op[3])
    except VenueError:
        return []


def check_reports(model: Model, reports: list) -> None:
    for r in reports:
        if not isinstance(r, ExecutionReport) or r.order_id == "NONE":
            continue
        if r.ord_status in OPEN_LIKE:
            assert r.cum_qty + r.leaves_qty == r.order_qty, r
        assert r.leaves_qty >= 0 and r.cum_qty >= 0
        if r.exec_type not in (ExecType.TRADE_CANCEL, ExecType.TRADE_CORRECT):
            assert r.cum_qty >= model.last_cum.get(r.order_id, 0), f"cum went down: {r}"
        model.last_cum[r.order_id] = r.cum_qty
        if r.exec_type is ExecType.TRADE:
            model.trade_exec_ids.append(r.exec_id)
            model.trade_qty[r.trade_id][r.side] = (r.order_id, r.last_qty, r.last_px)
        elif r.exec_type is ExecType.TRADE_CORRECT:
            model.trade_qty[r.trade_id][r.side] = (r.order_id, r.last_qty, r.last_px)
        elif r.exec_type is ExecType.TRADE_CANCEL:
            model.trade_qty[r.trade_id][r.side] = (r.order_id, 0, r.last_px)


def check_exchange(ex: Exchange, model: Model) -> None:
    book = ex.book("XYZ")
    if ex.phase("XYZ") is Phase.CONTINUOUS:
        assert not book.is_crossed()
    resting = {}
    for side in (book.bids, book.asks):
        for level in side.levels():
            orders = list(level.orders())
            assert orders and level.qty == sum(o.leaves_qty for o in orders)
            assert all(o.price == level.price and o.side is side.side for o in orders)
            resting.update((o.order_id, o) for o in orders)
    open_orders = {o.order_id: o for owner in OWNERS for o in ex.open_orders(owner)}
    assert resting.keys() == open_orders.keys()
    for o in open_orders.values():
        assert o.is_open and o.leaves_qty > 0 and o.cum_qty + o.leaves_qty == o.order_qty
        assert o.ord_type is OrdType.LIMIT and o.tif in (TimeInForce.DAY, TimeInForce.GTC)
    # Conservation: each trade's two sides agree, and each order's cum is its trades' sum.
    bought, sold = defaultdict(int), defaultdict(int)
    notional = defaultdict(int)
    for sides in model.trade_qty.values():
        (buy_id, buy_qty, buy_px), (sell_id, sell_qty, sell_px) = sides[Side.BUY], sides[Side.SELL]
        assert (buy_qty, buy_px) == (sell_qty, sell_px)
        bought[buy_id] += buy_qty
        sold[sell_id] += sell_qty
        notional[buy_id] += buy_qty * buy_px
        notional[sell_id] += sell_qty * sell_px
    assert sum(bought.values()) == sum(sold.values())
    for order_id, cum in (bought | sold).items():
        order = ex.order(order_id)
        assert order.cum_qty == cum
        assert order.cum_qty <= order.order_qty
        if cum:
            assert abs(order.avg_px - notional[order_id] / cum) < 1e-9


@settings(max_examples=300, deadline=None)
@given(operations, st.sampled_from([Phase.CONTINUOUS, Phase.PRE_OPEN]))
def test_engine_invariants_hold_over_random_sequences(ops, start):
    ex = make_exchange(start)
    model = Model()
    for seq, op in enumerate(ops):
        matching = ex.phase("XYZ") is Phase.CONTINUOUS
        before = {side: priority_snapshot(ex, side) for side in Side}
        reports = apply(ex, model, op, seq)
        check_reports(model, reports)
        check_exchange(ex, model)

        for r in reports:
            event(f"report {r.exec_type.name}" if isinstance(r, ExecutionReport) else "cancel reject")
        fills = [r for r in reports if isinstance(r, ExecutionReport) and r.exec_type is ExecType.TRADE]
        if not fills:
            continue
        if op[0] in ("submit", "replace"):
            assert matching
            makers = [r for r in fills if r.liquidity is LiquidityInd.ADDED]
            assert len({r.side for r in makers}) == 1
            assert_priority_prefix(before[makers[0].side], [(r.order_id, r.last_qty) for r in makers])
            if op[0] == "submit" and op[3] == "fok":
                taker = [r for r in fills if r.liquidity is LiquidityInd.REMOVED][-1]
                assert taker.cum_qty == taker.order_qty, "a FOK order filled in part"
        else:  # the opening uncross: one price, both sides in priority order
            assert op[0] == "phase" and not matching
            assert len({r.last_px for r in fills}) == 1
            for side in Side:
                assert_priority_prefix(before[side], [(r.order_id, r.last_qty) for r in fills if r.side is side])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(prices, qtys), min_size=1, max_size=8),
       st.lists(st.tuples(prices, qtys), min_size=1, max_size=8),
       st.none() | prices)
def test_equilibrium_price_maximises_volume_then_minimises_imbalance(bid_list, ask_list, reference):
    def levels(pairs, best_first):
        merged = defaultdict(int)
        for p, q in pairs:
            merged[p] += q
        return sorted(merged.items(), reverse=best_first)
    bids, asks = levels(bid_list, True), levels(ask_list, False)
    result = equilibrium(bids, asks, reference)
    buy_at = lambda p: sum(q for bp, q in bids if bp >= p)  # noqa: E731
    sell_at = lambda p: sum(q for ap, q in asks if ap <= p)  # noqa: E731
    best = max(min(buy_at(p), sell_at(p)) for p in range(90, 111))
    if best == 0:
        assert result is None
        return
    assert result.volume == best == min(buy_at(result.price), sell_at(result.price))
    least = min(abs(buy_at(p) - sell_at(p)) for p in range(90, 111) if min(buy_at(p), sell_at(p)) == best)
    assert abs(result.imbalance) == least


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from([Phase.CONTINUOUS, Phase.PRE_OPEN]))
def test_background_flow_keeps_the_books_consistent(seed, start):
    ex = make_exchange(start)
    flow = OrderFlow(ex, seed, FlowConfig(volatility_ticks=2.0))
    flow.step(300)
    if start is Phase.PRE_OPEN:
        ex.set_phase(Phase.OPENING_AUCTION)
        ex.set_phase(Phase.CONTINUOUS)
        flow.step(300)
    for symbol in ex.symbols:
        assert not ex.book(symbol).is_crossed()
    for order in ex.open_orders("FLOW"):
        assert order.cum_qty + order.leaves_qty == order.order_qty and order.leaves_qty > 0
