"""When a feed leaves its primary source for the backup, and when it comes back.

Plain domain code on an injected clock. Each source keeps its own health:
when it last said anything, and how many gaps and bad messages it sent in a
sliding window. The policy reads both and says which source should be active
and why; the feed actor carries it out.

Reasons to leave a source:
    stale       no message for stale_ms
    gap_storm   gap_storm gaps or more within window_s
    bad_storm   at least bad_min messages in window_s, of which more than bad_rate were quarantined
Coming back to the primary: by hand only (failback: manual), or once the
primary has been healthy for healthy_for_s (failback: auto).
"""
from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from msgspec import Meta

from vigil.config import Config, Positive, PositiveInt

PRIMARY, BACKUP = "primary", "backup"


class FailoverConfig(Config):
    stale_ms: Positive = 2_000.0
    window_s: Positive = 10.0
    gap_storm: PositiveInt = 5
    bad_rate: Annotated[float, Meta(gt=0, le=1)] = 0.2
    bad_min: PositiveInt = 20
    failback: Literal["auto", "manual"] = "auto"
    healthy_for_s: Positive = 30.0


class SourceHealth:
    """What one source did lately, in one-second buckets so a storm of messages costs no memory."""

    def __init__(self, config: FailoverConfig, now: float) -> None:
        self.config = config
        self.started = now
        self.last_message_at: float | None = None
        self.since = now  # when it was last seen unhealthy (or began)
        self._buckets: deque[list] = deque()  # [second, messages, bad, gaps]

    def _bucket(self, now: float) -> list:
        second = int(now)
        if not self._buckets or self._buckets[-1][0] != second:
            self._buckets.append([second, 0, 0, 0])
        return self._buckets[-1]

    def record(self, now: float, bad: int = False, gap: int = False, messages: int = 1) -> None:
        """`messages` more arrived, `bad` of them quarantined, `gap` of them after a gap."""
        if not messages:
            return
        bucket = self._bucket(now)
        bucket[1] += messages
        bucket[2] += bad
        bucket[3] += gap
        self.last_message_at = now

    def _window(self, now: float) -> tuple[int, int, int]:
        horizon = now - self.config.window_s
        while self._buckets and self._buckets[0][0] + 1 <= horizon:
            self._buckets.popleft()
        return (sum(b[1] for b in self._buckets), sum(b[2] for b in self._buckets),
                sum(b[3] for b in self._buckets))

    def problem(self, now: float) -> str | None:
        """Why this source should not be used now, or None when it is healthy."""
        c = self.config
        silent_for = now - (self.last_message_at if self.last_message_at is not None else self.started)
        messages, bad, gaps = self._window(now)
        why = None
        if silent_for * 1000 >= c.stale_ms:
            why = f"stale: no message for {silent_for * 1000:.0f} ms (limit {c.stale_ms:g} ms)"
        elif gaps >= c.gap_storm:
            why = f"gap_storm: {gaps} sequence gaps in {c.window_s:g} s (limit {c.gap_storm})"
        elif messages >= c.bad_min and bad / messages > c.bad_rate:
            why = (f"bad_storm: {bad} of {messages} messages quarantined in {c.window_s:g} s "
                   f"({bad / messages:.0%}, limit {c.bad_rate:.0%})")
        if why is not None:
            self.since = now
        return why

    def bad_rate(self, now: float) -> float:
        messages, bad, _ = self._window(now)
        return bad / messages if messages else 0.0

    def healthy_for(self, now: float) -> float:
        return now - self.since


@dataclass(frozen=True)
class Switch:
    to: str
    reason: str


class FailoverPolicy:
    def __init__(self, config: FailoverConfig, has_backup: bool) -> None:
        self.config = config
        self.has_backup = has_backup

    def decide(self, active: str, health: Mapping[str, SourceHealth], now: float) -> Switch | None:
        """The switch to make now, if any. A backup in trouble too is no reason to move."""
        if not self.has_backup:
            return None
        problems = {name: h.problem(now) for name, h in health.items()}
        if active == PRIMARY:
            if problems[PRIMARY] and not problems[BACKUP]:
                return Switch(BACKUP, f"primary {problems[PRIMARY]}")
            return None
        if problems[PRIMARY]:
            return None
        if problems[BACKUP]:
            return Switch(PRIMARY, f"backup {problems[BACKUP]}; primary is healthy")
        if self.config.failback == "auto" and health[PRIMARY].healthy_for(now) >= self.config.healthy_for_s:
            return Switch(PRIMARY, f"failback: primary healthy for {health[PRIMARY].healthy_for(now):.1f} s")
        return None
