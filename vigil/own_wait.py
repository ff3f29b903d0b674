"""An actor waiting on its own fds between Thespian's turns: the order path off Thespian's loop.

A wake-up through Thespian's loop (multiprocTCPBase) builds and tears down a selector, walks every
socket's bookkeeping, and identifies and dispatches an envelope before the actor sees its fd; on the
order path that was 20-40% of each actor's CPU (py-spy), run cold after every pause. Actors there are
woken mostly by their own fds (a lane, market data, QuickFIX's pipe), so after a turn on them an actor
waits on them itself, with Thespian's sockets in the same poll: the moment Thespian has anything to do
(a message or a connection on its sockets, a signal's self-connect, a send in progress, a timer due) the
actor returns and Thespian takes its turn as before. At the latest after MAX_WAIT_S it returns anyway.

This reads the internals of thespian 4.0's TCPTransport; with any other transport it stays off.
"""
from __future__ import annotations

import select
from collections.abc import Callable
from typing import Any

MAX_WAIT_S = 1.0
_ATTRS = ("socket", "_incomingSockets", "_transmitIntents", "_waitingTransmits", "_incomingEnvelopes",
          "_finished_intents", "_pendingWakeups", "_activeWakeups", "_checkChildren", "_shutdownSignalled")


class OwnWait:
    def __init__(self, transport: Any) -> None:
        self._t = transport

    @classmethod
    def of(cls, actor: Any) -> OwnWait | None:
        """For a Thespian actor in its own process; None where the transport is not the one this knows."""
        transport = getattr(getattr(actor, "_myRef", None), "transport", None)
        if transport is None or not all(hasattr(transport, name) for name in _ATTRS):
            return None
        return cls(transport)

    def serve(self, own_fds: Callable[[], list[int]], turn: Callable[[list[int]], bool]) -> None:
        """Wait on `own_fds()` and hand what is ready to `turn` (False: stop), until Thespian has work."""
        while not self._thespian_busy():
            mine = own_fds()
            timeout_s = self._timeout_s()
            if not mine or timeout_s <= 0:
                return
            theirs = self._thespian_fds()
            poller = select.poll()
            for fd in mine:
                poller.register(fd, select.POLLIN)
            for fd in theirs:
                poller.register(fd, select.POLLIN)
            events = poller.poll(timeout_s * 1000)
            if not events or any(fd in theirs or flags & select.POLLNVAL for fd, flags in events):
                return  # Thespian's turn (a bad fd of ours too: Thespian drops a watch that went bad)
            if not turn([fd for fd, _ in events]):
                return

    def _thespian_busy(self) -> bool:
        t = self._t
        return bool(t._incomingEnvelopes or t._transmitIntents or t._waitingTransmits or t._finished_intents
                    or t._activeWakeups or t._checkChildren or t._shutdownSignalled or hasattr(t, "_aborting_run"))

    def _thespian_fds(self) -> set[int]:
        t = self._t
        fds = {t.socket.fileno(), *t._incomingSockets}
        for open_socket in getattr(t, "_openSockets", {}).values():
            sock = getattr(open_socket, "socket", None)
            if sock is not None and sock.fileno() >= 0:
                fds.add(sock.fileno())
        return fds

    def _timeout_s(self) -> float:
        pending = self._t._pendingWakeups
        if not pending:
            return MAX_WAIT_S
        return min(MAX_WAIT_S, max(0.0, pending[0][0].view().remainingSeconds()))
