"""The strategy host: one strategy (strategies.api) in a component of its own.

It takes its symbols' market data from its feed (live: the feed's ZeroMQ endpoint, through
vocabulary.subscriber, newest quote per symbol; in one process: MarketFrames messages), calls the
strategy, and sends its orders to the OMS on the fast lane.

No order is sent twice. Every order gets an id of the host's own (`<strategy>-<n>`) and is logged
(an `intent` event) before it is sent; the OMS treats a second SubmitOrder with an id it has seen as
the same order. At every start the host asks the OMS for the strategy's orders and positions
(WatchOrders -> StrategyBook) before it calls the strategy: an intent the OMS never received is sent
again, under the same id; one it has is not. It asks again every RESYNC (the whole book only while an
intent is unknown at the OMS; otherwise a keepalive), so an OMS that restarted hears from its strategies
again and sends them their books. Strategy state that must survive a restart goes through the
strategy's snapshot()/restore().

The host advertises its book and symbols (vocabulary.signals): how the signal intake knows which book a
signal's order of this strategy goes in.

An exception in strategy code is a crash of this component (the runtime records the traceback and its
supervisor restarts it). A strategy whose code raises more than max_restarts times within
restart_window_s is halted: the host stays up, calls it no more, raises an alert, and puts the strategy
in HALTED at the OMS (where trading states live). Only its own code's exceptions count: a host killed,
or restarted with its feed, is no strategy failing. It stays so until a person resumes it
(ResumeStrategy: `vigil strategy resume`, which resumes it at the OMS too).
"""
from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any

from opentelemetry.trace import SpanKind

from actors.market_input import MarketInput
from actors.strategy.config import StrategyHostConfig
from strategies.api import Strategy
from vigil import telemetry
from vigil.component import Component, Refused
from vigil.lifecycle import State
from vigil.reference import load_master
from vocabulary import roles
from vocabulary.alerts import STRATEGY_HALTED
from vocabulary.controls import ControlDone, ResumeStrategy, SetTradingState
from vocabulary.market_data import MarketFrames, Quote, Trade
from vocabulary.metrics import DECISION_AGE, DECISIONS
from vocabulary.orders import (
    CancelOrder,
    OrderAccepted,
    OrderDenied,
    OrderUpdate,
    ReplaceOrder,
    StrategyBook,
    StrategyState,
    SubmitOrder,
    WatchOrders,
)
from vocabulary.signals import STRATEGY_BOOK, STRATEGY_SYMBOLS

RESYNC = timedelta(seconds=2)
RETRY = timedelta(milliseconds=200)
INTENT, RAISED, HALTED, RESUMED = "intent", "raised", "halted", "resumed"
_SIGN = {"buy": 1, "sell": -1, "Buy": 1, "Sell": -1, "1": 1, "2": -1}


class StrategyHost(Component):
    role = roles.STRATEGY
    config_class = StrategyHostConfig
    fast_lane = True
    snapshot_every = 200

    def on_start(self, config: StrategyHostConfig) -> None:
        self.config = config
        self.decisions = 0
        self.decided_at: float | None = None
        self.strategy: Strategy = config.strategy_class()(config.build_params())
        master = load_master()
        self.ticks = {s: Decimal(str(master[s].tick_size)) for s in config.symbols}
        self.ctx = _Context(self)
        self.next_id = 1
        self.intents: dict[str, dict[str, Any]] = {}
        """client id -> the order as logged, until the OMS is known to have it."""
        self.orders: dict[str, OrderUpdate] = {}
        """client id -> its last update."""
        self.positions: dict[str, Decimal] = {}
        self._counted: dict[str, Decimal] = {}  # client id -> its CumQty already in `positions`
        self.quotes: dict[str, Quote] = {}
        self.raised: list[int] = []
        """When the strategy's code raised lately (the newest max_restarts + 1)."""
        self.halted: str | None = None
        self.trading_state = "ACTIVE"
        """At the OMS (StrategyState): a HALTED strategy is not called on market data or timers."""
        self._strategy_state: Any = None
        self._running = False  # the strategy was started (after the first StrategyBook)
        self.market = MarketInput(self, config.feed, config.symbols, self._quote, self._trade)
        self._its_code = _StrategyCode(self)
        # A decision consumes the feed's quote (ZeroMQ): no parent (the feed keeps no span per quote), the quote
        # named by its feed and sequence number
        self._decide_attrs = {"vigil.actor": self.path, "vigil.strategy": self.id,
                              **telemetry.messaging_attributes("zeromq", config.feed)}
        self._timers: dict[str, timedelta] = {}
        self._cancel_when_known: set[str] = set()
        """Orders the strategy cancelled before the OMS had told of them: cancelled once it does."""
        self.advertise(**{STRATEGY_BOOK: config.book, STRATEGY_SYMBOLS: ",".join(config.symbols)})  # for signals

    # ---- state -------------------------------------------------------------------
    def apply(self, event: Any, seq: int) -> None:
        kind = event["event"]
        if kind == INTENT:
            self.intents[event["client_id"]] = event
            self.next_id = max(self.next_id, event["n"] + 1)
        elif kind == RAISED:
            self.raised = [*self.raised, event["at_ns"]][-(self.config.max_restarts + 1):]
        elif kind == HALTED:
            self.halted = event["reason"]
        elif kind == RESUMED:
            self.halted, self.raised = None, []

    def snapshot(self) -> Any:
        return {"next_id": self.next_id, "intents": self.intents, "raised": self.raised, "halted": self.halted,
                "strategy": self.strategy.snapshot()}

    def restore(self, snapshot: Any) -> None:
        self.next_id, self.intents = snapshot["next_id"], dict(snapshot["intents"])
        self.raised, self.halted = list(snapshot.get("raised", ())), snapshot["halted"]
        self._strategy_state = snapshot["strategy"]

    def on_running(self) -> None:
        window = self.config.restart_window_s * 1e9
        recent = [t for t in self.raised if self.clock.now_ns() - t <= window]
        if self.halted is None and len(recent) > self.config.max_restarts:
            self.persist({"event": HALTED, "reason": f"its code raised {len(recent)} times within "
                                                     f"{self.config.restart_window_s:g} s: it keeps failing"})
            self._to_oms(SetTradingState("strategy", self.id, "HALTED", self.halted, operator=self.path))
        if self.halted is not None:
            self.set_state(State.DEGRADED)
            self.alert(STRATEGY_HALTED, strategy=self.id, reason=self.halted)
            return
        self._go()

    def _go(self) -> None:
        self.market.start()
        self._watch()
        self.wakeup_after(RESYNC, "resync")

    def on_stop(self) -> None:
        if self._running:
            self.strategy.on_stop()
        self.market.close()

    # ---- the OMS -------------------------------------------------------------------
    def _watch(self) -> None:
        # The whole book at the start, and while an order it logged is not known at the OMS (to send it
        # again); otherwise a keepalive, which an OMS that has forgotten this watcher answers in full.
        full = not self._running or bool(self.intents)
        try:
            self.tell(self.address_of(self.config.oms), WatchOrders(self.id, self.config.book, full))
        except Refused:
            self.wakeup_after(RETRY, "watch")  # the OMS has not started yet

    def _sync(self, book: StrategyBook) -> None:
        """How the strategy's orders and positions stand at the OMS: the host's view starts again from it."""
        self.orders = {u.client_id or u.root_cl_ord_id: u for u in book.orders}
        self.trading_state = book.state
        self._counted = {cid: Decimal(u.cum_qty) for cid, u in self.orders.items()}
        self.positions = {p["symbol"]: Decimal(p["qty"]) for p in book.positions if p["account"] == self.config.book}
        for client_id, intent in list(self.intents.items()):
            if client_id in self.orders:
                del self.intents[client_id]
            else:
                self._send(intent)  # logged, never heard of at the OMS: sent again, under the same id
        for update in self.orders.values():
            self._cancel_if_asked(update)
        if not self._running:
            self._running = True
            with self._its_code:
                if self._strategy_state is not None:
                    self.strategy.restore(self._strategy_state)
                self.strategy.on_start(self.ctx)

    def _update(self, update: OrderUpdate) -> None:
        client_id = update.client_id or update.root_cl_ord_id  # none: an operator's order (a flatten's)
        self.intents.pop(client_id, None)
        cum = Decimal(update.cum_qty)
        filled = cum - self._counted.get(client_id, Decimal(0))
        if filled:
            self.positions[update.symbol] = self.positions.get(update.symbol, Decimal(0)) + _SIGN[update.side] * filled
            self._counted[client_id] = cum
        self.orders[client_id] = update
        self._cancel_if_asked(update)
        with self._its_code:
            self.strategy.on_order(update)

    def cancel(self, client_id: str) -> None:
        update = self.orders.get(client_id)
        if update is None or not update.root_cl_ord_id:
            self._cancel_when_known.add(client_id)
        elif update.is_open:
            self._to_oms(CancelOrder(update.root_cl_ord_id))

    def _cancel_if_asked(self, update: OrderUpdate) -> None:
        if update.client_id in self._cancel_when_known and update.root_cl_ord_id:
            self._cancel_when_known.discard(update.client_id)
            if update.is_open:
                self._to_oms(CancelOrder(update.root_cl_ord_id))

    def _denied(self, denied: OrderDenied) -> None:
        if denied.client_id in self.orders:
            return  # recorded at the OMS as a rejected order: its OrderUpdate came first
        intent = self.intents.pop(denied.client_id, None) or {}
        update = OrderUpdate("", "", denied.client_id, denied.strategy, self.config.book, denied.symbol,
                             "Buy" if _SIGN.get(intent.get("side", "buy")) == 1 else "Sell", intent.get("qty", "0"),
                             intent.get("price"), "Rejected", "0", "0", "0", f"denied: {denied.reason}", False)
        self.orders[denied.client_id] = update
        with self._its_code:
            self.strategy.on_order(update)

    def submit(self, symbol: str, side: str, qty: Any, price: Any, ord_type: str, tif: str) -> str:
        if side not in ("buy", "sell"):
            raise ValueError(f"side is 'buy' or 'sell', not {side!r}")
        if symbol not in self.ticks:
            raise ValueError(f"{symbol!r} is not one of the strategy's symbols ({', '.join(self.ticks)})")
        n = self.next_id
        client_id = f"{self.id}-{n}"
        intent = {"event": INTENT, "client_id": client_id, "n": n, "symbol": symbol, "side": side, "qty": str(qty),
                  "price": None if price is None else str(_to_tick(price, self.ticks[symbol])), "ord_type": ord_type,
                  "tif": tif}
        self.persist(intent)  # before it is sent: a restart in between sends it again, under this id
        self._send(intent)
        return client_id

    def _send(self, intent: dict[str, Any]) -> None:
        order = SubmitOrder(intent["symbol"], intent["side"], intent["qty"], intent["price"], intent["ord_type"],
                            intent["tif"], strategy=self.id, account=self.config.book, client_id=intent["client_id"])
        self._to_oms(order)

    def _to_oms(self, msg: Any) -> None:
        try:
            self.tell(self.address_of(self.config.oms), msg)
        except Refused as why:  # logged; the next resync sends the intent again
            logging.getLogger("vigil.strategy").warning("%s: %s not sent: %s", self.path, type(msg).__name__, why)

    def order_of(self, client_id: str) -> OrderUpdate:
        update = self.orders.get(client_id)
        if update is None or not update.root_cl_ord_id:
            raise KeyError(f"no order {client_id!r} at the OMS yet (wait for its first on_order)")
        return update

    # ---- messages -----------------------------------------------------------------------
    def on_message(self, msg: Any, sender: Any) -> None:
        if isinstance(msg, StrategyBook):
            self._sync(msg)
        elif isinstance(msg, OrderUpdate):
            telemetry.annotate(**{"fix.cl_ord_id": msg.cl_ord_id, "vigil.client_id": msg.client_id or "",
                                  "fix.ord_status": msg.status})
            if self._running:
                self._update(msg)
        elif isinstance(msg, OrderDenied):
            self._denied(msg)
        elif isinstance(msg, StrategyState):
            self.trading_state = msg.state
            logging.getLogger("vigil.strategy").info("%s: %s (%s)", self.path, msg.state, msg.reason)
        elif isinstance(msg, MarketFrames):
            self.market.frames(msg)
        elif isinstance(msg, ResumeStrategy):
            self.reply(sender, self._resume(msg))
        elif not isinstance(msg, (OrderAccepted, ControlDone)):  # its updates follow; the OMS took the halt
            super().on_message(msg, sender)

    def _resume(self, msg: ResumeStrategy) -> ControlDone:
        """A person resumes a strategy its host halted; its state at the OMS is resumed apart (vigil strategy
        resume does both)."""
        if self.halted is None:
            return ControlDone("strategy resume", self.id, state="running", detail="not halted by its host")
        self.persist({"event": RESUMED, "by": msg.operator, "reason": msg.reason, "at_ns": self.clock.now_ns()})
        self.set_state(State.RUNNING)
        self._go()
        return ControlDone("strategy resume", self.id, state="running", detail="its host calls it again")

    def _quote(self, quote: Quote) -> None:
        self.quotes[quote.symbol] = quote
        if self._calling():
            # The decision is where an order's trace begins (kept only when an order came of it), linked to
            # where the feed published the quote; the quote's age is what market data took from the venue's
            # stamp to here
            context = self.market.context
            with telemetry.span("decide", kind=SpanKind.CONSUMER, links=(context,) if context else (),
                                **self._decide_attrs, **{
                    "vigil.symbol": quote.symbol, "quote.seq": quote.seq, "messaging.message.id": str(quote.seq),
                    "quote.age_us": (self.clock.now_ns() - quote.ts_ns) // 1000}) as decision:
                sent = self.next_id
                self.decisions += 1
                self.decided_at = self.clock.monotonic()
                with self._its_code:
                    self.strategy.on_quote(quote)
                if self.next_id == sent:
                    decision.drop()

    def _trade(self, trade: Trade) -> None:
        if self._calling():
            with self._its_code:
                self.strategy.on_trade(trade)

    def _calling(self) -> bool:
        return self._running and self.trading_state != "HALTED"

    # ---- market data and timers --------------------------------------------------------
    def watched_fds(self) -> list[int]:
        return self.market.fds()

    def on_ready_fds(self, fds: list[int]) -> None:
        self.market.ready()

    def on_wakeup(self, payload: Any) -> None:
        if self.market.on_wakeup(payload):
            return
        if payload == "resync":
            self._watch()
            self.total(DECISIONS, self.decisions, strategy=self.id)
            if self.decided_at is not None:
                self.gauge(DECISION_AGE, self.clock.monotonic() - self.decided_at, strategy=self.id)
            self.wakeup_after(RESYNC, "resync")
        elif payload == "watch":
            self._watch()
        elif isinstance(payload, tuple) and payload[0] == "timer":
            self.wakeup_after(self._timers[payload[1]], payload)
            if self._calling():
                with self._its_code:
                    self.strategy.on_timer(payload[1])


class _StrategyCode:
    """Around a call into the strategy: what its code raises is logged (the crash-loop guard counts it),
    then crashes the host as before. A class, not a generator: it is on every quote's path."""

    def __init__(self, host: StrategyHost) -> None:
        self.host = host

    def __enter__(self) -> None:
        pass

    def __exit__(self, kind: Any, err: Any, tb: Any) -> bool:
        if isinstance(err, Exception):
            host = self.host
            host.persist({"event": RAISED, "at_ns": host.clock.now_ns(), "error": f"{type(err).__name__}: {err}"})
        return False


def _to_tick(price: Any, tick: Decimal) -> Decimal:
    """A price on the instrument's tick: a quote's binary float (1.1000100000000002) is 1.10001 again."""
    return ((Decimal(str(price)) / tick).quantize(Decimal(1)) * tick).quantize(tick)


class _Context:
    """What the strategy sees of its host (strategies.api.Context)."""

    def __init__(self, host: StrategyHost) -> None:
        self._host = host
        self.name, self.book, self.symbols = host.id, host.config.book, host.config.symbols
        self.clock = host.clock
        self.log = logging.getLogger(f"vigil.strategy.{host.id}")

    def submit(self, symbol: str, side: str, qty: Any, price: Any = None, *, ord_type: str = "limit",
               tif: str = "DAY") -> str:
        return self._host.submit(symbol, side, qty, price, ord_type, tif)

    def cancel(self, order_id: str) -> None:
        self._host.cancel(order_id)

    def replace(self, order_id: str, qty: Any = None, price: Any = None) -> None:
        self._host._to_oms(ReplaceOrder(self._host.order_of(order_id).root_cl_ord_id,
                                        None if qty is None else str(qty), None if price is None else str(price)))

    def position(self, symbol: str) -> Decimal:
        return self._host.positions.get(symbol, Decimal(0))

    def open_orders(self) -> list[OrderUpdate]:
        host = self._host
        return [u for u in host.orders.values() if u.is_open] + [
            OrderUpdate("", "", cid, host.id, host.config.book, i["symbol"], "Buy" if i["side"] == "buy" else "Sell",
                        i["qty"], i["price"], "PendingNew", "0", i["qty"], "0", None, True)
            for cid, i in host.intents.items() if cid not in host.orders]

    def quote(self, symbol: str) -> Quote | None:
        return self._host.quotes.get(symbol)

    def set_timer(self, name: str, every: float) -> None:
        delay = timedelta(seconds=every)
        if name not in self._host._timers:
            self._host.wakeup_after(delay, ("timer", name))
        self._host._timers[name] = delay
