"""One FIX session to a broker or venue: commands from the OMS out as FIX, the venue's messages back in.

The session's link comes from the runner (vigil.fix.link): live, a QuickFIX initiator, whose
callbacks only queue (vigil.fix.bridge) while this component's loop, woken through a watched pipe,
does the work, so nothing is ever sent to another actor from a QuickFIX thread; sequence numbers
live in QuickFIX's file store under the run directory and survive a restart, and QuickFIX
reconnects by itself every reconnect_s. In one process the link is a loopback to the venue.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from datetime import timedelta
from typing import Any

import quickfix as fix

from actors.broker import codec
from actors.broker.config import BrokerSessionConfig
from vigil import telemetry
from vigil.component import Component, Refused
from vigil.fix.bridge import FixEvent
from vigil.fix.fields import fields_of
from vigil.fix.link import FixLink, LinkDown
from vigil.lifecycle import State
from vocabulary import roles
from vocabulary.alerts import FIX_SESSION_DOWN
from vocabulary.metrics import FIX_LOGGED_ON, FIX_LOGONS, FIX_REJECTS, FIX_RESENDS, FIX_SEQ
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

TRACES_KEPT = 10_000
_NAMES = {"8": "ExecutionReport", "9": "OrderCancelReject", "3": "Reject", "j": "BusinessMessageReject",
          "f": "SecurityStatus"}
_TRADING_STATUS = {"2": True, "3": False, "17": False}  # SecurityTradingStatus: halt; resume, ready to trade


METRICS_EVERY = timedelta(seconds=2)


class BrokerSession(Component):
    role = roles.BROKER_SESSION
    config_class = BrokerSessionConfig
    fast_lane = True

    def on_start(self, config: BrokerSessionConfig) -> None:
        self.cfg = config.session()
        self.reconcile = config.reconcile_mode
        self.oms_id = config.oms
        self.fix_log = config.fix_log
        self.logged_on = False
        self.last_logon = ""
        self.last_error = ""
        self.session: str | None = None
        """The FIX session's name (BeginString:Sender->Target) once the link has created it."""
        self.link: FixLink | None = None
        # ClOrdID -> traceparent of the request that sent it: the venue's answer continues that trace
        self.traces: OrderedDict[str, str] = OrderedDict()

    def on_running(self) -> None:
        self.link = self.runtime.fix_link("initiator", [self.cfg], self.run_dir / "fix" / self.id, log=self.fix_log)
        self.link.start()
        self.set_state(State.DEGRADED)  # until logged on
        self.alert(FIX_SESSION_DOWN, session=self.id, reason="not logged on since it started")
        # A restarted session may have lost commands in its mailbox: the OMS must reconcile at logon
        self._tell_oms(self.status())
        self.gauge(FIX_LOGGED_ON, 0, session=self.id)
        self.wakeup_after(METRICS_EVERY, "metrics")

    def on_wakeup(self, payload: Any) -> None:
        if payload == "metrics":
            self._count_seq()
            self.wakeup_after(METRICS_EVERY, "metrics")

    def on_stop(self) -> None:
        if self.link is not None:
            self.link.stop()  # before the interpreter exits, or QuickFIX may crash it
            self.link = None

    def watched_fds(self) -> list[int]:
        return self.link.fds if self.link else []

    # ---- from the venue ----------------------------------------------------
    def on_ready_fds(self, fds: list[int]) -> None:
        for event in self.link.drain():
            self._on_fix(event)

    def _on_fix(self, event: FixEvent) -> None:
        if event.kind == "created":
            self.session = event.session
        elif event.kind in ("logon", "logout"):
            self.logged_on = event.kind == "logon"
            if self.logged_on:
                self.last_logon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.clock.now_ns() / 1e9))
            self.set_state(State.RUNNING if self.logged_on else State.DEGRADED)
            self.gauge(FIX_LOGGED_ON, int(self.logged_on), session=self.id)
            self._count_seq()
            if self.logged_on:
                self.count(FIX_LOGONS, session=self.id)
                self.clear_alert(FIX_SESSION_DOWN, session=self.id)
            else:
                why = f"logged out: {self.last_error or 'no reason given'}"
                self.alert(FIX_SESSION_DOWN, session=self.id, reason=why)
            self._tell_oms(self.status())
        elif event.kind == "resend":
            self.count(FIX_RESENDS, session=self.id, direction=event.raw)
        elif event.kind == "logout_text" or event.kind == "error":
            self.last_error = event.raw
        elif event.kind in ("app", "reject"):
            self._from_venue(event.raw, event.at_ns)

    def _from_venue(self, raw: str, at_ns: int) -> None:
        m = fields_of(raw)
        msg_type = m.get(35, "")
        ref = m.get(45, "")
        original = self.link.sent(self.session, int(ref)) if msg_type in ("3", "j") and ref.isdigit() else {}
        cl_ord_id = m.get(11) or original.get(11, "")
        with telemetry.span(_NAMES.get(msg_type, f"FIX {msg_type}"), self.traces.get(cl_ord_id), start_ns=at_ns,
                            **{"vigil.actor": self.path, "fix.cl_ord_id": cl_ord_id,
                               "fix.exec_type": m.get(150, ""), "fix.ord_status": m.get(39, "")}):
            self._decode(m, msg_type, original)

    def _decode(self, m: dict[int, str], msg_type: str, original: dict[int, str]) -> None:
        if msg_type == "8":
            self._tell_oms(FromVenue(self.id, codec.execution_report(m), m.get(584) or None,
                                     m.get(912) == "Y"))
        elif msg_type == "9":
            self._tell_oms(FromVenue(self.id, codec.cancel_reject(m)))
        elif msg_type in ("3", "j"):
            self.count(FIX_REJECTS, session=self.id, type=_NAMES[msg_type])
            reject = codec.venue_reject(m, original)
            self.last_error = reject.message
            self._tell_oms(FromVenue(self.id, reject))
        elif msg_type == "f" and m.get(326) in _TRADING_STATUS:
            self._tell_oms(TradingStatus(self.id, m.get(55, ""), _TRADING_STATUS[m[326]], m.get(58, "")))

    def _count_seq(self) -> None:
        status = self.status()
        self.gauge(FIX_SEQ, status.next_sender_seq, session=self.id, direction="out")
        self.gauge(FIX_SEQ, status.next_target_seq, session=self.id, direction="in")

    def _tell_oms(self, msg: Any) -> None:
        try:
            self.tell(self.address_of(self.oms_id), msg)
        except Refused as why:
            self.last_error = f"cannot reach the OMS: {why}"

    # ---- from the OMS ------------------------------------------------------
    def on_message(self, msg: Any, sender: Any) -> None:
        if isinstance(msg, NewOrderSingle):
            telemetry.annotate(**{"fix.cl_ord_id": msg.cl_ord_id, "vigil.symbol": msg.symbol})
            self._send(codec.new_order_single(msg, self.cfg.begin_string), msg.cl_ord_id, sender)
        elif isinstance(msg, OrderCancelRequest):
            self._send(codec.cancel_request(msg), msg.cl_ord_id, sender)
        elif isinstance(msg, OrderCancelReplaceRequest):
            self._send(codec.replace_request(msg, self.cfg.begin_string), msg.cl_ord_id, sender)
        elif isinstance(msg, OrderStatusRequest):
            self._send(codec.status_request(msg), msg.cl_ord_id, sender)
        elif isinstance(msg, OrderMassStatusRequest):
            if self.cfg.begin_string == codec.FIX42:  # no OrderMassStatusRequest before FIX 4.3
                self.reply(sender, NotSent(self.id, msg.req_id, "FIX 4.2 has no OrderMassStatusRequest"))
            else:
                self._send(codec.mass_status_request(msg.req_id), msg.req_id, sender)
        elif isinstance(msg, GetSessionStatus):
            self.reply(sender, self.status())
        else:
            super().on_message(msg, sender)

    def _send(self, message: fix.Message, cl_ord_id: str, sender: Any) -> None:
        if not self.logged_on or self.session is None:
            self.reply(sender, NotSent(self.id, cl_ord_id, f"session {self.id} is not logged on"))
            return
        try:
            self.link.send(self.session, message)
        except LinkDown as exc:
            self.reply(sender, NotSent(self.id, cl_ord_id, f"session {self.id}: {exc}"))
            return
        traceparent = telemetry.current_traceparent()
        if traceparent:
            self.traces[cl_ord_id] = traceparent
            while len(self.traces) > TRACES_KEPT:
                self.traces.popitem(last=False)

    def status(self) -> SessionStatus:
        next_out, next_in = self.link.seq_numbers(self.session) if self.link and self.session else (0, 0)
        return SessionStatus(
            session=self.id, logged_on=self.logged_on, begin_string=self.cfg.begin_string,
            sender_comp_id=self.cfg.sender_comp_id, target_comp_id=self.cfg.target_comp_id, host=self.cfg.host,
            port=self.cfg.port, next_sender_seq=next_out, next_target_seq=next_in, last_logon=self.last_logon,
            last_error=self.last_error, reconcile=self.reconcile)
