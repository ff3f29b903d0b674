"""FIX sessions between components of one process: what QuickFIX and TCP carry live, handed over in order.

A broker session's initiator link finds the venue's acceptor link by port, and a session on it by
CompIDs and BeginString, as QuickFIX would; the venue's logon check can refuse it. Once logged on,
each message sent on one end is the other end's next event, as FIX text with its header filled in
(BeginString, CompIDs, MsgSeqNum, SendingTime), so the components decode exactly what they decode
live. A dropped session logs out at both ends and the initiator logs on again after its
reconnect_s, as a QuickFIX initiator does. One difference: what an end sends while its session is
down is refused (LinkDown), where QuickFIX would store it and resend it, marked PossDup, after the
next logon; either way the OMS's reconciliation at that logon learns what it said. The links implement vigil.fix.link's interface; the
in-process runner (vigil.inprocess) owns the network and the clock.
"""
from __future__ import annotations

import time
from collections.abc import Callable

import quickfix as fix

from vigil.clock import Clock
from vigil.fix.bridge import FixEvent
from vigil.fix.fields import fields_of
from vigil.fix.link import LinkDown
from vigil.fix.settings import SessionConfig


def session_name(begin_string: str, sender: str, target: str) -> str:
    """As QuickFIX's SessionID prints: FIX.4.4:VIGIL_A->VENUE."""
    return f"{begin_string}:{sender}->{target}"


class LoopbackNetwork:
    def __init__(self, clock: Clock, later: Callable[[float, Callable[[], None]], None]) -> None:
        """later(seconds, fn): call fn once the clock has moved on by `seconds`."""
        self.clock, self.later = clock, later
        self.acceptors: dict[int, LoopbackLink] = {}

    def link(self, kind: str, sessions: list[SessionConfig], notify: Callable[[], None],
             logon_check: Callable[[str], str | None] | None = None) -> LoopbackLink:
        return LoopbackLink(self, kind, sessions, notify, logon_check)

    def connect(self, link: LoopbackLink, config: SessionConfig) -> None:
        """An initiator's logon attempt; tried again after reconnect_s while it fails."""
        name = session_name(config.begin_string, config.sender_comp_id, config.target_comp_id)
        if not link.started or name in link.peers:
            return
        acceptor = self.acceptors.get(config.port)
        theirs = session_name(config.begin_string, config.target_comp_id, config.sender_comp_id)
        refusal = "no acceptor" if acceptor is None or theirs not in acceptor.sessions else (
            acceptor.logon_check(theirs) if acceptor.logon_check else None)
        if refusal:
            if acceptor is not None and theirs in acceptor.sessions:
                link.push(FixEvent("logout_text", name, refusal, self.clock.now_ns()))
            self.later(config.reconnect_s, lambda: self.connect(link, config))
            return
        link.peers[name], acceptor.peers[theirs] = (acceptor, theirs), (link, name)
        acceptor.push(FixEvent("logon", theirs, "", self.clock.now_ns()))
        link.push(FixEvent("logon", name, "", self.clock.now_ns()))

    def disconnect(self, link: LoopbackLink, name: str) -> None:
        peer = link.peers.pop(name, None)
        if peer is None:
            return
        other, theirs = peer
        other.peers.pop(theirs, None)
        for end, session in ((link, name), (other, theirs)):
            end.push(FixEvent("logout", session, "", self.clock.now_ns()))
            if end.kind == "initiator" and end.started:
                config = end.configs[session]
                self.later(config.reconnect_s, lambda end=end, config=config: self.connect(end, config))


class LoopbackLink:
    fds: list[int] = []
    """Nothing to watch: the runner calls the owner when events wait."""

    def __init__(self, network: LoopbackNetwork, kind: str, sessions: list[SessionConfig],
                 notify: Callable[[], None], logon_check: Callable[[str], str | None] | None) -> None:
        self.network, self.kind, self.notify, self.logon_check = network, kind, notify, logon_check
        self.configs = {session_name(c.begin_string, c.sender_comp_id, c.target_comp_id): c for c in sessions}
        self.sessions: dict[str, SessionConfig] = {}
        self.peers: dict[str, tuple[LoopbackLink, str]] = {}
        self.started = False
        self._events: list[FixEvent] = []
        self.received: list[str] = []
        """Every message the other end sent, as FIX text, in order (what QuickFIX's message log keeps)."""
        self._seq: dict[str, list[int]] = {}
        self._sent: dict[str, dict[int, str]] = {}

    def start(self) -> None:
        self.started = True
        for name, config in self.configs.items():
            self.sessions[name] = config
            self._seq[name], self._sent[name] = [1, 1], {}
            self.push(FixEvent("created", name, "", self.network.clock.now_ns()))
        if self.kind == "acceptor":
            self.network.acceptors[next(iter(self.configs.values())).port] = self
        else:
            for config in self.configs.values():
                self.network.connect(self, config)

    def stop(self) -> None:
        self.started = False
        for name in list(self.peers):
            self.network.disconnect(self, name)
        if self.kind == "acceptor":
            self.network.acceptors = {p: a for p, a in self.network.acceptors.items() if a is not self}

    def push(self, event: FixEvent) -> None:
        self._events.append(event)
        if event.kind == "app" or event.kind == "reject":
            self._seq[event.session][1] += 1
            self.received.append(event.raw)
        self.notify()

    def drain(self) -> list[FixEvent]:
        events, self._events = self._events, []
        return events

    def send(self, session: str, message: fix.Message) -> None:
        peer = self.peers.get(session)
        if peer is None:
            raise LinkDown(f"{session} is not logged on")
        config, seq = self.sessions[session], self._seq[session]
        header = message.getHeader()
        for tag, value in ((8, config.begin_string), (49, config.sender_comp_id), (56, config.target_comp_id),
                           (34, str(seq[0])), (52, _utc(self.network.clock.now_ns()))):
            header.setField(tag, value)
        raw = message.toString()
        self._sent[session][seq[0]] = raw
        seq[0] += 1
        other, theirs = peer
        other.push(FixEvent("reject" if header.getField(35) == "3" else "app", theirs, raw,
                            self.network.clock.now_ns()))

    def sent(self, session: str, seq_num: int) -> dict[int, str]:
        raw = self._sent.get(session, {}).get(seq_num)
        return fields_of(raw) if raw else {}

    def seq_numbers(self, session: str) -> tuple[int, int]:
        out, into = self._seq.get(session, (0, 0))
        return out, into

    def wake(self) -> None:
        self.notify()

    def disconnect(self, session: str) -> None:
        self.network.disconnect(self, session)

    def skip_sender_seq(self, session: str, n: int) -> None:
        self._seq[session][0] += n


def _utc(ns: int) -> str:
    """SendingTime (52) as FIX writes it: 20261201-14:30:00.000."""
    return time.strftime("%Y%m%d-%H:%M:%S", time.gmtime(ns // 1_000_000_000)) + f".{ns // 1_000_000 % 1000:03d}"

