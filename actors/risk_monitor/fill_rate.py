"""A slow KPI: each strategy's fill rate, day by day, and whether it drifts down over the days.

The fill rate of a day is the share of the strategy's orders that ended that day (filled, cancelled,
expired, rejected by the venue; not those the risk gateway denied: they never reached the venue) and had
filled at least in part. A drift is judged once a day, over the last `days` days with at least
`min_orders` orders each, on two counts that must both hold, so that a noisy but flat rate never pages:

- a trend: the Mann-Kendall test on the daily rates (does each day tend to be lower than the days before
  it?), which looks at the order of the days and not at their spread, z below -`trend_z`;
- a size: the mean rate of the last `recent_days` is at least `min_drop` below that of the first
  `baseline_days`.

Measured on simulated fortnights (tests/unit/actors/risk_monitor/test_fill_rate.py, 120 orders a day): 85%
sliding to 60% is caught within the two weeks for about 97% of seeds and all within a few more days at
60%; a flat 75% whose days swing with a standard deviation of 6 points pages for well under 1% of four-week
runs judged daily. Fourteen points limit what any test can tell apart: a lower `trend_z` catches sooner
and pages more on noise.

It clears when neither holds any more (the trend above -`trend_z` / 2, or the drop under `min_drop` / 2):
a rate that hovers at the edge does not page and resolve day after day.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import numpy as np
from msgspec import Meta

from vigil.config import Config, Positive, PositiveInt

DAY_NS = 86_400 * 1_000_000_000
FILL_DAY, FILL_DRIFT = "fill_day", "fill_drift"
"""The events of a strategy's finished day ({strategy, day, filled, ended}) and of its verdict changing
({strategy, drifting})."""
EVENTS = frozenset({FILL_DAY, FILL_DRIFT})


class FillRateConfig(Config):
    days: Annotated[int, Meta(ge=6)] = 14
    baseline_days: PositiveInt = 7
    recent_days: PositiveInt = 3
    min_orders: PositiveInt = 20
    """A day with fewer orders ended is too thin to judge and is left out."""
    min_drop: Annotated[float, Meta(gt=0, lt=1)] = 0.10
    trend_z: Positive = 3.0

    def __post_init__(self) -> None:
        if self.baseline_days + self.recent_days > self.days:
            raise ValueError(f"baseline_days: {self.baseline_days} and recent_days {self.recent_days} do not fit "
                             f"in days {self.days}")


@dataclass(frozen=True)
class Drift:
    strategy: str
    drifting: bool
    baseline: float
    recent: float
    trend_z: float
    days: int

    def event(self) -> dict[str, Any]:
        return {"event": FILL_DRIFT, "strategy": self.strategy, "drifting": self.drifting}

    def detail(self) -> dict[str, Any]:
        """The alert's details: the numbers behind it."""
        return {"strategy": self.strategy, "baseline": f"{self.baseline:.0%}", "recent": f"{self.recent:.0%}",
                "trend_z": round(self.trend_z, 2), "days": self.days}


class FillRates:
    def __init__(self, config: FillRateConfig, day_offset_ns: int = 0) -> None:
        self.config, self.offset_ns = config, day_offset_ns
        self.days: dict[str, dict[int, list[int]]] = {}
        """strategy -> day -> [filled, ended]: finished days (from FILL_DAY events) and today's."""
        self.logged: dict[str, int] = {}
        """strategy -> the last of its days logged as finished."""
        self.drifting: set[str] = set()
        self._open: set[str] = set()
        """Orders seen open, by root ClOrdID: each is counted once, when it ends."""

    def day_of(self, at_ns: int) -> int:
        return (at_ns - self.offset_ns) // DAY_NS

    def observe(self, update: Any, at_ns: int) -> None:
        """An order update (vocabulary.orders.OrderUpdate) from the OMS's flow."""
        key = update.root_cl_ord_id
        if update.is_open:
            self._open.add(key)
            return
        if key not in self._open:
            return  # never reached the venue (denied), or counted already
        self._open.discard(key)
        counts = self.days.setdefault(update.strategy, {}).setdefault(self.day_of(at_ns), [0, 0])
        counts[0] += _filled(update.cum_qty)
        counts[1] += 1

    def finished(self, today: int) -> list[dict[str, Any]]:
        """The FILL_DAY events of every day before `today` not yet logged as finished (to persist)."""
        return [{"event": FILL_DAY, "strategy": strategy, "day": day, "filled": c[0], "ended": c[1]}
                for strategy, days in self.days.items() for day, c in sorted(days.items())
                if self.logged.get(strategy, day - 1) < day < today]

    def apply(self, event: dict[str, Any]) -> None:
        if event["event"] == FILL_DRIFT:
            (self.drifting.add if event["drifting"] else self.drifting.discard)(event["strategy"])
            return
        strategy, day = event["strategy"], event["day"]
        days = self.days.setdefault(strategy, {})
        days[day] = [event["filled"], event["ended"]]
        self.logged[strategy] = max(day, self.logged.get(strategy, day))
        for old in [d for d in days if d <= day - self.config.days]:
            del days[old]

    def judge(self, today: int) -> list[Drift]:
        """The verdicts on the strategies' finished days that changed (began or stopped drifting): each to
        persist as a FILL_DRIFT event, and to raise or clear its alert."""
        verdicts = [self.verdict(strategy, today) for strategy in sorted(self.days)]
        return [v for v in verdicts if v is not None and v.drifting != (v.strategy in self.drifting)]

    def verdict(self, strategy: str, today: int) -> Drift | None:
        c = self.config
        days = [counts for day, counts in sorted(self.days.get(strategy, {}).items())
                if today - c.days <= day < today and counts[1] >= c.min_orders]
        if len(days) < c.baseline_days + c.recent_days:
            return None
        rates = np.array([counts[0] / counts[1] for counts in days])
        baseline, recent = float(rates[:c.baseline_days].mean()), float(rates[-c.recent_days:].mean())
        z = mann_kendall_z(rates)
        if strategy in self.drifting:  # hysteresis: it clears only once well clear
            drifting = z < -c.trend_z / 2 and baseline - recent >= c.min_drop / 2
        else:
            drifting = z < -c.trend_z and baseline - recent >= c.min_drop
        return Drift(strategy, drifting, baseline, recent, z, len(days))

    def snapshot(self) -> dict[str, Any]:
        return {"days": {s: {str(d): c for d, c in days.items()} for s, days in self.days.items()},
                "logged": self.logged, "drifting": sorted(self.drifting), "open": sorted(self._open)}

    def restore(self, data: dict[str, Any] | None) -> None:
        if data:
            self.days = {s: {int(d): list(c) for d, c in days.items()} for s, days in data["days"].items()}
            self.logged = dict(data["logged"])
            self.drifting, self._open = set(data["drifting"]), set(data["open"])


def mann_kendall_z(values: np.ndarray) -> float:
    """The Mann-Kendall trend statistic as a z-score (no ties correction: rates of whole days rarely tie)."""
    n = len(values)
    diffs = np.sign(values[None, :] - values[:, None])
    s = float(np.triu(diffs, 1).sum())
    sd = (n * (n - 1) * (2 * n + 5) / 18) ** 0.5
    return 0.0 if s == 0 else (s - np.sign(s)) / sd


def _filled(cum_qty: str) -> int:
    try:
        return int(Decimal(cum_qty or "0") > 0)
    except InvalidOperation:
        return 0
