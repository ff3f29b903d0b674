"""What operators and other actors ask of a market-data feed, and where a feed keeps what it found."""
from __future__ import annotations

from vigil.wire import Message


class GetFeedStatus(Message, frozen=True):
    """Answered with a FeedStatus."""


class FeedStatus(Message, frozen=True):
    feed: str
    path: str
    state: str
    """running, or degraded while the active source sends too many bad messages"""
    active: str
    """primary or backup"""
    sources: dict[str, str]
    """name -> endpoint"""
    publish: str
    """where subscribers connect (ZeroMQ SUB)"""
    delivered: int
    quarantined: dict[str, int]
    """rule -> count, over every source"""
    gaps: int
    missing: int
    """sequence numbers missing over every gap"""
    open_gaps: int
    last_message_age_ms: float | None
    """of the active source; None before its first message"""
    failovers: int
    last_switch: str
    duplicates_across_switch: int
    """messages the new source repeated after a switch, dropped"""
    source_state: str = "subscribed"
    """of the primary: "subscribed" (ZeroMQ), or a file's "waiting" (for a first subscriber), "replaying",
    "finished" (its end reached) or "failed" (see source_error)"""
    read: int | None = None
    """messages read from the file so far; None for a ZeroMQ source"""
    recorded_time_ns: int | None = None
    """where a file's recorded clock has got to (ns since the epoch); None before its first message"""
    source_error: str | None = None
    """why a file could not be read on"""


class SwitchSource(Message, frozen=True):
    """Make `to` (primary or backup) the active source now, whatever its health."""

    to: str
    reason: str = "by hand"


def quarantine_key(namespace: str, feed: str) -> str:
    """The Redis stream of a feed's quarantined messages: rule, reason, source, at_ns, frame0, frame1..."""
    return f"{namespace}:quarantine:{feed}"


def stats_key(namespace: str, feed: str) -> str:
    """The Redis hash of a feed's counters (they survive its restarts)."""
    return f"{namespace}:feed:{feed}"
