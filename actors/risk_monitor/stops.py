"""Stop-losses per strategy: a strategy whose loss since the trading day started (realised plus unrealised,
in the base currency) goes beyond its stop is stopped, once a day. Plain Python: the risk monitor logs
the events and carries out the stop (StopLoss to the OMS).

    {"event": "stop_day", "day": 20835, "baselines": {"mean-rev": -12.5}, "at_ns": ...}
    {"event": "stop_loss", "strategy": "mean-rev", "day": 20835, "loss": 2150.0, "limit": 2000.0, "at_ns": ...}

A strategy's baseline is its P&L at the day's roll; one the monitor first sees later in the day starts
from its realised P&L then (what it made before does not count; what it holds does).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from actors.oms.risk.decision import num

DAY_NS = 86_400 * 1_000_000_000
STOP_DAY, STOP_LOSS = "stop_day", "stop_loss"
EVENTS = frozenset({STOP_DAY, STOP_LOSS})


class StopLosses:
    def __init__(self, limits: Mapping[str, float], default: float | None, day_offset_ns: int = 0) -> None:
        self.limits, self.default, self.offset_ns = dict(limits), default, day_offset_ns
        self.day: int | None = None
        self.baselines: dict[str, float] = {}
        self.stopped: dict[str, dict[str, Any]] = {}
        """strategy -> its stop_loss event of the day."""

    def limit(self, strategy: str) -> float | None:
        return self.limits.get(strategy, self.default)

    def day_of(self, now_ns: int) -> int:
        return (now_ns - self.offset_ns) // DAY_NS

    def roll_if_due(self, now_ns: int, totals: Mapping[str, float | None]) -> dict[str, Any] | None:
        """A new day: the event to persist (its baselines are the P&L now)."""
        day = self.day_of(now_ns)
        if day == self.day:
            return None
        return {"event": STOP_DAY, "day": day, "at_ns": now_ns,
                "baselines": {s: t for s, t in totals.items() if t is not None}}

    def check(self, strategy: str, total: float | None, realized: float | None, now_ns: int) -> list[dict[str, Any]]:
        """Events to persist: a baseline for a strategy first seen today, or its stop."""
        limit = self.limit(strategy)
        if limit is None or total is None or strategy in self.stopped or self.day != self.day_of(now_ns):
            return []
        base = self.baselines.get(strategy)
        if base is None:
            base = total if realized is None else realized
            first = {"event": STOP_DAY, "day": self.day, "at_ns": now_ns, "baselines": {**self.baselines,
                                                                                       strategy: base}}
            self.apply(first)
            return [first, *self.check(strategy, total, realized, now_ns)]
        loss = base - total
        if loss <= limit:
            return []
        return [{"event": STOP_LOSS, "strategy": strategy, "day": self.day, "loss": loss, "limit": limit,
                 "at_ns": now_ns}]

    def apply(self, event: dict[str, Any]) -> None:
        if event["event"] == STOP_DAY:
            if event["day"] != self.day:
                self.stopped = {}
            self.day, self.baselines = event["day"], dict(event["baselines"])
        elif event["event"] == STOP_LOSS and event["day"] == self.day:
            self.stopped[event["strategy"]] = event

    def reason(self, event: dict[str, Any]) -> str:
        return f"stop_loss: lost {num(event['loss'])} today > {num(event['limit'])} for {event['strategy']}"

    def snapshot(self) -> dict[str, Any]:
        return {"day": self.day, "baselines": self.baselines, "stopped": self.stopped}

    def restore(self, snap: Mapping[str, Any] | None) -> None:
        if snap:
            self.day, self.baselines, self.stopped = snap["day"], dict(snap["baselines"]), dict(snap["stopped"])
