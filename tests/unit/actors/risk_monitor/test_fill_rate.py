"""The slow fill-rate KPI on simulated fortnights: the seed's rate drifting from 85% to 60% over two weeks is a
drift and its noisy but flat rate (its days swinging well beyond chance, judged every day for four weeks)
is not, and over many seeds nearly every drift is caught in time and noise almost never pages; a drift that
is over clears; orders denied before the venue do not count; what it knows is
rebuilt from its events."""
from __future__ import annotations

import numpy as np
import pytest

from actors.risk_monitor.fill_rate import DAY_NS, FillRateConfig, FillRates, mann_kendall_z
from vocabulary.orders import OrderUpdate

ORDERS_PER_DAY = 120
SEEDS = 150


def update(n: int, is_open: bool, filled: bool = False, strategy: str = "alpha") -> OrderUpdate:
    return OrderUpdate(f"V-{n}", f"V-{n}", None, strategy, "book-a", "EURUSD", "Buy", "1000", "1.1",
                       "New" if is_open else ("Filled" if filled else "Canceled"), "1000" if filled else "0",
                       "0", "1.1", None, is_open)


class Fortnight:
    """Feeds a FillRates one day after another, as the risk monitor does (judged on each new day's first
    update, its events applied as they are persisted)."""

    def __init__(self, config: FillRateConfig = FillRateConfig()) -> None:
        self.rates = FillRates(config)
        self.events: list[dict] = []
        self.n = 0

    def day(self, day: int, fill_probability: float, rng: np.random.Generator) -> list:
        verdicts = self.judge(day)
        for i in range(ORDERS_PER_DAY):
            at = day * DAY_NS + i * (DAY_NS // ORDERS_PER_DAY)
            self.n += 1
            self.rates.observe(update(self.n, True), at)
            self.rates.observe(update(self.n, False, bool(rng.random() < fill_probability)), at + 1)
        return verdicts

    def judge(self, day: int) -> list:
        for event in self.rates.finished(day):
            self.apply(event)
        verdicts = self.rates.judge(day)
        for verdict in verdicts:
            self.apply(verdict.event())
        return verdicts

    def apply(self, event: dict) -> None:
        self.events.append(event)
        self.rates.apply(event)


def sliding(fortnight: Fortnight, rng: np.random.Generator, days: int = 14) -> list:
    """85% on the first day to 60% on the fourteenth, then 60%: the verdicts, judged each day and at the end."""
    verdicts = []
    for day in range(days):
        verdicts += fortnight.day(day, max(0.60, 0.85 - 0.25 * day / 13), rng)
    return verdicts + fortnight.judge(days)


def flat(fortnight: Fortnight, rng: np.random.Generator, days: int = 28) -> list:
    """75%, each day's own level swinging with a standard deviation of 6 points: the verdicts, judged daily."""
    verdicts = []
    for day in range(days):
        verdicts += fortnight.day(day, float(np.clip(0.75 + rng.normal(0, 0.06), 0, 1)), rng)
    return verdicts


def test_the_seeds_fortnight_from_85_to_60_percent_is_a_drift_and_its_flat_one_is_not():
    [drift] = sliding(Fortnight(), np.random.default_rng(0))  # once, not again every day
    assert drift.drifting and drift.strategy == "alpha"
    assert drift.baseline - drift.recent >= 0.10 and drift.trend_z < -3.0
    detail = drift.detail()
    assert detail["baseline"].endswith("%") and detail["days"] >= 10
    assert flat(Fortnight(), np.random.default_rng(0)) == []


def test_over_many_seeds_a_drift_is_caught_within_the_fortnight_and_noise_almost_never_pages():
    caught = sum(bool(sliding(Fortnight(), np.random.default_rng(seed))) for seed in range(SEEDS))
    paged = sum(bool(flat(Fortnight(), np.random.default_rng(10_000 + seed))) for seed in range(SEEDS))
    assert caught >= 0.93 * SEEDS, f"{caught} of {SEEDS} drifts caught"
    assert paged <= 0.02 * SEEDS, f"{paged} of {SEEDS} flat months paged"


def test_a_drift_that_is_over_clears_and_only_once_well_clear():
    rng = np.random.default_rng(7)
    fortnight = Fortnight()
    assert [v.drifting for v in sliding(fortnight, rng)] == [True]
    changes = []
    for day in range(14, 40):
        changes += [(day, v.drifting) for v in fortnight.day(day, 0.85, rng)]
    assert [drifting for _, drifting in changes] == [False]  # back at 85%: cleared once
    assert "alpha" not in fortnight.rates.drifting


def test_orders_denied_before_the_venue_do_not_count_and_each_order_counts_once():
    rates = FillRates(FillRateConfig())
    rates.observe(update(1, False), 0)  # denied: never open
    rates.observe(update(2, True), 0)
    rates.observe(update(2, False, filled=True), 1)
    rates.observe(update(2, False, filled=True), 2)  # the same end, told again
    assert rates.days == {"alpha": {0: [1, 1]}}


def test_what_it_knows_is_rebuilt_from_its_events_and_its_snapshot():
    fortnight = Fortnight()
    assert sliding(fortnight, np.random.default_rng(3))
    replayed = FillRates(FillRateConfig())
    for event in fortnight.events:
        replayed.apply(event)
    assert replayed.drifting == {"alpha"} and replayed.judge(14) == []  # no second alert after a restart
    assert replayed.finished(15) == []  # no finished day logged twice
    again = FillRates(FillRateConfig())
    again.restore(fortnight.rates.snapshot())
    assert again.verdict("alpha", 14) == fortnight.rates.verdict("alpha", 14)


def test_the_trend_statistic_reads_the_order_of_the_days_not_their_spread():
    assert mann_kendall_z(np.arange(14.0)) > 4 and mann_kendall_z(np.arange(14.0)[::-1]) < -4
    assert abs(mann_kendall_z(np.array([0.7, 0.9] * 7))) < 1


def test_a_window_that_cannot_hold_its_baseline_and_recent_days_is_refused():
    from vigil.config import ConfigError, build_config

    with pytest.raises(ConfigError, match="baseline_days"):
        build_config(FillRateConfig, {"days": 8, "baseline_days": 7, "recent_days": 3})


MONITOR_ONLY = """
vigil: {name: kpi}
root:
  children:
    - id: risk
      start: actors.risk_monitor.monitor:RiskMonitor
      config: {var: {sample_s: 3600}, var_every_s: 3600}
"""


def test_the_risk_monitor_raises_the_drift_from_the_oms_flow_and_clears_it_when_the_rate_is_back(tmp_path):
    from tests.support.inprocess_run import InProcessRun

    desk = InProcessRun(tmp_path / "desk", MONITOR_ONLY).start().desk
    rng, n = np.random.default_rng(0), 0
    for day in range(30):  # two weeks sliding from 85% to 60%, then two at 85%
        rate = 0.85 - 0.25 * day / 13 if day < 14 else 0.85
        for _ in range(ORDERS_PER_DAY):
            n += 1
            desk.tell("risk", update(n, True))
            desk.tell("risk", update(n, False, bool(rng.random() < rate)))
            desk.advance(86_400 / ORDERS_PER_DAY)
        if day == 14:
            [alert] = desk.alerts("fill_rate_drift")
            assert alert["strategy"] == "alpha" and alert["severity"] == "warning"
            assert alert["summary"].startswith("strategy alpha: its fill rate is drifting down over ")
    assert len(desk.alerts("fill_rate_drift")) == 1
    [cleared] = [d for _, what, d in desk.events if what == "alert_cleared"]
    assert cleared == {"problem": "fill_rate_drift", "strategy": "alpha"}
