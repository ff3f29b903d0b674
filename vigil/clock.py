"""Injected clocks: domain code asks a clock for the time, never the OS.

A live clock reads the machine; a simulated clock only moves when told to,
which is what lets a replay or a test reach the same decisions every run.
"""
from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now_ns(self) -> int:
        """Wall-clock time, nanoseconds since the Unix epoch."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards (for intervals)."""


class LiveClock:
    def now_ns(self) -> int:
        return time.time_ns()

    def monotonic(self) -> float:
        return time.monotonic()


class SimClock:
    """A clock that moves only through `advance` and `set`."""

    def __init__(self, start_ns: int = 0) -> None:
        self._ns = start_ns

    def now_ns(self) -> int:
        return self._ns

    def monotonic(self) -> float:
        return self._ns / 1e9

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"a simulated clock cannot go backwards ({seconds} s)")
        self._ns += round(seconds * 1e9)

    def set(self, ns: int) -> None:
        if ns < self._ns:
            raise ValueError(f"a simulated clock cannot go backwards (from {self._ns} to {ns} ns)")
        self._ns = ns
