"""The big red buttons, on the OMS's own objects: trading states, run-time limits, the restricted list, the
kill switch and flattening, each recorded in the audit trail with who pressed it and what came of it.

The kill switch and flatten take time: their cancels and closing orders are answered by the venue, so
each is a Sweep the OMS moves on (`progress`) at every venue record and on its timer, and the operator's
answer (a ControlDone) leaves once every cancel is confirmed, refused or unanswered for settle_s:

    kill       global HALTED first (nothing new passes the gateway from then on), then every working
               order at every session cancelled
    flatten    the book's resting orders cancelled; once none is left working, each of its positions
               closed by a market order (IOC) that passes the gateway like any other, except that a
               HALTED state lets it through as REDUCING would (a kill, then a flatten); done when those
               orders are
    stop loss  (from the risk monitor) the strategy in REDUCING, then a flatten of its orders and positions
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from actors.oms.audit import audit_event
from actors.oms.effects import Effects
from actors.oms.entry import OrderEntry
from actors.oms.risk import ACTIVE, HALTED, REDUCING, RestrictedListError, RiskGateway, TradingStateError
from actors.oms.risk.decision import num
from actors.oms.risk.states import SCOPES
from actors.oms.state import OmsState
from vigil.clock import Clock
from vigil.component import Refused
from vigil.config import ConfigError
from vocabulary.alerts import KILL_SWITCH_PULLED, STOP_LOSS_HIT, STRATEGY_HALTED
from vocabulary.controls import (
    ControlDone,
    Flatten,
    Kill,
    ReloadRestrictedList,
    ResetLimits,
    SetLimits,
    SetTradingState,
    StopLoss,
)
from vocabulary.fix_codes import OrdStatus
from vocabulary.orders import CancelOrder, SubmitOrder

COMMANDS = (SetTradingState, SetLimits, ResetLimits, ReloadRestrictedList, Kill, Flatten, StopLoss)
_VERBS = {ACTIVE: "resume", "REDUCING": "reduce", HALTED: "halt"}


class Controls:
    def __init__(self, state: OmsState, entry: OrderEntry, risk: RiskGateway, out: Effects, clock: Clock, *,
                 settle_s: float) -> None:
        self.state, self.entry, self.risk, self.out, self.clock = state, entry, risk, out, clock
        self.settle_s = settle_s
        self.sweeps: list[Sweep] = []
        self._moving = self._again = False

    def command(self, msg: Any, sender: Any) -> ControlDone | None:
        """The answer now, or None: a Sweep answers the sender when it is done. Refused (recorded) if the
        command cannot be carried out."""
        try:
            return self._command(msg, sender)
        except (Refused, TradingStateError, ConfigError, RestrictedListError, ValueError) as err:
            action, target = _named(msg)
            self.record(msg, action, target, f"refused: {err}")
            raise Refused(str(err)) from None

    def _command(self, msg: Any, sender: Any) -> ControlDone | None:
        risk = self.risk
        if isinstance(msg, SetTradingState):
            was = risk.states.get(msg.scope, msg.target) if msg.scope in SCOPES else None
            self.out.persist(risk.set_state(msg.scope, msg.target, msg.state, reason=msg.reason, by=msg.operator))
            action, target = _named(msg)
            now = risk.states.get(msg.scope, msg.target)
            self._clear_if_resumed(msg.scope, msg.target, was, now)
            return self.record(msg, action, target, f"{now} (was {was})", ControlDone(action, target, state=now))
        if isinstance(msg, SetLimits):
            event = risk.set_limits(risk.config.updated(msg.scope, msg.target, **msg.settings), by=msg.operator,
                                    reason=msg.reason)
            self.out.persist(event)
            return self._limits_done(msg, "limits set", _target(msg.scope, msg.target), event)
        if isinstance(msg, ResetLimits):
            event = risk.reset_limits(by=msg.operator, reason=msg.reason)
            self.out.persist(event)
            return self._limits_done(msg, "limits reset", "all", event)
        if isinstance(msg, ReloadRestrictedList):
            event = risk.reload_restricted(by=msg.operator)
            self.out.persist(event)
            result = f"{len(event['symbols'])} symbols; added {event['added'] or 'none'}, " \
                     f"removed {event['removed'] or 'none'}"
            return self.record(msg, "restricted reload", event["file"], result,
                               ControlDone("restricted reload", event["file"], detail=result))
        if isinstance(msg, Kill):
            if msg.release:
                was = risk.states.get("global", None)
                self.out.persist(risk.set_state("global", None, ACTIVE, reason=msg.reason, by=msg.operator))
                self._clear_if_resumed("global", None, was, ACTIVE)
                return self.record(msg, "kill release", "global", ACTIVE,
                                   ControlDone("kill release", "global", state=ACTIVE))
            self.out.persist(risk.set_state("global", None, HALTED, reason=f"kill: {msg.reason}", by=msg.operator))
            self._start(Sweep(self, msg, sender, "kill", "global", self.state.blotter.open_orders()))
            return None
        if isinstance(msg, Flatten):
            def in_book(item: Any) -> bool:
                return msg.book is None or item.account == msg.book
            orders = [o for o in self.state.blotter.open_orders() if in_book(o)]
            self._start(Sweep(self, msg, sender, "flatten", msg.book or "all", orders, closes=in_book))
            return None
        if isinstance(msg, StopLoss):
            def of_strategy(item: Any) -> bool:
                return item.strategy == msg.strategy
            self.out.persist(risk.set_state("strategy", msg.strategy, REDUCING, reason=msg.reason, by=msg.operator))
            orders = [o for o in self.state.blotter.open_orders() if of_strategy(o)]
            self._start(Sweep(self, msg, sender, "stop loss", msg.strategy, orders, closes=of_strategy))
            return None
        raise TypeError(f"not a control: {type(msg).__name__}")

    def _clear_if_resumed(self, scope: str, target: str | None, was: str | None, now: str | None) -> None:
        """An operator lifted a halt: the alerts that said so are over."""
        if scope == "global" and was == HALTED and now != HALTED:
            self.out.clear_alert(KILL_SWITCH_PULLED)
        elif scope == "strategy" and was in (HALTED, REDUCING) and now == ACTIVE:
            self.out.clear_alert(STRATEGY_HALTED, strategy=target)
            self.out.clear_alert(STOP_LOSS_HIT, strategy=target)

    def _limits_done(self, msg: Any, action: str, target: str, event: dict[str, Any]) -> ControlDone:
        result = "; ".join(f"{c['setting']}: {_show(c['old'])} -> {_show(c['new'])}" for c in event["changes"]) \
            or "no change"
        return self.record(msg, action, target, result, ControlDone(action, target, detail=result))

    def record(self, msg: Any, action: str, target: str, result: str, done: ControlDone | None = None) -> Any:
        self.out.persist(audit_event(operator=msg.operator, action=action, target=target, reason=msg.reason,
                                     result=result, at_ns=self.clock.now_ns()))
        return done

    # ---- sweeps -----------------------------------------------------------------------
    def _start(self, sweep: Sweep) -> None:
        self.sweeps.append(sweep)
        self.progress()

    def progress(self) -> None:
        """Move every sweep on; one that is done answers its operator."""
        if self._moving:  # a sweep's own cancel came straight back (not sent): moved on once this step ends
            self._again = True
            return
        self._moving = self._again = True
        try:
            while self._again:
                self._again = False
                for sweep in list(self.sweeps):
                    if sweep.step():
                        self.sweeps.remove(sweep)
                        done = sweep.done()
                        self.record(sweep.msg, sweep.action, sweep.target, sweep.summary(), None)
                        if sweep.action == "kill":  # on-call hears of it (runbooks/kill-switch-pulled.md)
                            self.out.alert(KILL_SWITCH_PULLED, operator=sweep.msg.operator,
                                           reason=sweep.msg.reason, cancelled=list(done.cancelled),
                                           failed=list(done.failed))
                        self.out.reply(sweep.sender, done)
        finally:
            self._moving = False


class Sweep:
    """Cancel `orders`; then, for a flatten or a stop-loss, close the positions `closes` picks."""

    def __init__(self, controls: Controls, msg: Any, sender: Any, action: str, target: str, orders: list[Any],
                 closes: Callable[[Any], bool] | None = None) -> None:
        self.controls, self.msg, self.sender, self.action, self.target = controls, msg, sender, action, target
        self.closes = closes
        self.to_cancel = {o.cl_ord_id: "" for o in orders}
        """ClOrdID -> "" (a cancel to send) or "sent"."""
        self.errors: dict[str, str] = {}
        self.cancelled: list[str] = []
        self.failed: list[dict[str, Any]] = []
        self.closing: list[str] = []
        self.closed = False
        self.deadline = controls.clock.monotonic() + controls.settle_s

    def step(self) -> bool:
        """True once there is nothing left to wait for."""
        late = self.controls.clock.monotonic() >= self.deadline
        self._cancels(late)
        if self.to_cancel:
            return False
        if self.closes is not None and not self.closed:
            self.closed = True
            self._close_positions()
            self.deadline = self.controls.clock.monotonic() + self.controls.settle_s
            late = False
        working = [c for c in self.closing if self.controls.state.blotter.get(c).is_open]
        if working and not late:
            return False
        for cl_ord_id in working:
            self.failed.append({"what": cl_ord_id, "reason": f"closing order still working after "
                                                              f"{self.controls.settle_s:g} s"})
        return True

    def _cancels(self, late: bool) -> None:
        blotter, entry = self.controls.state.blotter, self.controls.entry
        for cl_ord_id, sent in list(self.to_cancel.items()):
            order = blotter.get(cl_ord_id)
            if not order.is_open:
                del self.to_cancel[cl_ord_id]
                if order.status is OrdStatus.FILLED:
                    self.failed.append({"what": cl_ord_id, "reason": "filled before its cancel"})
                else:
                    self.cancelled.append(cl_ord_id)
            elif late:
                del self.to_cancel[cl_ord_id]
                why = self.errors.get(cl_ord_id) or "no answer from the venue"
                self.failed.append({"what": cl_ord_id, "reason": f"{why} (after {self.controls.settle_s:g} s)"})
            elif order.status is OrdStatus.PENDING_CANCEL:
                self.to_cancel[cl_ord_id] = "sent"
            elif sent:  # was pending cancel, is working again: the venue refused, or it never got there
                del self.to_cancel[cl_ord_id]
                self.failed.append({"what": cl_ord_id, "reason": order.reason or "cancel refused"})
            else:
                try:
                    entry.cancel(CancelOrder(cl_ord_id))
                    self.to_cancel[cl_ord_id] = "sent"
                except Refused as err:  # e.g. a replace pending: tried again at the next step
                    self.errors[cl_ord_id] = str(err)

    def _close_positions(self) -> None:
        entry = self.controls.entry
        for p in list(self.controls.state.positions):
            if not p.qty or not self.closes(p):
                continue
            side = "sell" if p.qty > 0 else "buy"
            what = f"{side} {abs(p.qty)} {p.symbol} for {p.strategy} in {p.account}"
            try:
                accepted = entry.place(SubmitOrder(p.symbol, side, str(abs(p.qty)), None, "market", "IOC",
                                                   strategy=p.strategy, account=p.account), closing=True)
            except Refused as err:
                self.failed.append({"what": what, "reason": str(err)})
            else:
                self.closing.append(accepted.cl_ord_id)

    def done(self) -> ControlDone:
        blotter = self.controls.state.blotter
        sent = tuple({"cl_ord_id": c, "symbol": o.symbol, "side": o.side.label, "qty": str(o.qty),
                      "status": o.status.label, "cum_qty": str(o.cum_qty)}
                     for c in self.closing for o in (blotter.get(c),))
        if self.closes is not None:
            for p in self.controls.state.positions:
                if p.qty and self.closes(p) and \
                        not any(f["what"].endswith(f"{p.symbol} for {p.strategy} in {p.account}") for f in self.failed):
                    self.failed.append({"what": f"{p.symbol} for {p.strategy} in {p.account}",
                                        "reason": f"position still {_qty(p.qty)} after its closing order"})
        state = self.controls.risk.states.get("global") if self.action == "kill" else None
        return ControlDone(self.action, self.target, state=state, cancelled=tuple(self.cancelled), sent=sent,
                           failed=tuple(self.failed))

    def summary(self) -> str:
        head = "HALTED; " if self.action == "kill" else ""
        return f"{head}{len(self.cancelled)} cancelled, {len(self.closing)} closing orders sent, " \
               f"{len(self.failed)} failed"


def _named(msg: Any) -> tuple[str, str]:
    """The action and its target as the audit trail names them."""
    if isinstance(msg, SetTradingState):
        verb = _VERBS.get(str(msg.state).upper(), f"set {msg.state}")
        return f"{msg.scope} {verb}", _target(msg.scope, msg.target)
    if isinstance(msg, SetLimits):
        return "limits set", _target(msg.scope, msg.target)
    if isinstance(msg, Kill):
        return ("kill release" if msg.release else "kill"), "global"
    if isinstance(msg, Flatten):
        return "flatten", msg.book or "all"
    if isinstance(msg, StopLoss):
        return "stop loss", msg.strategy
    return {ResetLimits: "limits reset", ReloadRestrictedList: "restricted reload"}[type(msg)], "all"


def _target(scope: str, target: str | None) -> str:
    return "global" if scope == "global" else f"{scope} {target}" if scope not in ("strategy", "book") else \
        str(target)


def _show(value: Any) -> str:
    return num(value) if isinstance(value, float) else "off" if value is None else str(value)


def _qty(value: Decimal) -> str:
    return format(value.normalize(), "f")
