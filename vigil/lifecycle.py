"""The lifecycle every Vigil actor goes through, as an explicit transition table.

Side effects (orders on the wire, sockets opened) belong only to RUNNING and
DEGRADED: an actor is in neither until its recovery from Redis has completed.
"""
from __future__ import annotations

from enum import Enum

from vigil.errors import VigilError


class State(str, Enum):
    STARTING = "starting"
    RECOVERING = "recovering"
    RUNNING = "running"
    DEGRADED = "degraded"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"


_TRANSITIONS: dict[State, frozenset[State]] = {
    State.STARTING: frozenset({State.RECOVERING, State.STOPPING, State.FAILED}),
    State.RECOVERING: frozenset({State.RUNNING, State.STOPPING, State.FAILED}),
    State.RUNNING: frozenset({State.DEGRADED, State.STOPPING, State.FAILED}),
    State.DEGRADED: frozenset({State.RUNNING, State.STOPPING, State.FAILED}),
    State.STOPPING: frozenset({State.STOPPED, State.FAILED}),
    State.STOPPED: frozenset(),
    State.FAILED: frozenset(),
}


class InvalidTransition(VigilError):
    """A lifecycle change the transition table does not allow (a bug in the actor that asked for it)."""

    def __init__(self, current: State, target: State) -> None:
        allowed = ", ".join(sorted(s.value for s in _TRANSITIONS[current])) or "none"
        super().__init__(f"cannot go from {current.value} to {target.value} (allowed: {allowed})")


class Lifecycle:
    def __init__(self) -> None:
        self.state = State.STARTING

    def to(self, target: State) -> None:
        target = State(target)
        if target not in _TRANSITIONS[self.state]:
            raise InvalidTransition(self.state, target)
        self.state = target

    @property
    def active(self) -> bool:
        """True once recovery completed and until stopping: side effects allowed."""
        return self.state in (State.RUNNING, State.DEGRADED)
