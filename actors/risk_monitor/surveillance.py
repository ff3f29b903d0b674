"""Surveillance of the OMS's order flow for the patterns of market abuse a firm must detect (MAR art. 16), per
strategy over a rolling window, in plain Python: no Thespian, Redis or ZeroMQ, no clock (timestamps are given).

The patterns, each off unless configured (SurveillanceConfig):
    order_to_trade  orders sent per execution over the window (no execution: the count of orders itself)
    fast_cancels    the share of the window's orders cancelled, unfilled, within fast_cancel_s of acceptance
    layering        at an execution on one side, at least min_orders large orders of the same strategy and
                    symbol on the other side, open at the execution, cancelled unfilled within around_s of it
The ratios are judged only once a strategy has min_orders orders in the window. An order is its
root ClOrdID, counted once when it reaches the market; one denied or rejected before (Rejected, nothing
filled, never New) is not an order sent. An execution is an increase of an order's cum_qty.

    surveillance = Surveillance(config)
    for flag in surveillance.observe(update, at_ns):   # every OrderUpdate of the OMS's flow, in order
        alert(**flag)   # problem "surveillance_flag", pattern, strategy, [symbol], detail, orders
    surveillance.rows()        # [{"strategy", "orders", "executions", "order_to_trade", "fast_cancel_share", "flags"}]

A pattern flagged for a strategy (and symbol, for layering) is not flagged again until window_s has passed.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from msgspec import Meta

from actors.oms.risk.decision import num
from vigil.config import Config, Positive, PositiveInt
from vocabulary.alerts import SURVEILLANCE_FLAG
from vocabulary.orders import OrderUpdate

ORDER_TO_TRADE, FAST_CANCELS, LAYERING = "order_to_trade", "fast_cancels", "layering"

Share = Annotated[float, Meta(gt=0, le=1)]
_NS = 1_000_000_000
_NOT_SENT = ("PendingNew", "Rejected")
"""Statuses an order can have without having reached the market."""


class LayeringSettings(Config):
    min_orders: PositiveInt = 3
    """Large orders on the other side, cancelled around one execution, that make a flag."""
    size_ratio: Positive = 5.0
    """An order is large if its qty is at least this many times the executed order's qty."""
    around_s: Positive = 2.0
    """The large orders were open at the execution and cancelled unfilled within this many seconds after it."""


class SurveillanceConfig(Config):
    window_s: Positive = 60.0
    """The rolling window the ratios are over, and how long a flag silences its pattern."""
    min_orders: PositiveInt = 20
    """Below this many orders of a strategy in the window, its ratios are not judged."""
    max_order_to_trade: Positive | None = None
    """Orders sent (new orders, each counted once) per execution over the window; with no execution, the
    count of orders itself is compared."""
    fast_cancel_s: Positive = 0.5
    """An order cancelled unfilled within this many seconds of being accepted is a fast cancel."""
    max_fast_cancel_share: Share | None = None
    """The share (0-1] of the window's orders that were fast cancels."""
    layering: LayeringSettings | None = None
    """Large orders on the other side of an execution, cancelled once it is done (spoofing)."""


@dataclass(slots=True, eq=False)
class _Order:
    root: str
    strategy: str
    symbol: str
    side: int
    """+1 buys, -1 sells, 0 neither (not judged for layering)."""
    qty: Decimal
    cum: Decimal = Decimal(0)
    is_open: bool = True
    accepted_ns: int | None = None
    """When it reached the market (it then counts as sent); None: not yet, or never."""
    done: bool = False
    """Cancelled (or otherwise closed) already: a repeated update is not a second cancel."""
    fast: bool = False
    in_window: bool = False
    last_ns: int = 0


@dataclass(slots=True)
class _Strategy:
    """One strategy's window: its orders in the order they reached the market, its executions, its flags."""

    orders: deque[_Order] = field(default_factory=deque)
    executions: deque[int] = field(default_factory=deque)
    flags: deque[int] = field(default_factory=deque)
    fast: int = 0

    def prune(self, since_ns: int) -> None:
        """Drop what happened at or before since_ns."""
        while self.orders and self.orders[0].accepted_ns <= since_ns:
            gone = self.orders.popleft()
            gone.in_window = False
            self.fast -= gone.fast
        for times in (self.executions, self.flags):
            while times and times[0] <= since_ns:
                times.popleft()

    @property
    def empty(self) -> bool:
        return not (self.orders or self.executions or self.flags)


@dataclass(slots=True)
class _Execution:
    """An execution the layering check watches for cancels on the other side, around_s long."""

    at_ns: int
    side: int
    qty: Decimal
    large: frozenset[str]
    """The other side's large orders open at the execution."""
    cancelled: list[str] = field(default_factory=list)


class Surveillance:
    def __init__(self, config: SurveillanceConfig) -> None:
        self.config = config
        self._window_ns = _ns(config.window_s)
        self._fast_ns = _ns(config.fast_cancel_s)
        self._around_ns = _ns(config.layering.around_s) if config.layering else 0
        # Closed orders are kept a window past it, so that a late repeat of their last update is not
        # taken for a new order.
        self._keep_ns = 2 * self._window_ns + self._around_ns + self._fast_ns
        self._orders: dict[str, _Order] = {}
        self._open: dict[tuple[str, str], dict[str, _Order]] = {}
        self._strategies: dict[str, _Strategy] = {}
        self._executions: dict[tuple[str, str], list[_Execution]] = {}
        self._flagged: dict[tuple[str, ...], int] = {}
        self._now = 0
        self._swept = 0

    # ---- the flow ---------------------------------------------------------------------------
    def observe(self, update: OrderUpdate, at_ns: int) -> list[dict[str, Any]]:
        """The flags this update raises (usually none), each an alert event's fields."""
        if not update.root_cl_ord_id:
            return []  # a denial the strategy host made up: the OMS never had the order
        self._now = max(self._now, at_ns)
        order = self._follow(update, at_ns)
        window = self._strategies.setdefault(order.strategy, _Strategy())
        flags: list[dict[str, Any]] = []
        cum = _dec(update.cum_qty)
        if order.accepted_ns is None and (update.status not in _NOT_SENT or cum > 0):
            self._sent(order, window, at_ns)
        if cum > order.cum:
            order.cum = cum
            window.executions.append(at_ns)
            self._executed(order, at_ns)
        if update.status == "Canceled" and not order.done and order.cum == 0:
            flags += self._cancelled(order, window, at_ns)
        order.done = order.done or not update.is_open
        self._set_open(order, update.is_open)
        window.prune(at_ns - self._window_ns)
        flags += self._judge_ratios(order.strategy, window, at_ns)
        self._sweep(at_ns)
        return flags

    def _follow(self, update: OrderUpdate, at_ns: int) -> _Order:
        order = self._orders.get(update.root_cl_ord_id)
        if order is None:
            order = _Order(update.root_cl_ord_id, update.strategy, update.symbol, _side(update.side),
                           _dec(update.qty))
            self._orders[order.root] = order
        order.qty = _dec(update.qty)  # a replace may change it: the root is still the same order
        order.last_ns = at_ns
        return order

    def _sent(self, order: _Order, window: _Strategy, at_ns: int) -> None:
        order.accepted_ns, order.in_window = at_ns, True
        window.orders.append(order)

    def _set_open(self, order: _Order, is_open: bool) -> None:
        order.is_open = is_open
        key = (order.strategy, order.symbol)
        if is_open:
            self._open.setdefault(key, {})[order.root] = order
        elif key in self._open:
            self._open[key].pop(order.root, None)
            if not self._open[key]:
                del self._open[key]

    # ---- fast cancels and the ratios ----------------------------------------------------------
    def _cancelled(self, order: _Order, window: _Strategy, at_ns: int) -> list[dict[str, Any]]:
        order.done = True
        if order.in_window and at_ns - order.accepted_ns <= self._fast_ns:
            order.fast = True
            window.fast += 1
        return self._layering_cancel(order, at_ns)

    def _judge_ratios(self, strategy: str, window: _Strategy, at_ns: int) -> list[dict[str, Any]]:
        config, orders, executions = self.config, len(window.orders), len(window.executions)
        if orders < config.min_orders:
            return []
        flags = []
        ratio = orders / executions if executions else float(orders)
        if config.max_order_to_trade is not None and ratio > config.max_order_to_trade:
            per = f" ({num(ratio)} per execution)" if executions > 1 else ""
            detail = (f"{ORDER_TO_TRADE}: {orders} orders for {_count(executions, 'execution')} in "
                      f"{num(config.window_s)} s{per} > {num(config.max_order_to_trade)} for {strategy}")
            flags += self._flag(ORDER_TO_TRADE, strategy, None, detail, [o.root for o in window.orders], at_ns)
        share = window.fast / orders
        if config.max_fast_cancel_share is not None and share > config.max_fast_cancel_share:
            detail = (f"{FAST_CANCELS}: {window.fast} of {orders} orders in {num(config.window_s)} s cancelled "
                      f"unfilled within {num(config.fast_cancel_s)} s of acceptance: {num(share)} > "
                      f"{num(config.max_fast_cancel_share)} for {strategy}")
            flags += self._flag(FAST_CANCELS, strategy, None, detail, [o.root for o in window.orders if o.fast],
                                at_ns)
        return flags

    # ---- layering -----------------------------------------------------------------------------
    def _executed(self, order: _Order, at_ns: int) -> None:
        settings = self.config.layering
        if settings is None or not order.side:
            return
        floor = Decimal(str(settings.size_ratio)) * order.qty
        key = (order.strategy, order.symbol)
        large = frozenset(root for root, other in self._open.get(key, {}).items()
                          if other.side == -order.side and other.qty >= floor)
        if large:
            self._executions.setdefault(key, []).append(_Execution(at_ns, order.side, order.qty, large))

    def _layering_cancel(self, order: _Order, at_ns: int) -> list[dict[str, Any]]:
        settings = self.config.layering
        key = (order.strategy, order.symbol)
        if settings is None or key not in self._executions:
            return []
        watched = [e for e in self._executions[key] if at_ns - e.at_ns <= self._around_ns]
        if not watched:
            del self._executions[key]
            return []
        self._executions[key] = watched
        flags = []
        for execution in watched:
            if order.root not in execution.large:
                continue
            execution.cancelled.append(order.root)
            if len(execution.cancelled) >= settings.min_orders:
                flags += self._flag(LAYERING, order.strategy, order.symbol, self._layering_detail(order, execution),
                                    list(execution.cancelled), at_ns)
        return flags  # several executions seeing the same cancels flag once: the first, by _flag's silence

    def _layering_detail(self, order: _Order, execution: _Execution) -> str:
        settings = self.config.layering
        sides = {1: "Buy", -1: "Sell"}
        floor = Decimal(str(settings.size_ratio)) * execution.qty
        return (f"{LAYERING}: {len(execution.cancelled)} {sides[-execution.side]} orders of {num(float(floor))} or "
                f"more ({num(settings.size_ratio)} x the {sides[execution.side]} {num(float(execution.qty))} "
                f"executed) open at the execution and cancelled unfilled within {num(settings.around_s)} s of it "
                f">= {settings.min_orders} for {order.strategy} {order.symbol}")

    # ---- flags --------------------------------------------------------------------------------
    def _flag(self, pattern: str, strategy: str, symbol: str | None, detail: str, orders: list[str],
              at_ns: int) -> list[dict[str, Any]]:
        key = (pattern, strategy) if symbol is None else (pattern, strategy, symbol)
        last = self._flagged.get(key)
        if last is not None and at_ns - last < self._window_ns:
            return []  # flagged already: one alert per pattern per window, not one per update
        self._flagged[key] = at_ns
        self._strategies.setdefault(strategy, _Strategy()).flags.append(at_ns)
        flag: dict[str, Any] = {"problem": SURVEILLANCE_FLAG, "pattern": pattern, "strategy": strategy}
        if symbol is not None:
            flag["symbol"] = symbol
        flag.update(detail=detail, orders=orders)
        return [flag]

    # ---- for an operator ----------------------------------------------------------------------
    def rows(self, at_ns: int | None = None) -> list[dict[str, Any]]:
        """Each strategy's figures over the window ending at at_ns (default: the latest update's time)."""
        now = self._now if at_ns is None else at_ns
        out = []
        for name in sorted(self._strategies):
            window = self._strategies[name]
            window.prune(now - self._window_ns)
            if window.empty:
                continue
            orders, executions = len(window.orders), len(window.executions)
            out.append({"strategy": name, "orders": orders, "executions": executions,
                        "order_to_trade": orders / executions if executions else float(orders),
                        "fast_cancel_share": window.fast / orders if orders else None,
                        "flags": len(window.flags)})
        return out

    # ---- memory -------------------------------------------------------------------------------
    def _sweep(self, at_ns: int) -> None:
        """Forget what can no longer count: closed orders long out of the window, spent flags and executions.
        Once a window, so that the cost is spread over the updates."""
        if at_ns - self._swept < self._window_ns:
            return
        self._swept = at_ns
        old = at_ns - self._keep_ns
        self._orders = {root: o for root, o in self._orders.items() if o.is_open or o.last_ns > old}
        self._flagged = {k: t for k, t in self._flagged.items() if at_ns - t < self._window_ns}
        self._executions = {k: kept for k, v in self._executions.items()
                            if (kept := [e for e in v if at_ns - e.at_ns <= self._around_ns])}
        for name, window in list(self._strategies.items()):
            window.prune(at_ns - self._window_ns)
            if window.empty:
                del self._strategies[name]


def _ns(seconds: float) -> int:
    return round(seconds * _NS)


def _dec(text: str | None) -> Decimal:
    """Decimal text as a number; anything else as 0 (surveillance must not stop the flow it watches)."""
    try:
        return Decimal(text) if text else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def _side(label: str) -> int:
    if label.startswith("Buy"):
        return 1
    if label.startswith("Sell"):
        return -1
    return 0


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"
