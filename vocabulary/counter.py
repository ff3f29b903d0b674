"""The durable counter's messages (actors/counter.py: the placeholder worker, and the runtime's test subject)."""
from __future__ import annotations

from vigil.wire import Message


class Increment(Message, frozen=True):
    by: int = 1
    """Amount to add; a positive whole number."""


class GetCount(Message, frozen=True):
    """Ask for the current value."""


class Count(Message, frozen=True):
    value: int
    """The counter after the message was applied."""
    seq: int
    """Sequence number of the last event applied."""
    incarnation: int
    """How many times the actor had been restarted when it answered."""
