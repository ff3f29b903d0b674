"""Alerts read from the tree's metrics (vocabulary.metrics), for what no actor can say of itself:

- STRATEGY_SILENT: a strategy's decisions did not grow for `within_s` while the feeds' messages did (its
  market is open, and its process may well answer heartbeats: a live process is not a working one);
- REJECT_RATE_SPIKE: of a session's orders within `within_s` (at least `min_orders`), the venue rejected more
  than `above`; it clears below half that.

Plain state: it is fed every actor's readings with the time, keeps each counter's values over the window,
and says which alerts begin or end, as history entries (`alert`, `alert_cleared`) the pager logs and hands
to its AlertBook like any other (so for_s, paging and resolving are the same as for every alert). After a
restart of the pager it judges again once its window has filled: counters are totals, nothing is lost.
It also says which actors' processes are busy (CPU), for the context of every page.
"""
from __future__ import annotations

from collections import deque
from typing import Any, Callable

from actors.pager.rules import AlertRule, alert_entry
from vigil.metrics import PROCESS_CPU
from vocabulary.alerts import REJECT_RATE_SPIKE, STRATEGY_SILENT
from vocabulary.metrics import DECISIONS, FEED_MESSAGES, ORDERS, REJECTS

WATCHED = (STRATEGY_SILENT, REJECT_RATE_SPIKE)
_WATCHED_METRICS = (DECISIONS.name, FEED_MESSAGES.name, ORDERS.name, REJECTS.name, PROCESS_CPU.name)
BUSY_WITHIN_S, BUSY_ABOVE = 10.0, 0.5
Readings = dict[str, list[dict[str, Any]]]
"""actor path -> its readings (vigil.metrics.readings)."""


class MetricWatch:
    def __init__(self, rule: Callable[[str], AlertRule]) -> None:
        self.rule = rule
        self.series: dict[tuple, deque[tuple[float, float]]] = {}
        """(metric, actor, labels) -> (at, value) within the longest window."""
        self.raised: dict[tuple[str, str], str] = {}
        """(problem, source) -> the actor it was raised for, while it holds."""
        self.born: dict[tuple, float] = {}
        """When each series was first seen: one that appears while watched began at 0 (a counter is exported
        only once something counted), so all of it grew within the window."""
        self.started: float | None = None

    def adopt(self, problem: str, source: str, path: str) -> None:
        """An alert of these the pager's log says holds (after its restart): cleared here when it ends."""
        if problem in WATCHED:
            self.raised[(problem, source)] = path

    def feed(self, readings: Readings, at: float) -> list[dict[str, str]]:
        """Take the readings seen at `at`: the history entries of the alerts that begin or end."""
        keep = max(self.rule(STRATEGY_SILENT).within_s, self.rule(REJECT_RATE_SPIKE).within_s) + 5
        self.started = at if self.started is None else self.started
        for actor, points in readings.items():
            for point in points:
                if point["name"] in _WATCHED_METRICS:
                    key = (point["name"], actor, tuple(sorted(point["labels"].items())))
                    self.born.setdefault(key, at)
                    values = self.series.setdefault(key, deque())
                    values.append((at, float(point["value"])))
                    while values and values[0][0] < at - keep:
                        values.popleft()
        return self._silent(at) + self._rejects(at)

    def busy(self, at: float) -> dict[str, str]:
        """The actors whose processes used more than BUSY_ABOVE of a core over the last BUSY_WITHIN_S, with how
        much: what a page says beside its alert ("correlates with a CPU spike in the OMS")."""
        out = {}
        for (name, actor, _), values in self.series.items():
            recent = [(t, v) for t, v in values if t >= at - BUSY_WITHIN_S]
            if name == PROCESS_CPU.name and len(recent) >= 2 and recent[-1][0] > recent[0][0]:
                share = (recent[-1][1] - recent[0][1]) / (recent[-1][0] - recent[0][0])
                if share > BUSY_ABOVE:
                    out[actor] = f"{share:.0%}"
        return out

    def _grown(self, metric: str, at: float, within_s: float) -> dict[tuple, float | None]:
        """Each series of `metric`: how much it grew within the window (None: not watched that long yet)."""
        out: dict[tuple, float | None] = {}
        for key, values in self.series.items():
            name, actor, labels = key
            if name != metric or not values:
                continue
            born = self.born[key]
            if born >= at - within_s and born > self.started + 1:  # it appeared within the window, from 0
                out[(actor, labels)] = values[-1][1]
                continue
            start = next(((t, v) for t, v in values if t >= at - within_s), None)
            full = values[0][0] <= at - within_s + 1
            out[(actor, labels)] = values[-1][1] - start[1] if start and full else None
        return out

    def _silent(self, at: float) -> list[dict[str, str]]:
        within = self.rule(STRATEGY_SILENT).within_s
        market_open = any(g for g in self._grown(FEED_MESSAGES.name, at, within).values())
        holding = {}
        for (actor, labels), grown in self._grown(DECISIONS.name, at, within).items():
            if grown is not None:
                strategy = dict(labels).get("strategy", actor)
                holding[strategy] = (actor, grown == 0 and market_open, {"strategy": strategy,
                                                                         "within_s": f"{within:g}"})
        return self._changes(STRATEGY_SILENT, holding)

    def _rejects(self, at: float) -> list[dict[str, str]]:
        rule = self.rule(REJECT_RATE_SPIKE)
        sent, rejected = _by_session(self._grown(ORDERS.name, at, rule.within_s)), \
            _by_session(self._grown(REJECTS.name, at, rule.within_s))
        holding = {}
        for session, (actor, orders) in sent.items():
            raised = (REJECT_RATE_SPIKE, session) in self.raised
            if orders < rule.min_orders and not raised:
                continue  # too few to judge; one that spiked clears once the window holds too few
            refused = rejected.get(session, (actor, 0.0))[1]
            rate = refused / orders if orders else 0.0
            limit = rule.above / 2 if raised else rule.above
            detail = {"session": session, "rate": f"{rate:.0%}", "rejected": f"{refused:g}", "orders": f"{orders:g}",
                      "within_s": f"{rule.within_s:g}", "above": f"{rule.above:.0%}"}
            holding[session] = (actor, orders >= rule.min_orders and rate > limit, detail)
        return self._changes(REJECT_RATE_SPIKE, holding)

    def _changes(self, problem: str, holding: dict[str, tuple[str, bool, dict[str, str]]]) -> list[dict[str, str]]:
        entries = []
        for source, (actor, holds, detail) in holding.items():
            key = (problem, source)
            if holds and key not in self.raised:
                self.raised[key] = actor
                entries.append(alert_entry(problem, actor, **detail))
            elif not holds and key in self.raised:
                entries.append({"path": self.raised.pop(key), "what": "alert_cleared", "problem": problem,
                                **{k: v for k, v in detail.items() if k in ("strategy", "session")}})
        return entries


def _by_session(grown: dict[tuple, float | None]) -> dict[str, tuple[str, float]]:
    """Growth summed per session label (over strategies): session -> (an actor, total)."""
    out: dict[str, tuple[str, float]] = {}
    for (actor, labels), value in grown.items():
        session = dict(labels).get("session")
        if session is not None and value is not None:
            out[session] = (actor, out.get(session, (actor, 0.0))[1] + value)
    return out
