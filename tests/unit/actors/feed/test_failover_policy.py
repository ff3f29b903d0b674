"""The failover policy on a simulated clock: when a feed leaves its primary for the backup, and when
(and only when) it comes back.

A small driver plays the feed actor's part: every TICK it lets each source send what the scenario
says, asks the policy, and carries out the switch it is given.
"""
from __future__ import annotations

from typing import Callable

import pytest

from actors.feed.config import FeedConfig
from actors.feed.failover import BACKUP, PRIMARY, FailoverConfig, FailoverPolicy, SourceHealth, Switch
from vigil.clock import SimClock
from vigil.config import ConfigError, build_config

TICK = 0.1  # the feed actor's timer
EPS = 1e-6

# what a source does in one tick: nothing, one good message, or a message with a gap or a bad one
Behaviour = Callable[[float], tuple[int, int, int]]  # now -> (messages, bad, gaps)


def healthy(now: float) -> tuple[int, int, int]:
    return 1, 0, 0


def silent(now: float) -> tuple[int, int, int]:
    return 0, 0, 0


class Feed:
    def __init__(self, has_backup: bool = True, **config) -> None:
        self.config = FailoverConfig(**config)
        self.clock = SimClock(start_ns=1_000 * 1_000_000_000)
        self.policy = FailoverPolicy(self.config, has_backup)
        names = (PRIMARY, BACKUP) if has_backup else (PRIMARY,)
        self.health = {name: SourceHealth(self.config, self.now) for name in names}
        self.active = PRIMARY
        self.switches: list[tuple[float, Switch]] = []
        self.behaviour: dict[str, Behaviour] = {name: healthy for name in names}

    @property
    def now(self) -> float:
        return self.clock.monotonic()

    def step(self) -> Switch | None:
        self.clock.advance(TICK)
        now = self.now
        for name, health in self.health.items():
            messages, bad, gaps = self.behaviour[name](now)
            for i in range(messages):
                health.record(now, bad=i < bad, gap=i < gaps)
        switch = self.policy.decide(self.active, self.health, now)
        if switch is not None:
            self.active = switch.to
            self.switches.append((now, switch))
        return switch

    def run(self, seconds: float) -> list[tuple[float, Switch]]:
        """Steps for `seconds`; the switches made meanwhile."""
        before = len(self.switches)
        for _ in range(round(seconds / TICK)):
            self.step()
        return self.switches[before:]

    def run_until_switch(self, limit_s: float) -> tuple[float, Switch]:
        for _ in range(round(limit_s / TICK)):
            if self.step() is not None:
                return self.switches[-1]
        raise AssertionError(f"no switch within {limit_s} s (active: {self.active})")


def _burst(messages: int, bad: int = 0, gaps: int = 0, at: float | None = None) -> Behaviour:
    """A source that sends one message a tick and, in the tick at or after `at` (the first tick when
    None), a burst with `bad` bad messages and `gaps` gaps; healthy otherwise."""
    done = []

    def behaviour(now: float) -> tuple[int, int, int]:
        if not done and (at is None or now >= at - EPS):
            done.append(now)
            return messages, bad, gaps
        return 1, 0, 0
    return behaviour


def _after(at: float, behaviour: Behaviour) -> Behaviour:
    """Healthy (one message a tick) before `at`, then `behaviour`."""
    def combined(now: float) -> tuple[int, int, int]:
        return (1, 0, 0) if now < at - EPS else behaviour(now)
    return combined


def _silent_between(start: float, end: float) -> Behaviour:
    def behaviour(now: float) -> tuple[int, int, int]:
        return (0, 0, 0) if start - EPS <= now < end - EPS else (1, 0, 0)
    return behaviour


# ---- leaving the primary ------------------------------------------------------------------------

def test_healthy_sources_never_switch():
    feed = Feed()
    assert feed.run(120) == []
    assert feed.active == PRIMARY


def test_stale_primary_switches_to_backup_once_stale_ms_passed():
    feed = Feed(stale_ms=2_000)
    feed.run(5)
    last_message = feed.now
    feed.behaviour[PRIMARY] = silent
    at, switch = feed.run_until_switch(10)
    assert switch.to == BACKUP
    assert switch.reason.startswith("primary stale")
    assert "2000 ms" in switch.reason
    assert last_message + 2.0 - EPS <= at <= last_message + 2.0 + TICK + EPS
    assert feed.run(20) == []  # and stays there while the primary is silent


def test_a_source_that_never_sent_anything_is_stale():
    feed = Feed(stale_ms=2_000)
    feed.behaviour[PRIMARY] = silent
    at, switch = feed.run_until_switch(5)
    assert switch.to == BACKUP and switch.reason.startswith("primary stale")
    assert at - 1_000 == pytest.approx(2.0, abs=TICK + EPS)


def test_gap_storm_switches():
    feed = Feed(gap_storm=5, window_s=10)
    feed.run(3)
    feed.behaviour[PRIMARY] = _burst(messages=5, gaps=5)
    switch = feed.step()
    assert switch is not None and switch.to == BACKUP
    assert switch.reason.startswith("primary gap_storm")
    assert "5 sequence gaps" in switch.reason


def test_gaps_below_the_storm_limit_or_spread_out_do_not_switch():
    feed = Feed(gap_storm=5, window_s=10)
    feed.behaviour[PRIMARY] = _burst(messages=4, gaps=4)
    assert feed.run(5) == []
    # one gap every 3 s: never 5 in a 10 s window (at most 4 in 11 s)
    feed = Feed(gap_storm=5, window_s=10)
    feed.behaviour[PRIMARY] = lambda now: (1, 0, 1) if round(now * 10) % 30 == 0 else (1, 0, 0)
    assert feed.run(60) == []


def test_bad_storm_switches():
    feed = Feed(bad_min=20, bad_rate=0.2, window_s=10)
    feed.run(1)  # 10 good messages in the window already
    feed.behaviour[PRIMARY] = _burst(messages=10, bad=8)  # 8 bad of 20: 40%
    switch = feed.step()
    assert switch is not None and switch.to == BACKUP
    assert switch.reason.startswith("primary bad_storm")
    assert "8 of 20" in switch.reason


def test_bad_messages_below_bad_min_do_not_switch():
    feed = Feed(bad_min=20, bad_rate=0.2, window_s=10)
    feed.behaviour[PRIMARY] = _burst(messages=19, bad=19)
    assert feed.step() is None  # 19 of 19 bad, but fewer than bad_min messages


def test_bad_rate_at_the_limit_does_not_switch():
    feed = Feed(bad_min=20, bad_rate=0.2, window_s=10)
    feed.behaviour[PRIMARY] = _burst(messages=20, bad=4)  # 20%: the limit is "more than"
    assert feed.step() is None
    assert feed.run(30) == []


@pytest.mark.parametrize("primary, backup", [
    (lambda: _after(1_002, silent), lambda: _after(1_002, silent)),
    (lambda: _after(1_002, silent), lambda: _burst(messages=5, gaps=5, at=1_002)),
    (lambda: _burst(messages=5, gaps=5, at=1_002), lambda: _burst(messages=30, bad=30, at=1_002)),
], ids=["both-stale", "stale-vs-gap_storm", "gap_storm-vs-bad_storm"])
def test_no_switch_when_the_backup_is_in_trouble_too(primary, backup):
    feed = Feed()
    feed.behaviour[PRIMARY], feed.behaviour[BACKUP] = primary(), backup()
    assert feed.run(8) == []
    assert feed.active == PRIMARY


def test_switches_once_the_backup_recovers():
    feed = Feed(stale_ms=2_000)
    feed.behaviour[PRIMARY] = _after(1_002.1, silent)
    feed.behaviour[BACKUP] = _silent_between(1_002.1, 1_006)  # both silent; the backup is back at 1006
    assert feed.run(5.9) == []
    at, switch = feed.run_until_switch(1)
    assert switch.to == BACKUP and at == pytest.approx(1_006, abs=EPS)


def test_a_source_that_never_sent_anything_stays_stale():
    health = SourceHealth(FailoverConfig(stale_ms=2_000), now=0.0)
    assert health.problem(2.0).startswith("stale")
    assert health.problem(2.1) is not None  # actual: None
    assert health.problem(3.9) is not None


def test_no_switch_to_a_backup_that_never_sent_anything():
    feed = Feed(stale_ms=2_000)
    feed.behaviour[BACKUP] = silent  # dead from the start
    feed.run(5)
    feed.behaviour[PRIMARY] = silent
    assert feed.run(10) == []  # actual: [(1007.0, Switch(to='backup', reason='primary stale: ...'))]


def test_no_backup_never_switches():
    feed = Feed(has_backup=False, stale_ms=2_000)
    feed.behaviour[PRIMARY] = silent
    assert feed.run(60) == []
    feed.behaviour[PRIMARY] = _burst(messages=40, bad=40, gaps=40)
    assert feed.run(10) == []
    assert feed.active == PRIMARY


# ---- coming back ---------------------------------------------------------------------------------

def _fail_over_for_a_stale_primary(feed: Feed, outage_s: float) -> float:
    """Primary silent for `outage_s`, then healthy again: returns when it sent again."""
    feed.run(2)
    start = feed.now + TICK
    feed.behaviour[PRIMARY] = _silent_between(start, start + outage_s)
    at, switch = feed.run_until_switch(outage_s)
    assert switch.to == BACKUP
    feed.run(start + outage_s - feed.now)
    assert feed.now == pytest.approx(start + outage_s, abs=EPS)
    return feed.now


def test_manual_failback_never_switches_back_by_itself():
    feed = Feed(failback="manual", healthy_for_s=30)
    _fail_over_for_a_stale_primary(feed, outage_s=5)
    assert feed.run(600) == []  # ten minutes of a healthy primary
    assert feed.active == BACKUP


def test_manual_failback_still_leaves_a_broken_backup_for_a_healthy_primary():
    """Not a failback: the backup fails over to the primary the same way the primary does."""
    feed = Feed(failback="manual", healthy_for_s=30, stale_ms=2_000)
    _fail_over_for_a_stale_primary(feed, outage_s=5)
    feed.run(3)
    feed.behaviour[BACKUP] = silent
    at, switch = feed.run_until_switch(5)
    assert switch.to == PRIMARY
    assert switch.reason.startswith("backup stale") and "primary is healthy" in switch.reason


def test_auto_failback_only_after_healthy_for_s():
    feed = Feed(failback="auto", healthy_for_s=30, stale_ms=2_000)
    back = _fail_over_for_a_stale_primary(feed, outage_s=5)
    # the primary's health counts from the last tick that saw it unhealthy (at most one tick before
    # it sent again): no failback before healthy_for_s of health, up to that one tick
    assert feed.run(30 - 2 * TICK) == []
    at, switch = feed.run_until_switch(1)
    assert switch.to == PRIMARY
    assert switch.reason.startswith("failback: primary healthy for 30.0 s")
    assert back + 30 - TICK - EPS <= at <= back + 30 + TICK + EPS
    assert feed.run(60) == []  # and stays


def test_auto_failback_timer_restarts_when_the_primary_breaks_again():
    feed = Feed(failback="auto", healthy_for_s=30, stale_ms=2_000)
    back = _fail_over_for_a_stale_primary(feed, outage_s=5)
    feed.run(15)
    # a second outage of 3 s half way through the healthy period
    second = feed.now + TICK
    feed.behaviour[PRIMARY] = _silent_between(second, second + 3)
    assert feed.run(3) == []
    back_again = feed.now
    assert back_again == pytest.approx(second + 3 - TICK, abs=EPS)
    switches = feed.run(40)
    assert len(switches) == 1
    at, switch = switches[0]
    assert switch.to == PRIMARY and switch.reason.startswith("failback")
    assert at > back + 30 + 1  # not counted from the first recovery
    assert back_again + 30 - TICK - EPS <= at <= back_again + 30 + TICK + EPS


def test_auto_failback_waits_while_a_gap_storm_is_in_the_window():
    feed = Feed(failback="auto", healthy_for_s=30, gap_storm=5, window_s=10)
    feed.run(1)
    feed.behaviour[PRIMARY] = _burst(messages=5, gaps=5)
    storm_at = feed.now + TICK
    at, switch = feed.run_until_switch(1)
    assert switch.to == BACKUP and "gap_storm" in switch.reason
    at, switch = feed.run_until_switch(60)
    assert switch.to == PRIMARY
    # the storm leaves the window after window_s (+ up to its one-second bucket); then 30 s of health
    assert storm_at + 10 + 30 - EPS <= at <= storm_at + 11 + 30 + TICK + EPS


def test_auto_failback_after_an_operator_switched_to_the_backup():
    feed = Feed(failback="auto", healthy_for_s=30)
    feed.active = BACKUP  # an operator switched by hand; the primary was healthy all along
    at, switch = feed.run_until_switch(31)
    assert switch.to == PRIMARY and switch.reason.startswith("failback")
    assert at - 1_000 == pytest.approx(30, abs=TICK + EPS)


# ---- SourceHealth details ---------------------------------------------------------------------------

def test_source_health_window_slides():
    config = FailoverConfig(gap_storm=3, window_s=5)
    health = SourceHealth(config, now=100.0)
    for t in (100.0, 100.5, 101.0):
        health.record(t, gap=True)
    assert health.problem(101.0).startswith("gap_storm: 3 sequence gaps")
    health.record(105.9)
    assert "gap_storm" in health.problem(105.9)  # the bucket of second 100 is still in the window
    assert health.healthy_for(105.9) == 0
    health.record(106.5)
    assert health.problem(106.5) is None  # second 100 left the window: 1 gap
    assert health.healthy_for(106.5) == pytest.approx(0.6)


def test_bad_rate_reads_the_window():
    health = SourceHealth(FailoverConfig(window_s=10), now=0.0)
    for i in range(10):
        health.record(1.0, bad=i < 3)
    assert health.bad_rate(1.0) == pytest.approx(0.3)
    assert health.bad_rate(20.0) == 0.0


# ---- configuration --------------------------------------------------------------------------------

def failover_config(raw: dict | None) -> FailoverConfig:
    settings = {"primary": "tcp://127.0.0.1:5555", **({} if raw is None else {"failover": raw})}
    return build_config(FeedConfig, settings, "root/market/feed").failover


def test_config_defaults_and_values():
    assert failover_config(None) == FailoverConfig()
    config = failover_config({"failback": "manual", "stale_ms": 500, "gap_storm": 2})
    assert (config.failback, config.stale_ms, config.gap_storm) == ("manual", 500, 2)


@pytest.mark.parametrize("raw, names", [
    ({"stale": 5}, ("stale", "stale_ms")),
    ({"stale_ms": 0}, ("failover.stale_ms", "0")),
    ({"window_s": -1}, ("failover.window_s", "-1")),
    ({"healthy_for_s": float("inf")}, ("failover.healthy_for_s", "inf")),
    ({"gap_storm": 0}, ("failover.gap_storm", "0")),
    ({"bad_min": 2.5}, ("failover.bad_min", "2.5")),
    ({"bad_min": True}, ("failover.bad_min", "true")),
    ({"bad_rate": 0}, ("failover.bad_rate", "0")),
    ({"bad_rate": 1.5}, ("failover.bad_rate", "1.5")),
    ({"failback": "never"}, ("failover.failback", "'never'")),
])
def test_config_errors_name_the_setting(raw, names):
    with pytest.raises(ConfigError) as err:
        failover_config(raw)
    message = str(err.value)
    assert message.startswith("root/market/feed: failover.")
    for name in names:
        assert name in message, message
