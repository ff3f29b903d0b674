"""One end of FIX sessions, as a broker session or the simulated venue sees them: events in, messages out.

Components never hold QuickFIX objects: their runner gives them a link. Live it is a `QuickFixLink`
(a QuickFIX initiator or acceptor over TCP, its callbacks queued by vigil.fix.bridge and woken
through `fds`); in one process it is vigil.inprocess's loopback, which hands the same messages
to the other end in order, with no socket and no thread. Either way:

    start(), stop()
    fds                      file descriptors to watch; readable when events wait (live)
    drain() -> [FixEvent]    what happened: created, logon, logout, app, reject, logout_text, error
    send(session, message)   a QuickFIX Message on a session named as the events name it
                             (BeginString:Sender->Target); LinkDown when it cannot go
    sent(session, seq)       fields of the application message we sent with that MsgSeqNum
    seq_numbers(session)     (next sender, next target) MsgSeqNum
    sessions                 the names of the sessions created so far
    wake()                   make `fds` readable: the owner is called again (work of its own)
    disconnect(session), skip_sender_seq(session, n)   faults the simulated venue produces
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import quickfix as fix

from vigil.errors import VigilError
from vigil.fix.bridge import FixBridge, FixEvent
from vigil.fix.settings import SessionConfig, write_settings


class LinkDown(VigilError):
    """The session is not there to send on (not created, or not logged on)."""


class FixLink(Protocol):
    fds: list[int]
    sessions: dict

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def drain(self) -> list[FixEvent]: ...
    def send(self, session: str, message: fix.Message) -> None: ...
    def sent(self, session: str, seq_num: int) -> dict[int, str]: ...
    def seq_numbers(self, session: str) -> tuple[int, int]: ...
    def wake(self) -> None: ...
    def disconnect(self, session: str) -> None: ...
    def skip_sender_seq(self, session: str, n: int) -> None: ...


class QuickFixLink:
    """QuickFIX sessions over TCP: an initiator (a broker session) or an acceptor (the simulated venue)."""

    def __init__(self, kind: str, sessions: list[SessionConfig], work_dir: Path, *, log: bool = True,
                 logon_check: Callable[[str], str | None] | None = None) -> None:
        settings = write_settings(kind, sessions, work_dir, log=log)
        self.kind = kind
        self.bridge = FixBridge(logon_check=logon_check)
        self._store = fix.FileStoreFactory(settings)
        self._log = fix.FileLogFactory(settings) if log else None
        make = fix.SocketInitiator if kind == "initiator" else fix.SocketAcceptor
        self._engine = (make(self.bridge, self._store, settings, self._log) if self._log
                        else make(self.bridge, self._store, settings))

    @property
    def fds(self) -> list[int]:
        return [self.bridge.wake_fd]

    @property
    def sessions(self) -> dict[str, fix.SessionID]:
        return self.bridge.sessions

    def start(self) -> None:
        self._engine.start()

    def stop(self) -> None:
        if self._engine is None:
            return
        if self.kind == "acceptor":
            # force: Acceptor::stop closes the listening socket while the acceptor's thread, woken by
            # that, frees it at once if no client is logged on: a race that can segfault (quickfix
            # PR #740). A plain stop first waits until no client is logged on; forced, the clients get
            # their Logout and that thread serves the answers (up to 5 s) while stop finishes closing.
            self._engine.stop(True)
        else:
            self._engine.stop()  # before the interpreter exits, or QuickFIX may crash it
        self._engine = None
        self.bridge.close()

    def drain(self) -> list[FixEvent]:
        return self.bridge.drain()

    def send(self, session: str, message: fix.Message) -> None:
        session_id = self.bridge.sessions.get(session)
        if session_id is None:
            raise LinkDown(f"no FIX session {session}")
        try:
            fix.Session.sendToTarget(message, session_id)
        except fix.SessionNotFound as err:
            raise LinkDown(str(err)) from None

    def sent(self, session: str, seq_num: int) -> dict[int, str]:
        return self.bridge.sent(seq_num)

    def seq_numbers(self, session: str) -> tuple[int, int]:
        live = self._session(session)
        return (live.getExpectedSenderNum(), live.getExpectedTargetNum()) if live else (0, 0)

    def wake(self) -> None:
        self.bridge.wake()

    def disconnect(self, session: str) -> None:
        live = self._session(session)
        if live is not None:
            live.disconnect()

    def skip_sender_seq(self, session: str, n: int) -> None:
        live = self._session(session)
        if live is not None:
            live.setNextSenderMsgSeqNum(live.getExpectedSenderNum() + n)

    def _session(self, session: str) -> fix.Session | None:
        session_id = self.bridge.sessions.get(session)
        return fix.Session.lookupSession(session_id) if session_id is not None else None
