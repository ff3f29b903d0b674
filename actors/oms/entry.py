"""Orders in: a SubmitOrder, CancelOrder or ReplaceOrder checked, routed, logged, then sent.

A SubmitOrder names its strategy's own id for the order (client_id), logged with it: the same id again
(a strategy restarted between logging an order and hearing it was accepted) is answered with the order
already made, never sent twice.

Every order and replace passes the risk gateway (actors/oms/risk) first. An order it denies is
still an order: logged, then rejected locally with the denial ("denied: max_order_qty: 250000 >
200000 for mean-rev EURUSD"), so that its strategy hears of it and `vigil orders` lists it (Denied);
a denied replace leaves the order as it was. Cancels always pass (they count toward the message rate).

Every order is logged PendingNew before it goes on the wire, every cancel or replace request
before it is sent; a malformed one is refused (Refused, with the reason in words) before anything
changes. An order the venue has not answered for ack_timeout_s is asked about (a silent venue,
a lost message). A command the session could not put on the wire (NotSent) comes back as the
venue's refusal would have: a local reject of the order, or an OrderCancelReject of the request.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from actors.oms.effects import Effects
from actors.oms.errors import OrderError
from actors.oms.order import Order
from actors.oms.reconciliation import Sessions
from actors.oms.risk import Actions, RiskGateway
from actors.oms.risk.market import mid
from actors.oms.state import OmsState
from vigil import telemetry
from vigil.clock import Clock
from vigil.component import Refused
from vocabulary.fix_codes import ExecType, OrdStatus, OrdType, Side, TimeInForce
from vocabulary.metrics import DENIALS, ORDERS
from vocabulary.orders import CancelOrder, OrderAccepted, OrderAcknowledged, ReplaceOrder, SubmitOrder
from vocabulary.reports import ExecutionReport, OrderCancelReject
from vocabulary.sessions import (
    NewOrderSingle,
    NotSent,
    OrderCancelReplaceRequest,
    OrderCancelRequest,
    OrderStatusRequest,
)

_SIDES = {"buy": "1", "sell": "2", "1": "1", "2": "2"}
_TYPES = {"limit": "2", "market": "1", "2": "2", "1": "1"}
_TIFS = {"DAY": "0", "GTC": "1", "IOC": "3", "FOK": "4"}


class Denied(Refused):
    """The risk gateway's no: `order` is the order as it stands (a new one: recorded, rejected)."""

    def __init__(self, message: str, order: Order) -> None:
        super().__init__(message)
        self.order = order


class OrderEntry:
    def __init__(self, state: OmsState, sessions: Sessions, risk: RiskGateway, out: Effects, clock: Clock, *,
                 default_account: str, ack_timeout_s: float) -> None:
        self.state, self.sessions, self.risk, self.out, self.clock = state, sessions, risk, out, clock
        self.default_account = default_account
        self.ack_timeout_s = ack_timeout_s
        self.ack_waiters: dict[str, Any] = {}
        """ClOrdID -> who asked to hear of the venue's first answer (SubmitOrder.wait_ack)."""
        self.unacked: dict[str, float] = {}
        self.arrivals: dict[str, float] = {}
        """Open orders' arrival prices (the mid as they came in), by first ClOrdID: for slippage, kept in
        memory only (an OMS restarted does not know those of the orders open then)."""
        """ClOrdID -> when we last heard nothing about it (monotonic)."""

    def submit(self, cmd: SubmitOrder, sender: Any) -> None:
        """Log and send a new order; the sender hears OrderAccepted, or with wait_ack the venue's answer. An
        order its strategy submitted before under the same client_id is that order, not a second one (one
        rejected is refused again with its reason: a signal sent again hears it was denied)."""
        existing = self.state.blotter.by_client_id(cmd.strategy, cmd.client_id) if cmd.client_id else None
        if existing is not None and existing.status is OrdStatus.REJECTED:
            raise Refused(existing.reason or "rejected")  # sent again: it was refused, and is refused still
        if existing is not None:
            accepted = OrderAccepted(existing.root_cl_ord_id, existing.session, client_id=cmd.client_id)
        else:
            accepted = self.place(cmd)
        if cmd.wait_ack:
            self.ack_waiters[accepted.cl_ord_id] = sender
            self.acknowledge(accepted.cl_ord_id)  # a NotSent may already have settled it
        else:
            self.out.reply(sender, accepted)

    def place(self, cmd: SubmitOrder, closing: bool = False) -> OrderAccepted:
        """Check, log and send a new order (no answer to anyone): Refused, or Denied by the gateway.
        closing: an operator's order closing a position (RiskGateway.check_new)."""
        side, ord_type = _SIDES.get(str(cmd.side).lower()), _TYPES.get(str(cmd.ord_type).lower())
        tif = _TIFS.get(str(cmd.tif).upper())
        if side is None or ord_type is None or tif is None:
            bad = "side" if side is None else "type" if ord_type is None else "tif"
            value = {"side": cmd.side, "type": cmd.ord_type, "tif": cmd.tif}[bad]
            raise Refused(f"unknown {bad} {value!r}")
        self.refuse_if_halted(cmd.symbol)
        qty = _decimal(cmd.qty, "qty")
        price = _decimal(cmd.price, "price") if cmd.price is not None else None
        if ord_type == "2" and price is None:
            raise Refused("a limit order needs a price")
        if ord_type != "2":
            price = None
        # The order has no ClOrdID until it passed both: their spans name the one it is about to get (once
        # they passed: a refused order gives its id to the next)
        upcoming = self.state.ids.peek()
        with telemetry.span("route", **{"vigil.symbol": cmd.symbol, "fix.side": side}) as routed:
            session = self.sessions.route(cmd.session, cmd.symbol, side)
            routed.attributes.update({"vigil.session": session, "fix.cl_ord_id": upcoming})
        account = cmd.account or self.default_account
        with telemetry.span("risk check", **{"vigil.strategy": cmd.strategy, "vigil.book": account,
                                             "vigil.symbol": cmd.symbol}) as checked:
            decision = self.risk.check_new(strategy=cmd.strategy, book=account, symbol=cmd.symbol, side=side,
                                           qty=qty, price=price, closing=closing)
            checked.attributes.update({"fix.cl_ord_id": upcoming, "risk.decision": "pass" if decision else "denied",
                                       "risk.checks": self.risk.checks_for(cmd.strategy, account, cmd.symbol),
                                       **({} if decision else {"risk.reason": decision.reason or "",
                                                               "risk.message": decision.message or ""})})
        self.carry_out(decision)
        cl_ord_id = self.state.ids.next()
        telemetry.annotate(**{"fix.cl_ord_id": cl_ord_id, "vigil.strategy": cmd.strategy, "vigil.book": account,
                              "vigil.symbol": cmd.symbol, "vigil.client_id": cmd.client_id or "",
                              "risk.decision": "pass" if decision else f"denied: {decision.message}"})
        try:
            order = self.state.blotter.submit(
                cl_ord_id, account=account, strategy=cmd.strategy, session=session, symbol=cmd.symbol,
                side=Side.parse(side), ord_type=OrdType.parse(ord_type), tif=TimeInForce.parse(tif), qty=qty,
                price=price, client_id=cmd.client_id)
        except (OrderError, ValueError) as err:
            raise Refused(str(err)) from None
        self.out.persist(order.created_event())
        if not decision:
            self.out.count(DENIALS, strategy=cmd.strategy, reason=decision.reason)
            self._reject_locally(order, f"denied-{cl_ord_id}", f"denied: {decision.message}")
            raise Denied(f"denied: {decision.message}", order)
        self.out.send(session, NewOrderSingle(cl_ord_id, cmd.symbol, side, str(qty), ord_type,
                                              None if price is None else str(price), tif, order.account))
        self.out.count(ORDERS, strategy=cmd.strategy, session=session)
        self.unacked[cl_ord_id] = self.clock.monotonic()
        quote = self.risk.market.quote(cmd.symbol)
        arrival = mid(quote) if quote is not None else None
        if arrival:
            self.arrivals[cl_ord_id] = arrival
        return OrderAccepted(cl_ord_id, session, client_id=cmd.client_id)

    def cancel(self, cmd: CancelOrder, request_id: str | None = None) -> OrderAccepted:
        """request_id: one chosen already (a corporate action's adjustment, logged before it)."""
        order = self.order(cmd.cl_ord_id)
        if request_id is None:
            self.carry_out(self.risk.check_cancel(order.strategy))
        request_id = request_id or self.state.ids.next()
        try:
            event = self.state.blotter.request_cancel(order.cl_ord_id, request_id)
        except OrderError as err:
            raise Refused(f"cannot cancel {cmd.cl_ord_id}: {err}") from None
        self.out.persist(event)
        self.out.send(order.session, OrderCancelRequest(request_id, order.cl_ord_id, order.order_id, order.symbol,
                                                        order.side.value, str(order.qty)))
        return OrderAccepted(request_id, order.session)

    def replace(self, cmd: ReplaceOrder, adjustment_id: str | None = None) -> OrderAccepted:
        """adjustment_id: the request id of the OMS's own adjustment for a corporate action, which is not
        a trading decision and so goes through a halt."""
        order = self.order(cmd.cl_ord_id)
        if adjustment_id is None:
            self.refuse_if_halted(order.symbol)
        qty = _decimal(cmd.qty, "qty") if cmd.qty is not None else None
        price = _decimal(cmd.price, "price") if cmd.price is not None else None
        if qty is None and price is None:
            raise Refused("a replace needs a new qty or price")
        if adjustment_id is None:
            decision = self.risk.check_replace(order, qty=qty, price=price)
            self.carry_out(decision)
            if not decision:
                raise Denied(f"replace of {cmd.cl_ord_id} denied: {decision.message}", order)
        request_id = adjustment_id or self.state.ids.next()
        try:
            event = self.state.blotter.request_replace(order.cl_ord_id, request_id, qty, price)
        except OrderError as err:
            raise Refused(f"cannot replace {cmd.cl_ord_id}: {err}") from None
        self.out.persist(event)
        new_qty, new_price = qty or order.qty, price or order.price
        self.out.send(order.session, OrderCancelReplaceRequest(
            request_id, order.cl_ord_id, order.order_id, order.symbol, order.side.value, str(new_qty),
            order.ord_type.value, str(new_price) if new_price is not None else None, order.tif.value, order.account))
        return OrderAccepted(request_id, order.session)

    def carry_out(self, actions: Actions) -> None:
        """What the gateway asks whatever it answered: its events logged, its alerts raised."""
        for event in actions.events:
            self.out.persist(event)
        for alert in actions.alerts:
            self.out.alert(**alert)

    def order(self, cl_ord_id: str) -> Order:
        order = self.state.blotter.find(cl_ord_id)
        if order is None:
            raise Refused(f"unknown order {cl_ord_id!r}")
        return order

    def refuse_if_halted(self, symbol: str) -> None:
        reason = self.state.reference.halted(symbol)
        if reason is not None:
            raise Refused(f"{symbol} is halted ({reason}): no new orders or replaces until it is resumed")

    # ---- answers -----------------------------------------------------------------
    def acknowledge(self, cl_ord_id: str) -> None:
        """Tell whoever waits for the venue's first answer to this order, once there is one."""
        waiter = self.ack_waiters.get(cl_ord_id)
        order = self.state.blotter.find(cl_ord_id) if waiter is not None else None
        if order is not None and order.status is not OrdStatus.PENDING_NEW:
            del self.ack_waiters[cl_ord_id]
            self.out.reply(waiter, OrderAcknowledged(cl_ord_id, order.status.label, order.reason))

    def slippage_bps(self, order: Any, last_px: Any) -> float | None:
        """A fill's price against the mid when its order came in, in basis points, + when it cost (a buy above,
        a sell below); None when no price was known then."""
        arrival = self.arrivals.get(order.root_cl_ord_id)
        if arrival is None or last_px is None:
            return None
        return (float(last_px) - arrival) / arrival * 1e4 * order.side.sign

    def answered(self, cl_ord_id: str) -> float | None:
        """Seconds from the order's NewOrderSingle to the venue's first answer, once it came (else None)."""
        since = self.unacked.get(cl_ord_id)
        order = self.state.blotter.find(cl_ord_id) if since is not None else None
        if order is None or order.status is OrdStatus.PENDING_NEW:
            return None
        del self.unacked[cl_ord_id]
        return self.clock.monotonic() - since

    def chase_unacknowledged(self) -> None:
        now = self.clock.monotonic()
        for cl_ord_id, since in list(self.unacked.items()):
            order = self.state.blotter.find(cl_ord_id)
            if order is None or order.status is not OrdStatus.PENDING_NEW:
                del self.unacked[cl_ord_id]
            elif now - since >= self.ack_timeout_s and order.session in self.sessions.up:
                self.unacked[cl_ord_id] = now  # ask again after another timeout, not on every check
                self.out.send(order.session, OrderStatusRequest(cl_ord_id, order.order_id, order.symbol,
                                                                order.side.value))

    def not_sent(self, msg: NotSent) -> ExecutionReport | OrderCancelReject | None:
        """Log the local refusal a command that never reached the venue amounts to; returns it."""
        order = self.state.blotter.find(msg.cl_ord_id)
        if order is None:
            return None
        if order.cl_ord_id == msg.cl_ord_id and order.status is OrdStatus.PENDING_NEW:
            record: ExecutionReport | OrderCancelReject = self._reject_locally(order, f"local-{msg.cl_ord_id}",
                                                                               f"not sent: {msg.reason}")
        else:
            record = OrderCancelReject(cl_ord_id=msg.cl_ord_id, orig_cl_ord_id=order.cl_ord_id,
                                       order_id=order.order_id, text=f"not sent: {msg.reason}",
                                       response_to="2" if order.status is OrdStatus.PENDING_REPLACE else "1")
            self.out.persist(record.to_dict())
        self.acknowledge(msg.cl_ord_id)
        return record

    def _reject_locally(self, order: Order, exec_id: str, text: str) -> ExecutionReport:
        """The order never reached the venue: logged as rejected, as a venue would have."""
        record = ExecutionReport(exec_id=exec_id, exec_type=ExecType.REJECTED, ord_status=OrdStatus.REJECTED,
                                 cl_ord_id=order.cl_ord_id, symbol=order.symbol, side=order.side,
                                 order_qty=order.qty, cum_qty=0, leaves_qty=0, avg_px=0, text=text)
        self.out.persist(record.to_dict())
        return record


def _decimal(text: Any, what: str) -> Decimal:
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        raise Refused(f"{what} {text!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise Refused(f"{what} must be positive, got {text}")
    return value
