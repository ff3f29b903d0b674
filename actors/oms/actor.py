"""The OMS actor: orders and positions, persisted before anything reaches the wire.

Every change is an event in Redis (vigil.state_store) before the actor acts
on it: an order is logged PendingNew before it is sent, a venue report is
logged before it is applied. After a restart, and after every logon of a
session, open orders are uncertain until the venue has said what became of
them (mass status, or one status request per order in FIX 4.2); a session
takes new orders only once that reconciliation is done.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from actors.oms import Blotter, ClOrdIdGenerator, OrderError, Positions
from actors.oms.config import OmsConfig
from actors.oms.events import ORDER_CREATED, decode
from actors.oms.ids import EPOCH_STARTED
from actors.oms.reference_state import (
    CA_ORDER,
    CA_REFUSED,
    CORPORATE_ACTION,
    HALT,
    RESUME,
    ReferenceState,
    plan,
)
from actors.oms.reference_state import EVENTS as REFERENCE_EVENTS
from actors.oms.router import NoRoute, pick
from vigil.actor import Refused, VigilActor
from vigil.corporate_actions import CorporateAction, load_actions
from vigil.messages import Done
from vigil.reference import ReferenceDataError
from vocabulary import roles
from vocabulary.fix_codes import ExecType, OrdStatus, OrdType, Side, TimeInForce
from vocabulary.oms import (
    GetCorporateActions,
    GetHalts,
    GetOrders,
    GetPositions,
    GetRouting,
    HaltSymbol,
    Listing,
    ReloadCorporateActions,
    ResumeSymbol,
)
from vocabulary.orders import CancelOrder, OrderAccepted, OrderAcknowledged, ReplaceOrder, SubmitOrder
from vocabulary.reports import ExecutionReport, OrderCancelReject
from vocabulary.sessions import (
    FromVenue,
    GetSessionStatus,
    NewOrderSingle,
    NotSent,
    OrderCancelReplaceRequest,
    OrderCancelRequest,
    OrderMassStatusRequest,
    OrderStatusRequest,
    SessionStatus,
    TradingStatus,
)

log = logging.getLogger("vigil.oms")
RECONCILE_RETRY = timedelta(seconds=5)
ACK_CHECK = timedelta(milliseconds=500)
_SIDES = {"buy": "1", "sell": "2", "1": "1", "2": "2"}
_TYPES = {"limit": "2", "market": "1", "2": "2", "1": "1"}
_TIFS = {"DAY": "0", "GTC": "1", "IOC": "3", "FOK": "4"}


def _decimal(text: Any, what: str) -> Decimal:
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        raise Refused(f"{what} {text!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise Refused(f"{what} must be positive, got {text}")
    return value


class OrderManager(VigilActor):
    role = roles.OMS
    config_class = OmsConfig
    snapshot_every = 500
    fast_lane = True

    def on_start(self, config: OmsConfig) -> None:
        self.routes = config.routes()
        self.default_account = config.account
        self.blotter = Blotter()
        self.positions = Positions()
        self.ids = ClOrdIdGenerator(config.cl_ord_id_prefix)
        self.up: set[str] = set()  # logged on and reconciled: may take new orders
        self.reconciling: dict[str, str] = {}  # session -> mass status request id
        self.dialects: dict[str, str] = {}  # session -> FIX BeginString
        self.ack_waiters: dict[str, Any] = {}  # ClOrdID -> who asked to hear of the venue's answer
        self.ack_timeout = config.ack_timeout_s
        self.unacked: dict[str, float] = {}  # ClOrdID -> when we last heard nothing about it (monotonic)
        self.reference = ReferenceState()
        data = config.reference(self.topology_dir)
        self.instruments, self.ca_file, self.actions = data.instruments, data.actions_file, data.actions
        self.ca_policy = config.corporate_actions.open_orders
        self.next_action_ns = 0  # when the next action not applied yet takes effect: check at once

    # ---- state -------------------------------------------------------------
    def snapshot(self) -> Any:
        return {"ids": self.ids.to_dict(), "reference": self.reference.to_dict()}

    def snapshot_rows(self) -> dict[str, Any]:
        # Orders and positions are rows, written as they change: a snapshot costs what changed since
        # the last one, not the whole blotter (tens of thousands of orders would stall the actor).
        return {**self.blotter.changed_rows(), **self.positions.changed_rows()}

    def restore(self, snapshot: Any) -> None:
        self.ids = ClOrdIdGenerator.from_dict(snapshot["ids"])
        self.reference = ReferenceState.from_dict(snapshot.get("reference"))

    def restore_rows(self, rows: Mapping[str, Any]) -> None:
        self.blotter = Blotter.from_rows(row for key, row in rows.items() if key.startswith("order:"))
        self.positions = Positions.from_rows(row for key, row in rows.items() if key.startswith("position:"))

    def apply(self, event: Any, seq: int) -> None:
        kind = event.get("event") if isinstance(event, dict) else None  # else a venue record, logged as is
        if kind == EPOCH_STARTED:
            self.ids.apply(event)
            return
        if kind in REFERENCE_EVENTS:
            if kind == CORPORATE_ACTION and event["action"]["id"] not in self.reference.applied:
                self.positions.apply_corporate_action(CorporateAction.from_dict(event["action"]))
            self.reference.apply(event, self.blotter.open_orders())
            return
        if kind == ORDER_CREATED:
            self.ids.observe(event["cl_ord_id"])
        applied = self.blotter.apply(event)
        for fill in applied.fills:
            self.positions.apply(fill)
        if self.reference.requests:  # a corporate action's cancel/replace is outstanding: is this its answer?
            self.reference.settle(decode(event))

    def on_running(self) -> None:
        self.persist(self.ids.begin_epoch(self.clock.now_ns() // 1_000_000_000))
        self._corporate_actions_due()  # one that took effect while we were down applies before any new order
        if self.blotter.open_orders():  # whatever happened while we were down is unknown until reconciled
            self.persist(self.blotter.mark_uncertain(None, "OMS restarted"))
        for route in self.routes:  # sessions that stayed up will not announce themselves: ask
            self._tell_session(route.session, GetSessionStatus())
        self.wakeupAfter(ACK_CHECK, "ack-check")

    # ---- messages ----------------------------------------------------------
    def on_message(self, msg: Any, sender: Any) -> None:
        if isinstance(msg, FromVenue):
            self._from_venue(msg)
        elif isinstance(msg, SessionStatus):
            self._session_status(msg)
        elif isinstance(msg, NotSent):
            self._not_sent(msg)
        elif isinstance(msg, SubmitOrder):
            accepted = self._new_order(msg)
            if msg.wait_ack:
                self.ack_waiters[accepted.cl_ord_id] = sender
                self._acknowledge(accepted.cl_ord_id)  # a NotSent may already have settled it
            else:
                self.reply(sender, accepted)
        elif isinstance(msg, CancelOrder):
            self.reply(sender, self._cancel(msg))
        elif isinstance(msg, ReplaceOrder):
            self.reply(sender, self._replace(msg))
        elif isinstance(msg, GetOrders):
            orders = self.blotter.open_orders() if msg.open_only else list(self.blotter)
            self.reply(sender, Listing(tuple(_row(o.view()) for o in orders)))
        elif isinstance(msg, GetPositions):
            self.reply(sender, Listing(tuple(_row(p) for p in self.positions)))
        elif isinstance(msg, TradingStatus):
            self._venue_trading_status(msg)
        elif isinstance(msg, (HaltSymbol, ResumeSymbol, GetHalts, GetCorporateActions, ReloadCorporateActions)):
            self.reply(sender, self._reference_command(msg))
        elif isinstance(msg, GetRouting):
            self.reply(sender, Listing(tuple({"session": r.session, "up": r.session in self.up,
                                              "reconciling": r.session in self.reconciling} for r in self.routes)))
        else:
            super().on_message(msg, sender)

    def on_wakeup(self, payload: Any) -> None:
        if payload == "ack-check":
            self._chase_unacknowledged()
            self._corporate_actions_due()
            self.wakeupAfter(ACK_CHECK, "ack-check")
        elif isinstance(payload, tuple) and payload[0] == "reconcile" and self.reconciling.get(payload[1]) == payload[2]:
            self._reconcile(payload[1])  # no answer in time: ask again

    # ---- orders in -----------------------------------------------------------
    def _new_order(self, cmd: SubmitOrder) -> OrderAccepted:
        side, ord_type = _SIDES.get(str(cmd.side).lower()), _TYPES.get(str(cmd.ord_type).lower())
        tif = _TIFS.get(str(cmd.tif).upper())
        if side is None or ord_type is None or tif is None:
            bad = "side" if side is None else "type" if ord_type is None else "tif"
            value = {"side": cmd.side, "type": cmd.ord_type, "tif": cmd.tif}[bad]
            raise Refused(f"unknown {bad} {value!r}")
        if self.clock.now_ns() >= self.next_action_ns:  # a new order is in post-action terms: never adjust it
            self._corporate_actions_due()
        self._refuse_if_halted(cmd.symbol)
        qty = _decimal(cmd.qty, "qty")
        price = _decimal(cmd.price, "price") if cmd.price is not None else None
        if ord_type == "2" and price is None:
            raise Refused("a limit order needs a price")
        if cmd.session is not None and cmd.session not in {r.session for r in self.routes}:
            raise Refused(f"unknown session {cmd.session!r} (sessions: {', '.join(r.session for r in self.routes)})")
        try:
            session = cmd.session if cmd.session in self.up else pick(
                [r for r in self.routes if cmd.session in (None, r.session)], cmd.symbol, side, self.up)
        except NoRoute as why:
            raise Refused(str(why)) from None
        cl_ord_id = self.ids.next()
        try:
            order = self.blotter.submit(cl_ord_id, account=cmd.account or self.default_account, strategy=cmd.strategy,
                                        session=session, symbol=cmd.symbol, side=Side.parse(side),
                                        ord_type=OrdType.parse(ord_type), tif=TimeInForce.parse(tif), qty=qty,
                                        price=price if ord_type == "2" else None)
        except (OrderError, ValueError) as err:
            raise Refused(str(err)) from None
        self.persist(order.created_event())
        self._tell_session(session, NewOrderSingle(cl_ord_id, cmd.symbol, side, str(qty), ord_type,
                                                str(price) if ord_type == "2" else None, tif, order.account))
        self.unacked[cl_ord_id] = self.clock.monotonic()
        return OrderAccepted(cl_ord_id, session)

    def _chase_unacknowledged(self) -> None:
        """An order the venue has not answered for ack_timeout_s: ask it (a silent venue, a lost message)."""
        now = self.clock.monotonic()
        for cl_ord_id, since in list(self.unacked.items()):
            order = self.blotter.find(cl_ord_id)
            if order is None or order.status is not OrdStatus.PENDING_NEW:
                del self.unacked[cl_ord_id]
            elif now - since >= self.ack_timeout and order.session in self.up:
                self.unacked[cl_ord_id] = now  # ask again after another timeout, not on every check
                self._tell_session(order.session, OrderStatusRequest(cl_ord_id, order.order_id, order.symbol,
                                                                order.side.value))

    def _cancel(self, cmd: CancelOrder, request_id: str | None = None) -> OrderAccepted:
        order = self._order(cmd.cl_ord_id)
        request_id = request_id or self.ids.next()
        try:
            event = self.blotter.request_cancel(order.cl_ord_id, request_id)
        except OrderError as err:
            raise Refused(f"cannot cancel {cmd.cl_ord_id}: {err}") from None
        self.persist(event)
        self._tell_session(order.session, OrderCancelRequest(request_id, order.cl_ord_id, order.order_id, order.symbol,
                                                      order.side.value, str(order.qty)))
        return OrderAccepted(request_id, order.session)

    def _replace(self, cmd: ReplaceOrder, adjustment_id: str | None = None) -> OrderAccepted:
        """adjustment_id: the request id of the OMS's own adjustment for a corporate action, which is not
        a trading decision and so goes through a halt."""
        order = self._order(cmd.cl_ord_id)
        if adjustment_id is None:
            self._refuse_if_halted(order.symbol)
        qty = _decimal(cmd.qty, "qty") if cmd.qty is not None else None
        price = _decimal(cmd.price, "price") if cmd.price is not None else None
        if qty is None and price is None:
            raise Refused("a replace needs a new qty or price")
        request_id = adjustment_id or self.ids.next()
        try:
            event = self.blotter.request_replace(order.cl_ord_id, request_id, qty, price)
        except OrderError as err:
            raise Refused(f"cannot replace {cmd.cl_ord_id}: {err}") from None
        self.persist(event)
        new_qty, new_price = qty or order.qty, price or order.price
        self._tell_session(order.session, OrderCancelReplaceRequest(
            request_id, order.cl_ord_id, order.order_id, order.symbol, order.side.value, str(new_qty),
            order.ord_type.value, str(new_price) if new_price is not None else None, order.tif.value, order.account))
        return OrderAccepted(request_id, order.session)

    def _order(self, cl_ord_id: str):
        order = self.blotter.find(cl_ord_id)
        if order is None:
            raise Refused(f"unknown order {cl_ord_id!r}")
        return order

    def _tell_session(self, session: str, msg: Any) -> None:
        def not_sent(why: Refused) -> None:
            if hasattr(msg, "cl_ord_id"):
                self._not_sent(NotSent(session, msg.cl_ord_id, str(why)))
        try:
            address = self.address_of(session)
        except Refused as why:
            not_sent(why)
            return
        self.tell(address, msg, on_refused=not_sent)

    # ---- the venue's answers ----------------------------------------------------
    def _from_venue(self, msg: FromVenue) -> None:
        record = msg.record
        empty_status = isinstance(record, ExecutionReport) and record.order_id == "NONE" and not record.cl_ord_id
        if not empty_status:
            adjusting = self.reference.requests.get(getattr(record, "cl_ord_id", None))
            self.persist(record)
            if self.ack_waiters and getattr(record, "cl_ord_id", None) in self.ack_waiters:
                self._acknowledge(record.cl_ord_id)
            if adjusting and isinstance(record, OrderCancelReject):
                self._adjustment_refused(*adjusting, record.text or "refused by the venue")
        if msg.mass_status_req_id and msg.last_of_mass_status and \
                self.reconciling.get(msg.session) == msg.mass_status_req_id:
            self._reconciled(msg.session)
        elif msg.session in self.reconciling and not msg.mass_status_req_id and \
                isinstance(record, ExecutionReport) and record.kind is ExecType.ORDER_STATUS and \
                not any(o.uncertain for o in self.blotter.open_orders(msg.session)):
            self._reconciled(msg.session)  # FIX 4.2: the last per-order status answer is in

    def _acknowledge(self, cl_ord_id: str) -> None:
        order = self.blotter.find(cl_ord_id)
        if order is not None and order.status is not OrdStatus.PENDING_NEW and cl_ord_id in self.ack_waiters:
            self.reply(self.ack_waiters.pop(cl_ord_id), OrderAcknowledged(cl_ord_id, order.status.label, order.reason))

    def _session_status(self, status: SessionStatus) -> None:
        self.dialects[status.session] = status.begin_string
        if not status.logged_on:
            self.up.discard(status.session)
            self.reconciling.pop(status.session, None)
            open_orders = self.blotter.open_orders(status.session)
            if open_orders and not all(o.uncertain for o in open_orders):
                self.persist(self.blotter.mark_uncertain(status.session, f"session {status.session} down"))
        elif status.session not in self.up and status.session not in self.reconciling:
            self._reconcile(status.session)

    def _reconcile(self, session: str) -> None:
        req_id = f"{self.ids.next()}-MS"
        self.reconciling[session] = req_id
        if self._is_fix42(session):  # no mass status before FIX 4.3: one status request per order
            asks = [OrderStatusRequest(o.cl_ord_id, o.order_id, o.symbol, o.side.value)
                    for o in self.blotter.open_orders(session)]
            for ask in asks:
                self._tell_session(session, ask)
            if not asks:
                self._reconciled(session)
                return
        else:
            self._tell_session(session, OrderMassStatusRequest(req_id))
        self.wakeupAfter(RECONCILE_RETRY, ("reconcile", session, req_id))

    def _is_fix42(self, session: str) -> bool:
        """FIX 4.2 has no mass status: with no open order there is nothing to ask, and no answer."""
        return self.dialects.get(session) == "FIX.4.2"

    def _reconciled(self, session: str) -> None:
        self.reconciling.pop(session, None)
        for order in self.blotter.open_orders(session):
            if order.uncertain:  # open here, not mentioned by the venue: ask about it alone
                self._tell_session(session, OrderStatusRequest(order.cl_ord_id, order.order_id, order.symbol,
                                                          order.side.value))
        self.up.add(session)

    # ---- halts and corporate actions ------------------------------------------------
    def _refuse_if_halted(self, symbol: str) -> None:
        reason = self.reference.halted(symbol)
        if reason is not None:
            raise Refused(f"{symbol} is halted ({reason}): no new orders or replaces until it is resumed")

    def _venue_trading_status(self, msg: TradingStatus) -> None:
        """A venue's halt stops our orders before they reach it; its resume lifts only a venue's halt
        (an operator's halt stays until the operator resumes). Every session repeats it: once is enough."""
        halt = self.reference.halts.get(msg.symbol)
        if msg.halted and halt is None:
            self._halt(msg.symbol, f"venue halt on {msg.session}: {msg.text}".rstrip(": "), by="venue")
        elif not msg.halted and halt is not None and halt["by"] == "venue":
            self._resume(msg.symbol)

    def _halt(self, symbol: str, reason: str, by: str) -> None:
        self.persist({"event": HALT, "symbol": symbol, "reason": reason, "by": by, "at_ns": self.clock.now_ns()})
        self.registry.event(self.path, "halt", symbol=symbol, reason=reason, by=by)

    def _resume(self, symbol: str) -> None:
        self.persist({"event": RESUME, "symbol": symbol, "at_ns": self.clock.now_ns()})
        self.registry.event(self.path, "resume", symbol=symbol)

    def _reference_command(self, msg: Any) -> Any:
        if isinstance(msg, (HaltSymbol, ResumeSymbol)):
            if msg.symbol not in self.instruments:
                raise Refused(f"unknown symbol {msg.symbol!r}: not in the symbol master")
            if isinstance(msg, HaltSymbol):
                if not str(msg.reason).strip():
                    raise Refused("a halt needs a reason")
                self._halt(msg.symbol, msg.reason, by="operator")
            elif self.reference.halted(msg.symbol) is None:
                raise Refused(f"{msg.symbol} is not halted")
            else:
                self._resume(msg.symbol)
            return Done()
        if isinstance(msg, GetHalts):
            return Listing(tuple({"symbol": s, "reason": h["reason"], "by": h["by"], "since_ns": h["at_ns"]}
                                 for s, h in sorted(self.reference.halts.items())))
        if isinstance(msg, ReloadCorporateActions):
            try:
                self.actions = load_actions(self.ca_file, self.instruments)
            except ReferenceDataError as err:
                raise Refused(f"kept the {len(self.actions)} action(s) loaded before: {err}") from None
            self._corporate_actions_due()
            return Done()
        return Listing(tuple(self._action_row(a) for a in self._known_actions()))

    def _known_actions(self) -> list[CorporateAction]:
        known = {a.id: a for a in self.actions}
        known.update(self.reference.applied)  # as applied, even if the file has changed since
        return sorted(known.values(), key=lambda a: (a.effective_ns, a.id))

    def _action_row(self, action: CorporateAction) -> dict:
        waiting = sorted(c for c, ids in self.reference.pending.items() if action.id in ids)
        applied_at = self.reference.applied_at.get(action.id)
        return {**action.to_dict(), "status": "pending" if applied_at is None else "applied",
                "applied_at_ns": applied_at, "orders_waiting": waiting,
                "orders_refused": dict(sorted(self.reference.refused.get(action.id, {}).items()))}

    def _corporate_actions_due(self) -> None:
        """Apply every action whose time has come, once; then adjust the open orders waiting on one."""
        now = self.clock.now_ns()
        self.next_action_ns = next((a.effective_ns for a in self.actions if a.id not in self.reference.applied
                                    and a.effective_ns > now), 2**63)
        for action in self.actions:
            if action.effective_ns > now:
                break
            if action.id not in self.reference.applied:
                self.persist({"event": CORPORATE_ACTION, "action": action.to_dict(), "at_ns": now})
                orders = sum(action.id in ids for ids in self.reference.pending.values())
                self.registry.event(self.path, "corporate_action", id=action.id, symbol=action.symbol,
                                    action=action.describe(), open_orders=str(orders), policy=self.ca_policy)
        for cl_ord_id, action_ids in list(self.reference.pending.items()):
            self._adjust_for(cl_ord_id, self.reference.applied[action_ids[0]])

    def _adjust_for(self, cl_ord_id: str, action: CorporateAction) -> None:
        order = self.blotter.find(cl_ord_id)
        if order is None or not order.is_open:
            self.persist({"event": CA_ORDER, "cl_ord_id": cl_ord_id, "action": action.id, "outcome": "closed"})
            return
        if order.session not in self.up or order.pending or order.uncertain or order.status is OrdStatus.PENDING_NEW:
            return  # the venue must hear of it: try again on the next check
        adjustment = plan(order, action, self.ca_policy, self.instruments[order.symbol])
        request_id = self.ids.next() if adjustment.outcome in ("cancel", "replace") else None
        # Logged before the request: after a crash in between the order is not adjusted twice.
        self.persist({"event": CA_ORDER, "cl_ord_id": cl_ord_id, "action": action.id, "outcome": adjustment.outcome,
                      "qty": _text(adjustment.qty), "price": _text(adjustment.price), "request": request_id})
        try:
            if adjustment.outcome == "cancel":
                self._cancel(CancelOrder(order.cl_ord_id), request_id)
            elif adjustment.outcome == "replace":
                self._replace(ReplaceOrder(order.cl_ord_id, str(adjustment.qty), _text(adjustment.price)),
                              request_id)
        except Refused as why:
            self._adjustment_refused(cl_ord_id, action.id, str(why))

    def _adjustment_refused(self, cl_ord_id: str, action_id: str, why: str) -> None:
        """The order stays on its old terms, and somebody must look at it: it is not tried again (an order
        is never adjusted twice)."""
        self.persist({"event": CA_REFUSED, "cl_ord_id": cl_ord_id, "action": action_id, "reason": why})
        log.warning("corporate action %s: order %s was not adjusted: %s", action_id, cl_ord_id, why)
        self.registry.event(self.path, "alert", problem="corporate_action_not_applied", order=cl_ord_id,
                            action=action_id, reason=why)

    def _not_sent(self, msg: NotSent) -> None:
        order = self.blotter.find(msg.cl_ord_id)
        if order is None:
            return
        adjusting = self.reference.requests.get(msg.cl_ord_id)
        if order.cl_ord_id == msg.cl_ord_id and order.status is OrdStatus.PENDING_NEW:
            record = ExecutionReport(exec_id=f"local-{msg.cl_ord_id}", exec_type=ExecType.REJECTED,
                                     ord_status=OrdStatus.REJECTED, cl_ord_id=msg.cl_ord_id, symbol=order.symbol,
                                     side=order.side, order_qty=order.qty, cum_qty=0, leaves_qty=0, avg_px=0,
                                     text=f"not sent: {msg.reason}")
        else:
            record = OrderCancelReject(cl_ord_id=msg.cl_ord_id, orig_cl_ord_id=order.cl_ord_id,
                                       order_id=order.order_id, text=f"not sent: {msg.reason}",
                                       response_to="2" if order.status is OrdStatus.PENDING_REPLACE else "1")
        self.persist(record.to_dict())
        if msg.cl_ord_id in self.ack_waiters:
            self._acknowledge(msg.cl_ord_id)
        if adjusting and isinstance(record, OrderCancelReject):
            self._adjustment_refused(*adjusting, record.text)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _row(view: Any) -> dict:
    out = {}
    for name in view.__dataclass_fields__:
        value = getattr(view, name)
        out[name] = str(value) if isinstance(value, Decimal) else value
    return out
