"""Restart decisions as OTP defines them, free of any actor machinery.

Which children a failure takes down, whether a child is restarted at all,
when restarts are too many (intensity within period), and how long to wait
before the next one (backoff with jitter).
"""
from __future__ import annotations

import random
from collections import deque

from vigil.clock import Clock

STRATEGIES = ("one_for_one", "one_for_all", "rest_for_one")
RESTART_TYPES = ("permanent", "transient", "temporary")


def affected_children(strategy: str, count: int, failed: int) -> list[int]:
    """Indices of the children to restart, in start order, when child `failed` dies."""
    if strategy == "one_for_one":
        return [failed]
    if strategy == "one_for_all":
        return list(range(count))
    if strategy == "rest_for_one":
        return list(range(failed, count))
    raise ValueError(f"unknown strategy {strategy!r}")


def should_restart(restart: str, abnormal: bool) -> bool:
    """permanent: always; transient: only after an abnormal exit; temporary: never."""
    if restart == "permanent":
        return True
    if restart == "transient":
        return abnormal
    if restart == "temporary":
        return False
    raise ValueError(f"unknown restart type {restart!r}")


class RestartIntensity:
    """More than `intensity` restarts within `period` seconds means: give up."""

    def __init__(self, intensity: int, period: float, clock: Clock) -> None:
        self.intensity, self.period, self._clock = intensity, period, clock
        self._restarts: deque[float] = deque()

    def allow(self) -> bool:
        """Count one restart now; False when that is one too many."""
        now = self._clock.monotonic()
        self._restarts.append(now)
        while self._restarts and now - self._restarts[0] > self.period:
            self._restarts.popleft()
        return len(self._restarts) <= self.intensity

    @property
    def recent(self) -> int:
        """Restarts counted within the current period (this one included)."""
        return len(self._restarts)


def backoff_delay(min_ms: int, max_ms: int, jitter: float, attempt: int, rng: random.Random) -> float:
    """Seconds to wait before restart number `attempt` (1-based) in the current period.

    Doubles from min to max; jitter spreads it by up to +-jitter of itself so
    that siblings restarted together do not retry in lock step.
    """
    base = min(max_ms, min_ms * 2 ** max(0, attempt - 1))
    spread = base * jitter * rng.uniform(-1.0, 1.0)
    return max(0.0, min(max_ms, base + spread)) / 1000.0
