"""The OMS component: orders and positions, persisted before anything reaches the wire.

A thin shell over plain parts (GUIDE 5): `OmsState` (what the event log rebuilds), `OrderEntry`
(orders in), `Reconciliation` (which sessions take orders, and reconciling them after a logon),
`ReferenceDesk` (halts and corporate actions). The parts say what to persist, send and report
through `Effects`, which this component carries out: every change is an event in the store before
the OMS acts on it (an order is logged PendingNew before it is sent, a venue report is logged
before it is applied), and a command that cannot reach its session comes back as a NotSent.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

import msgspec

from actors.market_input import MarketInput
from actors.oms.audit import AUDIT, AuditTrail
from actors.oms.config import OmsConfig
from actors.oms.controls import COMMANDS as CONTROLS
from actors.oms.controls import Controls
from actors.oms.entry import Denied, OrderEntry
from actors.oms.reconciliation import Reconciliation, Sessions
from actors.oms.reference_desk import COMMANDS, ReferenceDesk
from actors.oms.risk import RISK_EVENTS, QuoteBoard, RestrictedListError, RiskGateway
from actors.oms.risk.market import mid
from actors.oms.state import OmsState
from vigil import telemetry
from vigil.component import Component, Refused
from vocabulary import roles
from vocabulary.alerts import RESTRICTED_LIST_REFUSED
from vocabulary.controls import GetAudit, GetRisk, GetStrategies, RiskView
from vocabulary.fix_codes import ExecType
from vocabulary.market_data import MarketFrames, Quote
from vocabulary.metrics import ACK_LATENCY, FILLS, REJECTS, SLIPPAGE
from vocabulary.oms import BookPosition, GetBookPosition, GetOrders, GetPositions, GetRouting, Listing
from vocabulary.orders import (
    CancelOrder,
    OrderDenied,
    OrderUpdate,
    ReplaceOrder,
    StrategyBook,
    StrategyState,
    SubmitOrder,
    WatchOrders,
)
from vocabulary.reports import ExecutionReport, OrderCancelReject
from vocabulary.risk import FlowSnapshot, PositionUpdate, VarFigures, WatchFlow
from vocabulary.sessions import FromVenue, GetSessionStatus, NotSent, SessionStatus, TradingStatus

ACK_CHECK = timedelta(milliseconds=500)
_POSITION_CHANGES = frozenset({ExecType.TRADE, ExecType.TRADE_CORRECT, ExecType.TRADE_CANCEL})


class OrderManager(Component):
    role = roles.OMS
    config_class = OmsConfig
    snapshot_every = 500
    fast_lane = True

    def on_start(self, config: OmsConfig) -> None:
        self.book = OmsState(config.cl_ord_id_prefix)
        self.sessions = Sessions(config.routes())
        data = config.reference(self.topology_dir)
        self.quotes = QuoteBoard()
        self.risk = RiskGateway(config.risk, oms=self.book, market=self.quotes, clock=self.clock,
                                instruments=data.instruments, base_dir=self.topology_dir)
        self.market = MarketInput(self, config.feed, None, self._quote) if config.feed else None
        self.entry = OrderEntry(self.book, self.sessions, self.risk, self, self.clock, default_account=config.account,
                                ack_timeout_s=config.ack_timeout_s)
        self.reconciliation = Reconciliation(self.book, self.sessions, self, config.reconcile_timeout_s)
        self.desk = ReferenceDesk(self.book, self.sessions, self.entry, self, self.clock,
                                  instruments=data.instruments, actions_file=data.actions_file, actions=data.actions,
                                  policy=config.corporate_actions.open_orders)
        self.audit = AuditTrail()
        self.controls = Controls(self.book, self.entry, self.risk, self, self.clock, settle_s=config.control_settle_s)
        self.watchers: dict[str, Any] = {}
        """strategy -> who hears of every change to its orders (WatchOrders): in memory, so a watcher
        asks again after an OMS restart (a strategy host does at its every start)."""
        self.flow_watchers: list[Any] = []
        """Who hears of every order update and position change (WatchFlow: the risk monitor)."""
        self.watched_books: dict[str, str] = {}
        self.told_states: dict[str, tuple[str, str | None]] = {}
        """strategy -> the trading state its watcher last heard."""

    # ---- state -------------------------------------------------------------
    def apply(self, event: Any, seq: int) -> None:
        kind = event.get("event") if isinstance(event, dict) else None
        if kind in RISK_EVENTS:
            self.risk.apply(event)
            if self.watchers:
                self._tell_states()
        elif kind == AUDIT:
            self.audit.apply(event)
        else:
            self.book.apply(event)
            self.risk.follow(event)

    def snapshot(self) -> Any:
        return {**self.book.snapshot(), "risk": self.risk.snapshot(), "audit": self.audit.snapshot()}

    def snapshot_rows(self) -> dict[str, Any]:
        return self.book.snapshot_rows()

    def restore(self, snapshot: Any) -> None:
        self.book.restore(snapshot)
        self.risk.restore(snapshot.get("risk"))
        self.audit.restore(snapshot.get("audit"))

    def restore_rows(self, rows: Mapping[str, Any]) -> None:
        self.book.restore_rows(rows)

    def on_running(self) -> None:
        book = self.book
        self.persist(book.ids.begin_epoch(self.clock.now_ns() // 1_000_000_000))
        self.desk.due()  # an action that took effect while we were down applies before any new order
        if book.blotter.open_orders():  # whatever happened while we were down is unknown until reconciled
            self.persist(book.blotter.mark_uncertain(None, "OMS restarted"))
        for route in self.sessions.routes:  # sessions that stayed up will not announce themselves: ask
            self.send(route.session, GetSessionStatus())
        if self.risk.config.restricted_list is not None:
            self._reload_restricted("oms start")
        if self.market is not None:
            self.market.start()
        self.wakeup_after(ACK_CHECK, "ack-check")

    def on_stop(self) -> None:
        if self.market is not None:
            self.market.close()

    # ---- messages ----------------------------------------------------------
    def on_message(self, msg: Any, sender: Any) -> None:
        if isinstance(msg, FromVenue):
            self._from_venue(msg)
        elif isinstance(msg, SessionStatus):
            self.reconciliation.session_status(msg)
        elif isinstance(msg, NotSent):
            self._not_sent(msg)
        elif isinstance(msg, SubmitOrder):
            self.desk.due_before_new_order()
            try:
                self.entry.submit(msg, sender)
            except Refused as why:
                if isinstance(why, Denied):
                    self._notify(why.order)
                if msg.client_id is None:
                    raise
                self.reply(sender, OrderDenied(msg.client_id, msg.strategy, msg.symbol, str(why)))
        elif isinstance(msg, CancelOrder):
            self.reply(sender, self.entry.cancel(msg))
        elif isinstance(msg, ReplaceOrder):
            try:
                self.reply(sender, self.entry.replace(msg))
            except Denied as denied:  # the order stands as it was; its strategy hears why
                self._notify(denied.order, reason=str(denied))
                raise
        elif isinstance(msg, MarketFrames):
            if self.market is not None:
                self.market.frames(msg)
        elif isinstance(msg, GetOrders):
            blotter = self.book.blotter
            orders = blotter.open_orders() if msg.open_only else list(blotter)
            self.reply(sender, Listing(tuple(_row(o.view()) for o in orders)))
        elif isinstance(msg, GetPositions):
            self.reply(sender, Listing(tuple({**_row(p), "unrealized_pnl": _money(self._unrealized(p))}
                                             for p in self.book.positions)))
        elif isinstance(msg, CONTROLS):
            done = self.controls.command(msg, sender)
            if done is not None:
                self.reply(sender, done)
        elif isinstance(msg, GetStrategies):
            self.reply(sender, Listing(tuple(self._strategies())))
        elif isinstance(msg, GetRisk):
            risk = self.risk
            self.reply(sender, RiskView(tuple(risk.states.rows()), risk.config.to_dict(),
                                        risk.config is not risk.base_config, risk.denial_counts(),
                                        dict(risk.restricted)))
        elif isinstance(msg, GetAudit):
            self.reply(sender, Listing(tuple(self.audit.rows())))
        elif isinstance(msg, GetBookPosition):
            self.reply(sender, self._book_position(msg))
        elif isinstance(msg, TradingStatus):
            self.desk.venue_trading_status(msg)
        elif isinstance(msg, COMMANDS):
            self.reply(sender, self.desk.command(msg))
        elif isinstance(msg, GetRouting):
            self.reply(sender, Listing(self.sessions.rows()))
        elif isinstance(msg, WatchFlow):
            if sender not in self.flow_watchers:
                self.flow_watchers.append(sender)
                book = self.book
                self.reply(sender, FlowSnapshot(tuple(order_update(o) for o in book.blotter.open_orders()),
                                                tuple(_text_row(p) for p in book.positions)))
        elif isinstance(msg, VarFigures):
            for name, figure in msg.figures.items():
                self.risk.set_var(name, figure, at_ns=msg.at_ns)
        elif isinstance(msg, WatchOrders):
            if not msg.full and self.watchers.get(msg.strategy) == sender:
                return  # a keepalive of the watcher: it has heard of every change already
            self.watchers[msg.strategy] = sender
            self.watched_books[msg.strategy] = msg.book
            book = self._strategy_book(msg.strategy)
            self.told_states[msg.strategy] = (book.state, book.state_reason)
            self.reply(sender, book)
        else:
            super().on_message(msg, sender)

    def on_wakeup(self, payload: Any) -> None:
        if self.market is not None and self.market.on_wakeup(payload):
            return
        if payload == "ack-check":
            self.entry.chase_unacknowledged()
            self.desk.due()
            day = self.risk.roll_day_if_due()
            if day is not None:
                self.persist(day)
            if self.controls.sweeps:
                self.controls.progress()
            self.wakeup_after(ACK_CHECK, "ack-check")
        elif isinstance(payload, tuple) and payload[0] == "reconcile":
            self.reconciliation.on_timer(payload[1], payload[2])

    def _from_venue(self, msg: FromVenue) -> None:
        record = msg.record
        telemetry.annotate(**{"fix.cl_ord_id": getattr(record, "cl_ord_id", None) or "", "vigil.session": msg.session})
        empty_status = isinstance(record, ExecutionReport) and record.order_id == "NONE" and not record.cl_ord_id
        if not empty_status:
            adjusting = self.desk.adjusting(getattr(record, "cl_ord_id", None))
            self.persist(record)
            self.entry.carry_out(self.risk.executed(record))
            if getattr(record, "cl_ord_id", None) in self.entry.ack_waiters:
                self.entry.acknowledge(record.cl_ord_id)
            if adjusting and isinstance(record, OrderCancelReject):
                self.desk.refused(*adjusting, record.text or "refused by the venue")
            order = self.book.blotter.route(record)
            self._notify(order)
            if order is not None:
                self._measure(record, order, msg.session)
            if self.flow_watchers and order is not None and isinstance(record, ExecutionReport) and \
                    record.kind.normalized in _POSITION_CHANGES:
                self._tell_flow(PositionUpdate(_text_row(self.book.positions.get(order.account, order.strategy,
                                                                                   order.symbol))))
        self.reconciliation.from_venue(msg)
        if self.controls.sweeps:
            self.controls.progress()

    def _measure(self, record: Any, order: Any, session: str) -> None:
        latency = self.entry.answered(order.cl_ord_id)
        if latency is not None:
            self.observe(ACK_LATENCY, latency, session=session)
        if isinstance(record, ExecutionReport):
            if record.kind.normalized is ExecType.TRADE:
                self.count(FILLS, strategy=order.strategy, session=session)
                slippage = self.entry.slippage_bps(order, record.last_px)
                if slippage is not None:
                    self.observe(SLIPPAGE, slippage, strategy=order.strategy, session=session)
            elif record.kind.normalized is ExecType.REJECTED:
                self.count(REJECTS, strategy=order.strategy, session=session)
        if not order.is_open:
            self.entry.arrivals.pop(order.root_cl_ord_id, None)

    def _not_sent(self, msg: NotSent) -> None:
        adjusting = self.desk.adjusting(msg.cl_ord_id)
        record = self.entry.not_sent(msg)
        if adjusting and isinstance(record, OrderCancelReject):
            self.desk.refused(*adjusting, record.text)
        self._notify(self.book.blotter.find(msg.cl_ord_id))
        if self.controls.sweeps:
            self.controls.progress()

    # ---- the market ----------------------------------------------------------
    def _quote(self, quote: Quote) -> None:
        self.quotes.set(quote.symbol, quote.bid_px, quote.ask_px, quote.ts_ns)
        self.risk.market_moved(quote.symbol)

    def _unrealized(self, position: Any) -> float | None:
        """A position's P&L at the latest mid (in its price currency); None: no quote to mark it."""
        if not position.qty:
            return 0.0
        quote = self.quotes.quote(position.symbol)
        px = mid(quote) if quote is not None else None
        return None if px is None else float(position.qty) * (px - float(position.avg_px))

    def watched_fds(self) -> list[int]:
        return self.market.fds() if self.market is not None else []

    def on_ready_fds(self, fds: list[int]) -> None:
        self.market.ready()

    def _reload_restricted(self, by: str) -> None:
        try:
            self.persist(self.risk.reload_restricted(by=by))
        except RestrictedListError as err:  # the list in force stays
            self.alert(RESTRICTED_LIST_REFUSED, reason=str(err))

    # ---- strategies ----------------------------------------------------------
    def _notify(self, order: Any, reason: str | None = None) -> None:
        """Tell the strategy that watches its orders what became of this one (reason: other than its own)."""
        watcher = self.watchers.get(order.strategy) if order is not None else None
        if watcher is None and not self.flow_watchers:
            return
        update = order_update(order)
        if self.flow_watchers:
            self._tell_flow(update)
        if watcher is not None:
            def gone(why: Refused, strategy: str = order.strategy) -> None:
                if self.watchers.get(strategy) is watcher:
                    del self.watchers[strategy]
            if reason is not None:
                update = msgspec.structs.replace(update, reason=reason)
            self.tell(watcher, update, on_refused=gone)

    def _tell_flow(self, msg: Any) -> None:
        for watcher in list(self.flow_watchers):
            def gone(why: Refused, watcher: Any = watcher) -> None:
                if watcher in self.flow_watchers:
                    self.flow_watchers.remove(watcher)
            self.tell(watcher, msg, on_refused=gone)

    def _strategies(self) -> list[dict[str, Any]]:
        """`vigil strategies`: every strategy the OMS knows of (orders, positions, limits, a state, a watcher)."""
        book, risk = self.book, self.risk
        orders: dict[str, list[Any]] = {}
        for o in book.blotter:
            orders.setdefault(o.strategy, []).append(o)
        positions: dict[str, list[Any]] = {}
        for p in book.positions:
            positions.setdefault(p.strategy, []).append(p)
        names = set(orders) | set(positions) | set(risk.config.strategies) | set(self.watchers) | {
            r["target"] for r in risk.states.rows() if r["scope"] == "strategy"}
        denials = risk.denial_counts()["strategies"]
        rows = []
        for name in sorted(names):
            held = positions.get(name, [])
            mine = orders.get(name, [])
            account = mine[-1].account if mine else held[-1].account if held else None
            state = risk.states.effective(name, account or "")
            marks = [self._unrealized(p) for p in held]
            net: dict[str, Decimal] = {}
            for p in held:
                net[p.symbol] = net.get(p.symbol, Decimal(0)) + p.qty
            rows.append({
                "name": name, "book": account, "state": state.state if state else "ACTIVE",
                "state_reason": state.reason if state else None, "state_by": state.by if state else None,
                "position": {s: _number(q) for s, q in net.items() if q},
                "pnl": {"realized": _money(sum((p.realized_pnl + p.dividends for p in held), Decimal(0))),
                        "unrealized": None if None in marks else _money(sum(marks))},
                "orders": len(mine), "open_orders": sum(1 for o in mine if o.is_open),
                "denials": dict(denials.get(name, {})), "last_error": None})
        return rows

    def _strategy_book(self, strategy: str) -> StrategyBook:
        book = self.book
        state, reason = self._state_of(strategy)
        return StrategyBook(strategy, tuple(order_update(o) for o in book.blotter if o.strategy == strategy),
                            tuple({k: v for k, v in _text_row(p).items() if k != "strategy"}
                                  for p in book.positions if p.strategy == strategy), state, reason)

    def _state_of(self, strategy: str) -> tuple[str, str | None]:
        found = self.risk.states.effective(strategy, self.watched_books.get(strategy, ""))
        return (found.state, f"{found.label}: {found.reason}") if found else ("ACTIVE", None)

    def _tell_states(self) -> None:
        """Each watching strategy whose trading state changed hears the new one (its host stops calling a
        HALTED strategy)."""
        for strategy, watcher in list(self.watchers.items()):
            now = self._state_of(strategy)
            if self.told_states.get(strategy) != now:
                self.told_states[strategy] = now
                self.tell(watcher, StrategyState(strategy, *now))

    def _book_position(self, ask: GetBookPosition) -> BookPosition:
        position = self.book.positions.get(ask.account, ask.strategy, ask.symbol)
        working = sum((o.side.sign * o.leaves_qty for o in self.book.blotter.open_orders()
                       if (o.account, o.strategy, o.symbol) == (ask.account, ask.strategy, ask.symbol)), Decimal(0))
        return BookPosition(ask.strategy, ask.account, ask.symbol, str(position.qty), str(working), ask.ref)

    # ---- Effects: what the parts ask for --------------------------------------
    def send(self, session: str, msg: Any) -> None:
        def not_sent(why: Refused) -> None:
            if hasattr(msg, "cl_ord_id"):
                self._not_sent(NotSent(session, msg.cl_ord_id, str(why)))
        try:
            address = self.address_of(session)
        except Refused as why:
            not_sent(why)
            return
        self.tell(address, msg, on_refused=not_sent)


def _row(view: Any) -> dict:
    out = {}
    for name in view.__dataclass_fields__:
        value = getattr(view, name)
        out[name] = str(value) if isinstance(value, Decimal) else value
    return out


def _text_row(view: Any) -> dict[str, str]:
    return {k: str(v) for k, v in _row(view).items()}


def _money(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def _number(qty: Decimal) -> int | float:
    return int(qty) if qty == qty.to_integral_value() else float(qty)


def order_update(order: Any) -> OrderUpdate:
    v = order.view()
    return OrderUpdate(v.cl_ord_id, v.root_cl_ord_id, v.client_id, v.strategy, v.account, v.symbol, v.side,
                       str(v.qty), None if v.price is None else str(v.price), v.status, str(v.cum_qty),
                       str(v.leaves_qty), str(v.avg_px), v.reason, v.is_open, v.uncertain)
