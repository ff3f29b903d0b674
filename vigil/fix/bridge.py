"""QuickFIX callbacks handed to the owner's own loop.

QuickFIX calls back on its own threads, and an exception escaping a
callback ends the whole process. So every callback here is guarded, does
the least it can (copy the message out as text, queue it, wake the owner
through a pipe whose read end the owner watches), and lets only QuickFIX's
own control exceptions (RejectLogon, DoNotSend) through.

The owner takes the events a batch at a time (`drain`): a burst of thousands
worked off in one turn of its loop would keep it from its heartbeats, and its
supervisor would kill it as hung.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

import quickfix as fix

from vigil.fix.fields import fields_of
from vigil.wakeup import WakeupPipe

log = logging.getLogger("vigil.fix")

ORDER_MSG_TYPES = {"D", "F", "G"}  # NewOrderSingle, OrderCancelRequest, OrderCancelReplaceRequest
SENT_KEPT = 10_000
DRAIN_LIMIT = 256  # events per turn of the owner's loop: some 70 ms for the venue with 256 orders


@dataclass(frozen=True)
class FixEvent:
    kind: str
    """created | logon | logout | app | reject | logout_text | error"""
    session: str
    """The QuickFIX SessionID as text (BeginString:Sender->Target)."""
    raw: str = ""
    """The message (app, reject, logout_text) as FIX text; the error for 'error'."""
    at_ns: int = 0
    """When QuickFIX handed it over (epoch ns): the start of its span, queueing included."""


class FixBridge(fix.Application):
    def __init__(self, logon_check: Callable[[str], str | None] | None = None,
                 resend_orders: bool = False) -> None:
        """logon_check(session) returns a refusal text to reject a logon, or None to accept it.
        resend_orders: on a ResendRequest, resend orders too (default: gap-fill them, never resend blindly)."""
        super().__init__()
        self._events: queue.SimpleQueue[FixEvent] = queue.SimpleQueue()
        self._woken = False  # a wake-up is in the pipe and not yet drained: a burst writes it once
        self._pipe = WakeupPipe()
        self._logon_check = logon_check
        self._resend_orders = resend_orders
        self.sessions: dict[str, fix.SessionID] = {}
        self._sent: OrderedDict[int, str] = OrderedDict()  # MsgSeqNum -> text
        self._sent_lock = threading.Lock()

    def sent(self, seq_num: int) -> dict[int, str]:
        """Fields of the application message we sent with this MsgSeqNum (for Rejects that cite it)."""
        with self._sent_lock:
            raw = self._sent.get(seq_num)
        return fields_of(raw) if raw else {}

    @property
    def wake_fd(self) -> int:
        return self._pipe.fd

    def drain(self, limit: int = DRAIN_LIMIT) -> list[FixEvent]:
        """At most `limit` queued events, oldest first. When more wait, the wake fd is left
        readable (a pipe: level-triggered), so the owner is called again for the rest after its
        loop has had a turn. (Not a zero-delay Thespian wake-up: while one is due, Thespian skips
        its select(), heartbeats included.)"""
        self._pipe.clear()
        # After the pipe is emptied and before the queue is read: whatever is queued from now on
        # either is drained below or writes a wake-up of its own
        self._woken = False
        events = []
        while len(events) < limit:
            try:
                events.append(self._events.get_nowait())
            except queue.Empty:
                return events
        if not self._events.empty():
            self.wake()
        return events

    def wake(self) -> None:
        """Make the wake fd readable: the owner is called again, to drain or for work of its own."""
        self._pipe.ring()

    def close(self) -> None:
        self._pipe.close()

    def _push(self, kind: str, session_id: fix.SessionID, raw: str = "") -> None:
        self._events.put(FixEvent(kind, session_id.toString(), raw, time.time_ns()))
        if not self._woken:
            self._woken = True
            self.wake()

    def _guard(self, name: str, session_id: fix.SessionID, action: Callable[[], None]) -> None:
        try:
            action()
        except (fix.RejectLogon, fix.DoNotSend):
            raise
        except Exception as exc:  # noqa: BLE001 - must never reach QuickFIX
            log.exception("FIX %s callback failed", name)
            try:
                self._push("error", session_id, f"{name}: {type(exc).__name__}: {exc}")
            except Exception:  # noqa: BLE001
                pass

    # ---- QuickFIX callbacks ----------------------------------------------
    def onCreate(self, session_id):  # noqa: N802 (QuickFIX names)
        self._guard("onCreate", session_id, lambda: self._created(session_id))

    def _created(self, session_id) -> None:
        self.sessions[session_id.toString()] = session_id
        self._push("created", session_id)

    def onLogon(self, session_id):  # noqa: N802
        self._guard("onLogon", session_id, lambda: self._push("logon", session_id))

    def onLogout(self, session_id):  # noqa: N802
        self._guard("onLogout", session_id, lambda: self._push("logout", session_id))

    def toAdmin(self, message, session_id):  # noqa: N802
        self._guard("toAdmin", session_id, lambda: self._to_admin(message, session_id))

    def _to_admin(self, message, session_id) -> None:
        if message.getHeader().getField(35) == "2":  # a ResendRequest we send: we missed messages
            self._push("resend", session_id, "out")

    def fromAdmin(self, message, session_id):  # noqa: N802
        self._guard("fromAdmin", session_id, lambda: self._from_admin(message, session_id))

    def _from_admin(self, message, session_id) -> None:
        msg_type = message.getHeader().getField(35)
        if msg_type == "A" and self._logon_check is not None:
            refusal = self._logon_check(session_id.toString())
            if refusal:
                raise fix.RejectLogon(refusal)
        elif msg_type == "3":
            self._push("reject", session_id, message.toString())
        elif msg_type == "2":  # the other side missed messages of ours
            self._push("resend", session_id, "in")
        elif msg_type == "5" and message.isSetField(58):
            self._push("logout_text", session_id, message.getField(58))

    def toApp(self, message, session_id):  # noqa: N802
        self._guard("toApp", session_id, lambda: self._to_app(message))

    def _to_app(self, message) -> None:
        header = message.getHeader()
        if (not self._resend_orders and header.isSetField(43) and header.getField(43) == "Y"
                and header.getField(35) in ORDER_MSG_TYPES):
            raise fix.DoNotSend()  # a stale order is reconciled, not replayed: QuickFIX gap-fills it
        # The text, read once; its fields are only looked at if the venue rejects the message
        with self._sent_lock:
            self._sent[int(header.getField(34))] = message.toString()
            while len(self._sent) > SENT_KEPT:
                self._sent.popitem(last=False)

    def fromApp(self, message, session_id):  # noqa: N802
        self._guard("fromApp", session_id, lambda: self._push("app", session_id, message.toString()))

