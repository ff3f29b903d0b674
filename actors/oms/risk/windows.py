"""Counting in time windows, on the gateway's clock (seconds, monotonic): message rates, executions, and
recent orders for the duplicate check. Nothing here is persisted: after a restart the windows start
empty (a restart takes longer than any sensible window).
"""
from __future__ import annotations

from collections import deque
from typing import Any


class SlidingCount:
    """How many times each key was counted within the last `window` seconds."""

    def __init__(self) -> None:
        self._times: dict[Any, deque[float]] = {}

    def hit(self, key: Any, now: float, window: float) -> int:
        """Count one at `now`; returns the count within (now - window, now], this one included."""
        times = self._times.get(key)
        if times is None:
            times = self._times[key] = deque()
        times.append(now)
        horizon = now - window
        while times[0] <= horizon:
            times.popleft()
        return len(times)

    def count(self, key: Any, now: float, window: float) -> int:
        times = self._times.get(key)
        if not times:
            return 0
        horizon = now - window
        return sum(1 for t in times if t > horizon)


class RecentOrders:
    """Orders accepted recently, by (strategy, symbol, side, qty, price), each until its window ends."""

    def __init__(self) -> None:
        self._until: dict[tuple, float] = {}
        self._expiries: deque[tuple[float, tuple]] = deque()

    def seen(self, key: tuple, now: float) -> float | None:
        """When the same order was accepted within its window: the time its window ends; else None."""
        until = self._until.get(key)
        return until if until is not None and until > now else None

    def add(self, key: tuple, now: float, window: float) -> None:
        expiries = self._expiries
        while expiries and expiries[0][0] <= now:
            until, old = expiries.popleft()
            if self._until.get(old) == until:
                del self._until[old]
        until = now + window
        self._until[key] = until
        expiries.append((until, key))

    def __len__(self) -> int:
        return len(self._until)
