"""Which broker sessions take new orders, and reconciling a session before it does.

A session that logs out, or restarts, leaves the OMS not knowing what became of its open orders:
they are marked uncertain, and nothing is resent. At the next logon the OMS asks the venue, the
way the session's `reconcile` setting says (SessionStatus.reconcile):

    mass_status   one OrderMassStatusRequest (35=AF); done at its last report (912=Y)
    per_order     one OrderStatusRequest (35=H) per open order the OMS knows for that session;
                  done when none is uncertain any more (none known: nothing to ask, done at once)

Reconciliation always ends, because many counterparties do not support 35=AF: a mass status that
is refused (a BusinessMessageReject or a session Reject citing it) or not answered within the
bound falls back to per_order for that session, with an alert saying which fallback was taken;
per-order answers that do not all come within the bound end it too, the unanswered orders left
uncertain, with an alert naming them. Only a session up (logged on and reconciled) takes orders.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from actors.oms.effects import Effects
from actors.oms.router import NoRoute, Route, pick
from actors.oms.state import OmsState
from vigil.component import Refused
from vocabulary.alerts import RECONCILE_FALLBACK, RECONCILE_INCOMPLETE
from vocabulary.rejects import VenueReject
from vocabulary.sessions import FromVenue, OrderMassStatusRequest, OrderStatusRequest, SessionStatus

MASS_STATUS, PER_ORDER = "mass_status", "per_order"


@dataclass
class _Reconciling:
    req_id: str
    mode: str


@dataclass
class Sessions:
    """The sessions an order may go to, and which of them take orders now."""

    routes: list[Route]
    up: set[str] = field(default_factory=set)
    """Logged on and reconciled: may take new orders."""
    reconciling: dict[str, _Reconciling] = field(default_factory=dict)

    def route(self, session: str | None, symbol: str, side: str) -> str:
        """The session a new order goes to: the one asked for, or the router's pick; Refused saying why none."""
        names = [r.session for r in self.routes]
        if session is not None and session not in names:
            raise Refused(f"unknown session {session!r} (sessions: {', '.join(names)})")
        if session in self.up:
            return session
        try:
            return pick([r for r in self.routes if session in (None, r.session)], symbol, side, self.up,
                        reconciling=set(self.reconciling))
        except NoRoute as why:
            raise Refused(str(why)) from None

    def rows(self) -> tuple[dict[str, Any], ...]:
        return tuple({"session": r.session, "up": r.session in self.up, "reconciling": r.session in self.reconciling,
                      "reconcile": self.reconciling[r.session].mode if r.session in self.reconciling else None}
                     for r in self.routes)


class Reconciliation:
    def __init__(self, state: OmsState, sessions: Sessions, out: Effects, timeout_s: float) -> None:
        self.state, self.sessions, self.out = state, sessions, out
        self.timeout_s = timeout_s
        self.modes: dict[str, str] = {}
        """session -> how it reconciles, as it says (SessionStatus.reconcile)."""
        self.fallen_back: dict[str, str] = {}
        """session -> why its mass status was given up: it reconciles per order from then on."""

    def session_status(self, status: SessionStatus) -> None:
        session, sessions = status.session, self.sessions
        self.modes[session] = status.reconcile
        if not status.logged_on:
            sessions.up.discard(session)
            sessions.reconciling.pop(session, None)
            open_orders = self.state.blotter.open_orders(session)
            if open_orders and not all(o.uncertain for o in open_orders):
                self.out.persist(self.state.blotter.mark_uncertain(session, f"session {session} down"))
        elif session not in sessions.up and session not in sessions.reconciling:
            per_order = self.modes[session] == PER_ORDER or session in self.fallen_back
            self._begin(session, PER_ORDER if per_order else MASS_STATUS)

    def from_venue(self, msg: FromVenue) -> None:
        """After the venue's message is applied: does it finish (or defeat) a reconciliation?"""
        doing = self.sessions.reconciling.get(msg.session)
        if doing is None:
            return
        record = msg.record
        if doing.mode == MASS_STATUS:
            if msg.mass_status_req_id == doing.req_id and msg.last_of_mass_status:
                self._done(msg.session)
            elif isinstance(record, VenueReject) and record.ref_msg_type == "AF":
                self._fall_back(msg.session, f"OrderMassStatusRequest refused: {record.message}")
        elif not self._uncertain(msg.session):
            self._done(msg.session)

    def on_timer(self, session: str, req_id: str) -> None:
        doing = self.sessions.reconciling.get(session)
        if doing is None or doing.req_id != req_id:
            return  # finished in time
        if doing.mode == MASS_STATUS:
            self._fall_back(session, f"no answer to OrderMassStatusRequest within {self.timeout_s:g} s")
            return
        unanswered = sorted(o.cl_ord_id for o in self._uncertain(session))
        self.out.alert(RECONCILE_INCOMPLETE, session=session, orders=", ".join(unanswered),
                       reason=f"no status within {self.timeout_s:g} s for {len(unanswered)} order(s): they stay "
                              f"uncertain; the session takes orders again")
        self._done(session)

    def _begin(self, session: str, mode: str) -> None:
        req_id = f"{self.state.ids.next()}-{'MS' if mode == MASS_STATUS else 'OS'}"
        self.sessions.reconciling[session] = _Reconciling(req_id, mode)
        if mode == MASS_STATUS:
            self.out.send(session, OrderMassStatusRequest(req_id))
        else:
            open_orders = self.state.blotter.open_orders(session)
            for order in open_orders:
                self.out.send(session, _status_request(order))
            if not open_orders:  # nothing to ask: the session is reconciled
                self._done(session)
                return
        self.out.wakeup_after(timedelta(seconds=self.timeout_s), ("reconcile", session, req_id))

    def _fall_back(self, session: str, why: str) -> None:
        self.fallen_back[session] = why
        self.out.alert(RECONCILE_FALLBACK, session=session, fallback=PER_ORDER, reason=why)
        self._begin(session, PER_ORDER)

    def _done(self, session: str) -> None:
        self.sessions.reconciling.pop(session, None)
        for order in self._uncertain(session):  # open here, not mentioned by the venue: ask about it alone
            self.out.send(session, _status_request(order))
        self.sessions.up.add(session)

    def _uncertain(self, session: str) -> list[Any]:
        return [o for o in self.state.blotter.open_orders(session) if o.uncertain]


def _status_request(order: Any) -> OrderStatusRequest:
    return OrderStatusRequest(order.cl_ord_id, order.order_id, order.symbol, order.side.value)
