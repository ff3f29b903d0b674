"""The incremental aggregates are the OMS's orders and positions summed: after any history of submits,
acks, partial fills, cancels and replaces (accepted, refused, left pending), busts, splits, market moves
and an OMS restored from its snapshot rows, they equal a from-scratch recomputation; and the event log
replayed into a fresh OMS and gateway gives the same quantities."""
from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actors.oms import OrderError
from actors.oms.risk import RiskGateway
from actors.oms.state import OmsState
from tests.unit.actors.oms.risk.risk_support import PRICES, Desk, assert_same, from_scratch
from vigil.corporate_actions import CorporateAction
from vocabulary.fix_codes import OrdStatus
from vocabulary.reports import OrderCancelReject

SYMBOLS = ["EURUSD", "USDJPY", "ACME", "SONY"]
LOT = {"EURUSD": 1000, "USDJPY": 1000, "ACME": 1, "SONY": 100}
STRATEGIES, BOOKS = ["a", "b", "c"], ["x", "y"]

order_index = st.integers(0, 40)
step = st.one_of(
    st.tuples(st.just("submit"), st.sampled_from(STRATEGIES), st.sampled_from(BOOKS), st.sampled_from(SYMBOLS),
              st.sampled_from(["buy", "sell"]), st.integers(1, 50)),
    st.tuples(st.just("fill"), order_index, st.integers(1, 100), st.integers(-5, 5)),
    st.tuples(st.just("cancel"), order_index, st.sampled_from(["accept", "refuse", "pending"])),
    st.tuples(st.just("replace"), order_index, st.integers(1, 60), st.sampled_from(["accept", "refuse", "pending"])),
    st.tuples(st.just("answer"), order_index, st.booleans()),
    st.tuples(st.just("bust"), order_index, st.integers(0, 5)),
    st.tuples(st.just("quote"), st.sampled_from(SYMBOLS), st.integers(-50, 50)),
    st.tuples(st.just("split"), st.sampled_from(["ACME", "SONY"])),
    st.tuples(st.just("restart"),),
)


class History:
    def __init__(self) -> None:
        self.desk = Desk()
        self.roots: list[str] = []
        self.pending: dict[str, tuple[str, str, int]] = {}  # root -> (kind, request id, new qty)
        self.fills: dict[str, list] = {}
        self.rows: dict = {}
        self.splits = itertools.count(1)
        for symbol in SYMBOLS:
            self.desk.gw.market_moved(symbol)
        for i in range(8):  # something for every step to work on from the start
            self.submit(STRATEGIES[i % 3], BOOKS[i % 2], SYMBOLS[i % 4], ("buy", "sell")[i % 2], 10 + i)

    def order(self, i: int):
        if not self.roots:
            return None
        return self.desk.oms.blotter.find(self.roots[i % len(self.roots)])

    def run(self, action: tuple) -> None:
        getattr(self, action[0])(*action[1:])
        self.rows.update(self.desk.oms.snapshot_rows())

    def submit(self, strategy, book, symbol, side, lots) -> None:
        bid, ask = PRICES[symbol]
        order = self.desk.submit(strategy, book, symbol, side, lots * LOT[symbol], price=bid, check=False)
        self.roots.append(order.root_cl_ord_id)
        self.desk.ack(order)

    def fill(self, i, pct, ticks) -> None:
        order = self.order(i)
        if order is None or not order.is_open or order.leaves_qty <= 0:
            return
        lot = LOT[order.symbol]
        qty = max(lot, int(order.leaves_qty * pct / 100) // lot * lot)
        qty = min(qty, int(order.leaves_qty))
        px = Decimal(str(PRICES[order.symbol][0])) * (1 + Decimal(ticks) / 1000)
        self.fills.setdefault(order.root_cl_ord_id, []).append(self.desk.fill(order, qty, px))

    def cancel(self, i, answer) -> None:
        order = self.order(i)
        if order is None or order.root_cl_ord_id in self.pending:
            return
        try:
            request = self.desk.request_cancel(order)
        except OrderError:
            return
        self.pending[order.root_cl_ord_id] = ("cancel", request, 0)
        if answer != "pending":
            self.answer_order(order, answer == "accept")

    def replace(self, i, lots, answer) -> None:
        order = self.order(i)
        if order is None or order.root_cl_ord_id in self.pending or not order.is_open:
            return
        qty = int(order.cum_qty) + lots * LOT[order.symbol]
        try:
            request = self.desk.request_replace(order, qty=qty)
        except OrderError:
            return
        self.pending[order.root_cl_ord_id] = ("replace", request, qty)
        if answer != "pending":
            self.answer_order(order, answer == "accept")

    def answer(self, i, accept) -> None:
        order = self.order(i)
        if order is not None and order.root_cl_ord_id in self.pending:
            self.answer_order(order, accept)

    def answer_order(self, order, accept: bool) -> None:
        kind, request, qty = self.pending.pop(order.root_cl_ord_id)
        accept = accept and order.status not in (OrdStatus.FILLED, OrdStatus.CANCELED)
        if kind == "cancel" and accept:
            self.desk.cancelled(order, request)
        elif kind == "replace" and accept:
            self.desk.replaced(order, request, qty)
        elif kind == "cancel":
            self.desk.persist(_cancel_reject(order, request))
        else:
            self.desk.replace_refused(order, request)

    def bust(self, i, k) -> None:
        order = self.order(i)
        fills = self.fills.get(order.root_cl_ord_id, []) if order is not None else []
        if not fills or order.status is OrdStatus.CANCELED or order.root_cl_ord_id in self.pending:
            return
        self.desk.bust(order, fills.pop(k % len(fills)))

    def quote(self, symbol, move) -> None:
        bid, ask = PRICES[symbol]
        factor = 1 + move / 1000
        self.desk.quote(symbol, bid * factor, ask * factor)
        self.desk.gw.market_moved(symbol)

    def split(self, symbol) -> None:
        action = CorporateAction(f"split{next(self.splits)}", symbol, "split", self.desk.clock.now_ns(),
                                 ratio=Fraction(2, 1))
        self.desk.persist({"event": "corporate_action", "action": action.to_dict(), "at_ns": self.desk.clock.now_ns()})

    def restart(self) -> None:
        """A new OMS process: a fresh OmsState and gateway, the OMS's snapshot (rows) restored into it, the
        gateway's own snapshot restored, then the OMS's first event (it marks open orders uncertain)."""
        desk = self.desk
        self.rows.update(desk.oms.snapshot_rows())
        snapshot, risk = desk.oms.snapshot(), desk.gw.snapshot()
        desk.oms = OmsState("T")
        desk.gw = RiskGateway(desk.gw.base_config, oms=desk.oms, market=desk.market, clock=desk.clock,
                              instruments=desk.gw.instruments)
        desk.oms.restore(snapshot)
        desk.gw.restore(risk)
        desk.oms.restore_rows(dict(self.rows))
        desk.persist(desk.oms.blotter.mark_uncertain(None, "OMS restarted"))
        for symbol in SYMBOLS[: len(self.rows) % 5]:  # some symbols quoted again already, some not yet
            desk.gw.market_moved(symbol)


def _cancel_reject(order, request):
    return OrderCancelReject(cl_ord_id=request, orig_cl_ord_id=order.cl_ord_id, order_id=f"O-{order.root_cl_ord_id}",
                             ord_status="PartiallyFilled" if order.cum_qty else "New", response_to="1",
                             text="too late")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=10, max_size=80))
def test_the_aggregates_equal_a_recomputation_after_any_history(steps):
    history = History()
    for action in steps:
        history.run(action)
        assert_same(history.desk.gw.agg, from_scratch(history.desk))
    replayed = Desk(quotes=False)
    for event in history.desk.log:
        replayed.persist(event)
    assert_same(replayed.gw.agg, from_scratch(replayed))
    assert_same(replayed.gw.agg, history.desk.gw.agg, money=False)  # same quantities (marks differ)


def test_a_bust_reopening_a_filled_order_counts_it_again():
    history = History()
    history.run(("submit", "solo", "z", "EURUSD", "buy", 10))
    history.run(("fill", 8, 100, 0))
    order = history.order(8)
    assert not order.is_open
    history.run(("bust", 8, 0))
    assert history.order(8).is_open
    cell = history.desk.gw.agg.groups[("position", ("z", "solo"))].cells["EURUSD"]
    assert (cell.pos, cell.buy) == (0, 10_000)
    assert_same(history.desk.gw.agg, from_scratch(history.desk))


def test_a_split_rescales_the_positions_it_touches():
    history = History()
    history.run(("submit", "solo", "z", "ACME", "buy", 10))
    history.run(("fill", 8, 100, 0))
    history.run(("split", "ACME"))
    cell = history.desk.gw.agg.groups[("book", "z")].cells["ACME"]
    assert cell.pos == 20 and cell.cost == pytest.approx(10 * 99.99)
    assert_same(history.desk.gw.agg, from_scratch(history.desk))
