"""Halts and corporate actions at the OMS: operators' and venues' halts, splits and dividends applied once
at their effective time to positions and open orders (the state they build is reference_state.py).

A halt stops new orders and replaces in a symbol (cancels still go through); a venue's resume lifts
only a venue's halt. A corporate action is applied once (by id) when the clock passes its effective
time, and each open order of its symbol is then adjusted by policy (a cancel/replace on the new
terms, or a cancel) as soon as its session is up and the order settled; an order the adjustment makes
bolder (a sell lowered by a split) waits until our orders on the other side are on the new terms, or
it would trade with one of them. An adjustment that cannot be made leaves the order on its old terms,
with an alert: it is never tried twice.
"""
from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

from actors.oms.effects import Effects
from actors.oms.entry import OrderEntry
from actors.oms.reconciliation import Sessions
from actors.oms.reference_state import CA_ORDER, CA_REFUSED, CORPORATE_ACTION, HALT, RESUME, plan
from actors.oms.state import OmsState
from vigil.clock import Clock
from vigil.component import Refused
from vigil.corporate_actions import CorporateAction, load_actions
from vigil.messages import Done
from vigil.reference import Instrument, ReferenceDataError
from vocabulary.alerts import CORPORATE_ACTION_NOT_APPLIED
from vocabulary.fix_codes import OrdStatus
from vocabulary.oms import GetCorporateActions, GetHalts, HaltSymbol, Listing, ReloadCorporateActions, ResumeSymbol
from vocabulary.orders import CancelOrder, ReplaceOrder
from vocabulary.sessions import TradingStatus

log = logging.getLogger("vigil.oms")
COMMANDS = (HaltSymbol, ResumeSymbol, GetHalts, GetCorporateActions, ReloadCorporateActions)


class ReferenceDesk:
    def __init__(self, state: OmsState, sessions: Sessions, entry: OrderEntry, out: Effects, clock: Clock, *,
                 instruments: dict[str, Instrument], actions_file: Path, actions: tuple[CorporateAction, ...],
                 policy: str) -> None:
        self.state, self.sessions, self.entry, self.out, self.clock = state, sessions, entry, out, clock
        self.instruments, self.actions_file, self.actions, self.policy = instruments, actions_file, actions, policy
        self.next_action_ns = 0
        """When the next action not applied yet takes effect: check at once."""

    # ---- operators -----------------------------------------------------------
    def command(self, msg: Any) -> Any:
        """The answer to one of COMMANDS; Refused for a bad one."""
        reference = self.state.reference
        if isinstance(msg, (HaltSymbol, ResumeSymbol)):
            if msg.symbol not in self.instruments:
                raise Refused(f"unknown symbol {msg.symbol!r}: not in the symbol master")
            if isinstance(msg, HaltSymbol):
                if not str(msg.reason).strip():
                    raise Refused("a halt needs a reason")
                self._halt(msg.symbol, msg.reason, by="operator")
            elif reference.halted(msg.symbol) is None:
                raise Refused(f"{msg.symbol} is not halted")
            else:
                self._resume(msg.symbol)
            return Done()
        if isinstance(msg, GetHalts):
            return Listing(tuple({"symbol": s, "reason": h["reason"], "by": h["by"], "since_ns": h["at_ns"]}
                                 for s, h in sorted(reference.halts.items())))
        if isinstance(msg, ReloadCorporateActions):
            try:
                self.actions = load_actions(self.actions_file, self.instruments)
            except ReferenceDataError as err:
                raise Refused(f"kept the {len(self.actions)} action(s) loaded before: {err}") from None
            self.due()
            return Done()
        return Listing(tuple(self._action_row(a) for a in self._known_actions()))

    def venue_trading_status(self, msg: TradingStatus) -> None:
        """A venue's halt stops our orders before they reach it; its resume lifts only a venue's halt
        (an operator's halt stays until the operator resumes). Every session repeats it: once is enough."""
        halt = self.state.reference.halts.get(msg.symbol)
        if msg.halted and halt is None:
            self._halt(msg.symbol, f"venue halt on {msg.session}: {msg.text}".rstrip(": "), by="venue")
        elif not msg.halted and halt is not None and halt["by"] == "venue":
            self._resume(msg.symbol)

    def _halt(self, symbol: str, reason: str, by: str) -> None:
        self.out.persist({"event": HALT, "symbol": symbol, "reason": reason, "by": by, "at_ns": self.clock.now_ns()})
        self.out.event("halt", symbol=symbol, reason=reason, by=by)

    def _resume(self, symbol: str) -> None:
        self.out.persist({"event": RESUME, "symbol": symbol, "at_ns": self.clock.now_ns()})
        self.out.event("resume", symbol=symbol)

    def _known_actions(self) -> list[CorporateAction]:
        known = {a.id: a for a in self.actions}
        known.update(self.state.reference.applied)  # as applied, even if the file has changed since
        return sorted(known.values(), key=lambda a: (a.effective_ns, a.id))

    def _action_row(self, action: CorporateAction) -> dict:
        reference = self.state.reference
        waiting = sorted(c for c, ids in reference.pending.items() if action.id in ids)
        applied_at = reference.applied_at.get(action.id)
        return {**action.to_dict(), "status": "pending" if applied_at is None else "applied",
                "applied_at_ns": applied_at, "orders_waiting": waiting,
                "orders_refused": dict(sorted(reference.refused.get(action.id, {}).items()))}

    # ---- corporate actions ------------------------------------------------------
    def due_before_new_order(self) -> None:
        """A new order is in post-action terms: an action due now applies before it, so it is never adjusted."""
        if self.clock.now_ns() >= self.next_action_ns:
            self.due()

    def due(self) -> None:
        """Apply every action whose time has come, once; then adjust the open orders waiting on one."""
        now, reference = self.clock.now_ns(), self.state.reference
        self.next_action_ns = next((a.effective_ns for a in self.actions if a.id not in reference.applied
                                    and a.effective_ns > now), 2**63)
        for action in self.actions:
            if action.effective_ns > now:
                break
            if action.id not in reference.applied:
                self.out.persist({"event": CORPORATE_ACTION, "action": action.to_dict(), "at_ns": now})
                orders = sum(action.id in ids for ids in reference.pending.values())
                self.out.event("corporate_action", id=action.id, symbol=action.symbol, action=action.describe(),
                               open_orders=str(orders), policy=self.policy)
        for bold in (False, True):  # what makes an order less aggressive goes first (see _adjust)
            waiting = self._waiting() if bold else None
            for cl_ord_id, action_ids in list(reference.pending.items()):
                self._adjust(cl_ord_id, reference.applied[action_ids[0]], waiting)

    def _adjust(self, cl_ord_id: str, action: CorporateAction, waiting: set | None) -> None:
        """waiting: None on the first pass (no bolder adjustment goes yet), else what _waiting found: a bolder
        adjustment goes only when nothing on the other side of its symbol is in it."""
        order = self.state.blotter.find(cl_ord_id)
        if order is None or not order.is_open:
            self.out.persist({"event": CA_ORDER, "cl_ord_id": cl_ord_id, "action": action.id, "outcome": "closed"})
            return
        if order.session not in self.sessions.up or order.pending or order.uncertain \
                or order.status is OrdStatus.PENDING_NEW:
            return  # the venue must hear of it: try again on the next check
        adjustment = plan(order, action, self.policy, self.instruments[order.symbol])
        other = (order.symbol, -order.side.sign)
        if adjustment.bolder and (waiting is None or (*other, action.id) in waiting or (*other, None) in waiting):
            # A sell lowered to post-split terms beside our buy still on pre-split terms would trade with it
            return
        request_id = self.state.ids.next() if adjustment.outcome in ("cancel", "replace") else None
        # Logged before the request: after a crash in between the order is not adjusted twice.
        self.out.persist({"event": CA_ORDER, "cl_ord_id": cl_ord_id, "action": action.id,
                          "outcome": adjustment.outcome, "qty": _text(adjustment.qty),
                          "price": _text(adjustment.price), "request": request_id})
        try:
            if adjustment.outcome == "cancel":
                self.entry.cancel(CancelOrder(order.cl_ord_id), request_id)
            elif adjustment.outcome == "replace":
                self.entry.replace(ReplaceOrder(order.cl_ord_id, str(adjustment.qty), _text(adjustment.price)),
                                   request_id)
        except Refused as why:
            self.refused(cl_ord_id, action.id, str(why))

    def _waiting(self) -> set[tuple[str, int, str | None]]:
        """(symbol, side's sign, action id) of our open orders still waiting on an action, and (symbol, sign,
        None) of those waiting on the venue's answer to an adjustment."""
        reference, find = self.state.reference, self.state.blotter.find
        waiting: set[tuple[str, int, str | None]] = set()
        for cl_ord_id, action_ids in reference.pending.items():
            if (order := find(cl_ord_id)) is not None and order.is_open:
                waiting.update((order.symbol, order.side.sign, a) for a in action_ids)
        for cl_ord_id, _ in reference.requests.values():
            if (order := find(cl_ord_id)) is not None and order.is_open:
                waiting.add((order.symbol, order.side.sign, None))
        return waiting

    def adjusting(self, cl_ord_id: str | None) -> tuple[str, str] | None:
        """(order, action) when `cl_ord_id` is the request of an adjustment still waiting for its answer."""
        return self.state.reference.requests.get(cl_ord_id) if cl_ord_id else None

    def refused(self, cl_ord_id: str, action_id: str, why: str) -> None:
        """The order stays on its old terms, and somebody must look at it: it is not tried again (an order
        is never adjusted twice)."""
        self.out.persist({"event": CA_REFUSED, "cl_ord_id": cl_ord_id, "action": action_id, "reason": why})
        log.warning("corporate action %s: order %s was not adjusted: %s", action_id, cl_ord_id, why)
        self.out.alert(CORPORATE_ACTION_NOT_APPLIED, order=cl_ord_id, action=action_id, reason=why)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
