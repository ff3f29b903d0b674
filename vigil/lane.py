"""The fast lane: hot-path messages between actors over ZeroMQ, beside Thespian.

A Thespian message between two processes costs about 300 us and a good deal
of CPU in Python; a ZeroMQ hop costs about 50 us. So orders and execution
reports travel on lanes: each actor that takes part binds one PULL socket on
loopback (its endpoint is in the registry), and keeps one PUSH socket per
peer it talks to. Control (start, stop, heartbeats, operator commands) stays
on Thespian.

A lane delivers what an actor mailbox delivers: messages in order from one
sender, lost if the receiver dies with them unread. The sender learns of a
peer that is gone (no connection within CONNECT_TIMEOUT_S) as `Unreachable`,
which actors turn into a refusal, as they do for any message they could not
deliver. Frames name their recipient, so a message reaching a stranger that
reused a dead actor's port is dropped, not acted on. A frame is msgpack, its
message a vigil.wire.Message: encoding and decoding one costs about a
microsecond, where pickle cost some 35 us for an execution report.

ZeroMQ's socket fd is edge-triggered: after a wake-up the socket must be
read until it is empty, or the rest waits for a wake-up that never comes.
But an actor that reads until empty while peers keep sending never returns
to Thespian's loop, and misses its heartbeats. So `receive` reads at most
`limit` messages and, when more wait, makes a second fd of its own (a pipe,
level-triggered) readable: the owner watches both (`fds`) and is woken again
right after Thespian has had its turn. (A Thespian wake-up timer will not do:
while one is due, Thespian skips its select() and so its sockets.)
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import msgspec
import zmq

from vigil.errors import VigilError
from vigil.wakeup import WakeupPipe
from vigil.wire import Codec, Message

log = logging.getLogger("vigil.lane")
_FRAMES = Codec(tuple[str, str | None, str, str, Message])
"""(recipient's path, traceparent, sender's endpoint, sender's path, message)"""

CONNECT_TIMEOUT_S = 0.5
GONE_FOR_S = 5.0  # a peer found gone is not waited for again this soon (a dead asker, many replies)
SEND_HWM = 100_000  # messages queued towards one peer before a sender is told it is unreachable


class Unreachable(VigilError):
    """The peer has no live lane at that endpoint."""


@dataclass(frozen=True)
class LaneAddress:
    """Where to send an actor's lane messages (an actor's `sender` when a message came by lane)."""

    endpoint: str
    path: str
    """The actor at that endpoint; frames carry it so a stranger on a reused port drops them."""


@dataclass(frozen=True)
class Delivery:
    message: Any
    traceparent: str | None
    sender: LaneAddress | None


class Lane:
    def __init__(self, path: str, host: str = "127.0.0.1") -> None:
        # A context per process, made after fork: ZeroMQ contexts do not survive one.
        self._ctx = zmq.Context()
        self._pull = self._ctx.socket(zmq.PULL)
        self._pull.setsockopt(zmq.LINGER, 0)
        port = self._pull.bind_to_random_port(f"tcp://{host}")
        self.address = LaneAddress(f"tcp://{host}:{port}", path)
        self._fd = self._pull.getsockopt(zmq.FD)
        self._again = WakeupPipe()
        self._peers: dict[str, zmq.Socket] = {}
        self._gone: dict[str, float] = {}  # endpoint -> when it was found gone (monotonic)

    @property
    def fds(self) -> list[int]:
        """Watch these; when one is readable, call `receive`."""
        return [self._fd, self._again.fd]

    def wait(self, timeout_s: float) -> bool:
        """Block until a message waits (for owners outside Thespian: clients, benchmarks)."""
        return bool(self._pull.poll(int(timeout_s * 1000), zmq.POLLIN))

    def receive(self, limit: int = 64) -> list[Delivery]:
        self._again.clear()
        out: list[Delivery] = []
        while True:
            if len(out) == limit:
                if self._pull.getsockopt(zmq.EVENTS) & zmq.POLLIN:
                    self._again.ring()  # come back for the rest
                break
            try:
                frame = self._pull.recv(zmq.NOBLOCK)
            except zmq.Again:
                break
            try:
                to, traceparent, endpoint, path, message = _FRAMES.decode(frame)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:  # must not take the actor down
                log.warning("%s: undecodable lane frame dropped: %s", self.address.path, exc)
                continue
            if to != self.address.path:
                log.warning("%s: lane message for %s dropped (a reused port?)", self.address.path, to)
                continue
            out.append(Delivery(message, traceparent, LaneAddress(endpoint, path)))
        return out

    def send(self, to: LaneAddress, message: Any, traceparent: str | None = None) -> None:
        if not isinstance(message, Message):
            raise TypeError(f"{type(message).__name__} is not a vigil.wire.Message: it cannot go on a lane")
        me = self.address
        frame = _FRAMES.encode((to.path, traceparent, me.endpoint, me.path, message))
        sock = self._peers.get(to.endpoint)
        if sock is None:
            if time.monotonic() - self._gone.get(to.endpoint, float("-inf")) < GONE_FOR_S:
                raise Unreachable(f"{to.path} has no lane at {to.endpoint}")
            sock = self._peers[to.endpoint] = self._ctx.socket(zmq.PUSH)
            sock.setsockopt(zmq.LINGER, 0)
            sock.setsockopt(zmq.IMMEDIATE, 1)  # queue only towards a connected peer
            sock.setsockopt(zmq.SNDHWM, SEND_HWM)
            sock.connect(to.endpoint)
        try:
            sock.send(frame, zmq.NOBLOCK)
            return
        except zmq.Again:
            pass
        if sock.poll(int(CONNECT_TIMEOUT_S * 1000), zmq.POLLOUT):  # still connecting, or briefly full
            try:
                sock.send(frame, zmq.NOBLOCK)
                return
            except zmq.Again:
                pass
        self.forget(to)
        self._gone[to.endpoint] = time.monotonic()
        raise Unreachable(f"{to.path} has no lane at {to.endpoint}")

    def forget(self, to: LaneAddress) -> None:
        sock = self._peers.pop(to.endpoint, None)
        if sock is not None:
            sock.close(0)

    def close(self) -> None:
        if self._pull.closed:
            return
        for sock in self._peers.values():
            sock.close(0)
        self._peers.clear()
        self._pull.close(0)
        self._ctx.term()
        self._again.close()
