"""Messages of the runtime itself: start-up, liveness, shutdown, fault injection.

Every message is immutable. Application messages travel inside an `Envelope`
that carries the W3C trace context of the sender; the runtime's own
heartbeats do not (they would drown the traces).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vigil.wire import Message


@dataclass(frozen=True)
class Envelope:
    message: Any
    """The application message."""
    traceparent: str | None = None
    """W3C traceparent of the span that sent it, so the receiver's span is its child."""


@dataclass(frozen=True)
class RunContext:
    """What every actor of one running Vigil shares."""

    name: str
    """Namespace of this Vigil's keys in Redis."""
    redis_url: str
    """Where state, the event logs and the actor registry live."""
    run_dir: str
    """Directory for logs and the span file."""
    topology_dir: str
    """The topology file's directory: a relative file in an actor's config is read from beside it."""
    start_timeout_ms: int = 10000
    """How long a child may take to report ready before it is killed."""


@dataclass(frozen=True)
class InitActor:
    """First message to a new actor process: who it is and what it is to do."""

    path: str
    """Position in the tree, e.g. "root/market/counter"."""
    spec: Any
    """Its `vigil.topology.ChildSpec` (for the root: a spec built from `root:`)."""
    context: RunContext
    """Shared run settings."""
    incarnation: int = 0
    """How many times this child was started before (0 on first start)."""


@dataclass(frozen=True)
class ActorReady:
    """Reply to `InitActor`: recovery completed, the actor is running."""

    path: str
    pid: int
    """OS process id, so the supervisor can kill it when it hangs."""


@dataclass(frozen=True)
class ActorStartFailed:
    """Reply to `InitActor` when the actor could not start."""

    path: str
    reason: str
    """What went wrong, in words for the operator."""


@dataclass(frozen=True)
class Ping:
    seq: int
    """Heartbeat sequence number, echoed back in `Pong`."""


@dataclass(frozen=True)
class Pong:
    seq: int


@dataclass(frozen=True)
class Shutdown:
    """Stop in an orderly way (a supervisor stops its children first, in reverse order)."""

    reason: str = "shutdown"


@dataclass(frozen=True)
class InjectFault:
    """Make an actor misbehave on purpose, for drills and tests.

    kind: "crash" (exception in a handler), "hang" (stop answering for `seconds`),
    "exit" (exit normally, as a finished transient worker would).
    """

    kind: str
    seconds: float = 3600.0


class Done(Message, frozen=True):
    """Acknowledgement of a control message."""

    detail: str = ""


class Refusal(Message, frozen=True):
    """The answer to a message a handler turned down (vigil.component.Refused): why, in words."""

    reason: str

    def __str__(self) -> str:
        return self.reason
