"""Helpers for the risk gateway tests: a desk (an OmsState, a QuoteBoard, a SimClock and a gateway, wired
as the OMS is meant to wire them) and venue answers that keep each order consistent."""
from __future__ import annotations

import itertools
import json
import math
from decimal import Decimal
from typing import Any

from actors.oms import Order
from actors.oms.risk import RISK_EVENTS, Decision, QuoteBoard, RiskConfig, RiskGateway
from actors.oms.risk.aggregates import Aggregates, Mark
from actors.oms.state import OmsState
from vigil.clock import SimClock
from vigil.reference import Instrument
from vocabulary.reports import ExecutionReport, OrderCancelReject

T0 = 1_800_000_000 * 10**9  # 2027-01-15T08:00:00Z
INSTRUMENTS = {
    "EURUSD": Instrument("EURUSD", 0.00001, 1000, "USD", "fx", "global"),
    "GBPUSD": Instrument("GBPUSD", 0.00001, 1000, "USD", "fx", "global"),
    "USDJPY": Instrument("USDJPY", 0.001, 1000, "JPY", "fx", "global"),
    "ACME": Instrument("ACME", 0.01, 1, "USD", "industrials", "us"),
    "BOLT": Instrument("BOLT", 0.01, 1, "USD", "industrials", "us"),
    "SONY": Instrument("SONY", 1, 100, "JPY", "tech", "asia"),
    "SAPG": Instrument("SAPG", 0.01, 1, "EUR", "tech", "eu"),
}
PRICES = {"EURUSD": (1.1, 1.1002), "GBPUSD": (1.27, 1.2702), "USDJPY": (150.0, 150.02), "ACME": (99.99, 100.01),
          "BOLT": (49.99, 50.01), "SONY": (3000, 3002),
          "SAPG": (199.9, 200.1)}


def config(**raw: Any) -> RiskConfig:
    return RiskConfig.from_dict(raw)


class Desk:
    def __init__(self, risk: RiskConfig | dict | None = None, *, quotes: bool = True) -> None:
        self.clock = SimClock(T0)
        self.market = QuoteBoard()
        self.oms = OmsState("T")
        cfg = risk if isinstance(risk, RiskConfig) else RiskConfig.from_dict(risk or {})
        self.gw = RiskGateway(cfg, oms=self.oms, market=self.market, clock=self.clock, instruments=INSTRUMENTS)
        self.log: list[Any] = []
        self.alerts: list[dict] = []
        self._ids = itertools.count(1)
        self._execs = itertools.count(1)
        if quotes:
            for symbol, (bid, ask) in PRICES.items():
                self.quote(symbol, bid, ask)

    # ---- the market ------------------------------------------------------------------
    def quote(self, symbol: str, bid: float | None, ask: float | None, age_s: float = 0.0) -> None:
        self.market.set(symbol, bid, ask, self.clock.now_ns() - round(age_s * 1e9))

    # ---- as the OMS does it ---------------------------------------------------------
    def persist(self, event: Any) -> None:
        """Log (through JSON, as Redis gives it back) and apply: risk events to the gateway, the rest to the
        OmsState, then to the gateway's aggregates."""
        logged = event if not isinstance(event, dict) else json.loads(json.dumps(event))
        self.log.append(logged if isinstance(event, dict) else event.to_dict())
        if isinstance(event, dict) and event.get("event") in RISK_EVENTS:
            self.gw.apply(logged)
        else:
            self.oms.apply(logged)
            self.gw.follow(logged)

    def take(self, decision: Decision) -> Decision:
        for event in decision.events:
            self.persist(event)
        self.alerts.extend(decision.alerts)
        return decision

    def check(self, strategy: str = "mean-rev", book: str = "main", symbol: str = "EURUSD", side: str = "buy",
              qty: Any = 100_000, price: Any = 1.1) -> Decision:
        return self.take(self.gw.check_new(strategy=strategy, book=book, symbol=symbol, side=side, qty=qty,
                                           price=price))

    def submit(self, strategy: str = "mean-rev", book: str = "main", symbol: str = "EURUSD", side: str = "buy",
               qty: Any = 100_000, price: Any = 1.1, *, check: bool = True) -> Order:
        """An order checked (it must pass), put in the blotter and logged, as OrderEntry will."""
        if check:
            decision = self.check(strategy, book, symbol, side, qty, price)
            assert decision, decision.message
        cl_ord_id = f"C{next(self._ids)}"
        order = self.oms.blotter.submit(cl_ord_id, account=book, strategy=strategy, session="s1", symbol=symbol,
                                        side=side.capitalize(), ord_type="Limit" if price is not None else "Market",
                                        tif="Day", qty=qty, price=price)
        self.persist(order.created_event())
        return order

    def replace_check(self, order: Order, qty: Any = None, price: Any = None) -> Decision:
        return self.take(self.gw.check_replace(order, qty=qty, price=price))

    def cancel_check(self, strategy: str = "mean-rev") -> Decision:
        return self.take(self.gw.check_cancel(strategy))

    # ---- the venue's answers ------------------------------------------------------
    def _report(self, order: Order, exec_type: str, status: str, **kw: Any) -> ExecutionReport:
        fields = dict(exec_id=f"E{next(self._execs)}", exec_type=exec_type, ord_status=status,
                      cl_ord_id=order.cl_ord_id, order_id=f"O-{order.root_cl_ord_id}", symbol=order.symbol,
                      side=order.side, order_qty=order.qty, price=order.price, cum_qty=order.cum_qty,
                      leaves_qty=order.leaves_qty, avg_px=order.avg_px)
        fields.update(kw)
        return ExecutionReport(**fields)

    def ack(self, order: Order) -> None:
        self.persist(self._report(order, "0", "New"))

    def fill(self, order: Order, qty: Any, px: Any) -> ExecutionReport:
        qty, px = Decimal(str(qty)), Decimal(str(px))
        cum = order.cum_qty + qty
        avg = (order.avg_px * order.cum_qty + px * qty) / cum
        leaves = order.qty - cum
        report = self._report(order, "F", "Filled" if leaves == 0 else "PartiallyFilled", last_qty=qty, last_px=px,
                              cum_qty=cum, leaves_qty=leaves, avg_px=avg)
        self.persist(report)
        self.take_actions(self.gw.executed(report))
        return report

    def take_actions(self, actions: Any) -> None:
        for event in actions.events:
            self.persist(event)
        self.alerts.extend(actions.alerts)

    def request_cancel(self, order: Order) -> str:
        request = f"C{next(self._ids)}"
        self.persist(self.oms.blotter.request_cancel(order.cl_ord_id, request))
        return request

    def cancelled(self, order: Order, request: str) -> None:
        self.persist(self._report(order, "4", "Canceled", cl_ord_id=request, orig_cl_ord_id=order.cl_ord_id,
                                  leaves_qty=0))

    def cancel(self, order: Order) -> None:
        self.cancelled(order, self.request_cancel(order))

    def request_replace(self, order: Order, qty: Any = None, price: Any = None) -> str:
        request = f"C{next(self._ids)}"
        self.persist(self.oms.blotter.request_replace(order.cl_ord_id, request, qty, price))
        return request

    def replaced(self, order: Order, request: str, qty: Any, price: Any = None) -> None:
        qty = Decimal(str(qty))
        cum = order.cum_qty
        status = "Filled" if cum >= qty else "PartiallyFilled" if cum else "New"
        self.persist(self._report(order, "5", status, cl_ord_id=request, orig_cl_ord_id=order.cl_ord_id,
                                  order_qty=qty, price=price if price is not None else order.price,
                                  leaves_qty=max(qty - cum, 0)))

    def replace_refused(self, order: Order, request: str) -> None:
        self.persist(OrderCancelReject(cl_ord_id=request, orig_cl_ord_id=order.cl_ord_id,
                                       order_id=f"O-{order.root_cl_ord_id}",
                                       ord_status="PartiallyFilled" if order.cum_qty else "New", response_to="2",
                                       text="refused"))

    def bust(self, order: Order, report: ExecutionReport) -> None:
        """Bust one fill of a working or filled order (it works again for what the bust gives back)."""
        cum = order.cum_qty - report.last_qty
        rest = order.cum_qty * order.avg_px - report.last_qty * report.last_px
        self.persist(self._report(order, "H", "PartiallyFilled" if cum else "New", exec_ref_id=report.exec_id,
                                  last_qty=0, last_px=report.last_px, cum_qty=cum, leaves_qty=order.qty - cum,
                                  avg_px=rest / cum if cum else 0))

    def position(self, strategy: str = "mean-rev", book: str = "main", symbol: str = "EURUSD") -> Decimal:
        return self.oms.positions.get(book, strategy, symbol).qty


def from_scratch(desk: Desk) -> Aggregates:
    marks = {}
    for symbol, mark in desk.gw.agg.marks.items():
        marks[symbol] = copy = Mark()
        copy.px, copy.rate, copy.value = mark.px, mark.rate, mark.value
    return Aggregates.build(desk.gw.instruments, desk.oms.blotter.open_orders(), desk.oms.positions,
                            desk.gw.agg.baselines, marks)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-4)


def assert_same(kept: Aggregates, scratch: Aggregates, money: bool = True) -> None:
    a, b = kept.figures(), scratch.figures()
    assert a.keys() == b.keys()
    for key in a:
        assert a[key]["open"] == b[key]["open"], key
        assert a[key]["cells"].keys() == b[key]["cells"].keys(), key
        for symbol, values in a[key]["cells"].items():
            assert all(map(close, values, b[key]["cells"][symbol])), (key, symbol, values, b[key]["cells"][symbol])
        if money:
            assert a[key]["unmarked"] == b[key]["unmarked"], key
            for name in ("gross", "long", "short", "pnl"):
                assert close(a[key][name], b[key][name]), (key, name, a[key][name], b[key][name])
