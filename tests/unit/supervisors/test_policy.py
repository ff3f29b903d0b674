"""Restart policy as OTP defines it: which children, whether at all, how often, how long to wait."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supervisors.policy import (
    RESTART_TYPES,
    STRATEGIES,
    RestartIntensity,
    affected_children,
    backoff_delay,
    should_restart,
)
from vigil.clock import SimClock

# --- affected_children ---------------------------------------------------------------------------


@pytest.mark.parametrize("failed", [0, 2, 4])
def test_one_for_one_restarts_only_the_failed_child(failed):
    assert affected_children("one_for_one", 5, failed) == [failed]


@pytest.mark.parametrize("failed", [0, 2, 4])
def test_one_for_all_restarts_every_child_in_start_order(failed):
    assert affected_children("one_for_all", 5, failed) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(("failed", "expected"), [(0, [0, 1, 2, 3, 4]), (2, [2, 3, 4]), (4, [4])])
def test_rest_for_one_restarts_the_failed_child_and_those_started_after_it(failed, expected):
    assert affected_children("rest_for_one", 5, failed) == expected


def test_a_single_child_is_the_only_one_affected_under_every_strategy():
    for strategy in STRATEGIES:
        assert affected_children(strategy, 1, 0) == [0]


@given(st.integers(min_value=1, max_value=50).flatmap(
    lambda n: st.tuples(st.just(n), st.integers(min_value=0, max_value=n - 1))))
def test_affected_children_properties(count_failed):
    count, failed = count_failed
    one = affected_children("one_for_one", count, failed)
    everyone = affected_children("one_for_all", count, failed)
    rest = affected_children("rest_for_one", count, failed)
    for chosen in (one, everyone, rest):
        assert failed in chosen
        assert chosen == sorted(set(chosen)), "start order, no duplicates"
        assert all(0 <= i < count for i in chosen)
    assert one == [failed]
    assert everyone == list(range(count))
    # rest_for_one: never a child started before the failed one, always every one after it.
    assert rest == [i for i in everyone if i >= failed]
    assert set(one) <= set(rest) <= set(everyone)


@pytest.mark.parametrize("strategy", ["simple_one_for_one", "one-for-one", "ONE_FOR_ALL", ""])
def test_unknown_strategy_is_a_value_error_naming_it(strategy):
    with pytest.raises(ValueError, match="unknown strategy") as info:
        affected_children(strategy, 3, 0)
    assert repr(strategy) in str(info.value)


# --- should_restart ------------------------------------------------------------------------------


@pytest.mark.parametrize(("restart", "abnormal", "expected"), [
    ("permanent", True, True),
    ("permanent", False, True),
    ("transient", True, True),
    ("transient", False, False),
    ("temporary", True, False),
    ("temporary", False, False),
])
def test_should_restart_table(restart, abnormal, expected):
    assert should_restart(restart, abnormal) is expected


def test_restart_types_constant_lists_exactly_the_three_otp_types():
    assert set(RESTART_TYPES) == {"permanent", "transient", "temporary"}
    assert set(STRATEGIES) == {"one_for_one", "one_for_all", "rest_for_one"}


@pytest.mark.parametrize("restart", ["Permanent", "always", "", "brutal_kill"])
@pytest.mark.parametrize("abnormal", [True, False])
def test_unknown_restart_type_is_a_value_error_naming_it(restart, abnormal):
    with pytest.raises(ValueError, match="unknown restart type") as info:
        should_restart(restart, abnormal)
    assert repr(restart) in str(info.value)


# --- RestartIntensity ----------------------------------------------------------------------------


def test_intensity_zero_gives_up_on_the_first_restart():
    intensity = RestartIntensity(0, 5.0, SimClock())
    assert intensity.allow() is False
    assert intensity.recent == 1


@pytest.mark.parametrize("limit", [1, 3, 10])
def test_exactly_intensity_restarts_within_period_are_allowed_one_more_is_not(limit):
    clock = SimClock()
    intensity = RestartIntensity(limit, 10.0, clock)
    for n in range(1, limit + 1):
        assert intensity.allow() is True, f"restart {n} of {limit} refused"
        assert intensity.recent == n
        clock.advance(0.5)  # well inside the period
    assert intensity.allow() is False
    assert intensity.recent == limit + 1


def test_all_restarts_at_the_same_instant_count():
    intensity = RestartIntensity(2, 1.0, SimClock())
    assert [intensity.allow() for _ in range(3)] == [True, True, False]


def test_restarts_older_than_period_fall_out_of_the_window():
    clock = SimClock()
    intensity = RestartIntensity(2, 5.0, clock)
    assert intensity.allow() and intensity.allow()
    clock.advance(5.001)
    # Both earlier restarts are now more than 5 s old: this one is the only one in the window.
    assert intensity.allow() is True
    assert intensity.recent == 1


def test_window_slides_one_restart_at_a_time():
    clock = SimClock()
    intensity = RestartIntensity(2, 10.0, clock)
    assert intensity.allow()          # t=0
    clock.advance(6)
    assert intensity.allow()          # t=6
    clock.advance(6)
    assert intensity.allow()          # t=12: t=0 fell out, t=6 and t=12 remain
    assert intensity.recent == 2
    assert intensity.allow() is False  # t=12 again: three within 10 s (6, 12, 12)


def test_a_restart_exactly_period_ago_still_counts_as_otp_does():
    # OTP supervisor.erl keeps restarts with Restart >= Now - Period.
    clock = SimClock()
    intensity = RestartIntensity(1, 10.0, clock)
    assert intensity.allow()
    clock.advance(10)
    assert intensity.allow() is False
    assert intensity.recent == 2


@given(
    limit=st.integers(min_value=0, max_value=5),
    period_s=st.integers(min_value=1, max_value=10),
    # Gaps in quarter seconds: exact in binary floating point, so the model can be exact.
    gaps=st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=40),
)
def test_intensity_matches_a_sliding_window_model(limit, period_s, gaps):
    clock = SimClock()
    intensity = RestartIntensity(limit, float(period_s), clock)
    now_q, times_q = 0, []
    for gap in gaps:
        clock.advance(gap / 4)
        now_q += gap
        times_q.append(now_q)
        in_window = [t for t in times_q if now_q - t <= period_s * 4]
        assert intensity.allow() is (len(in_window) <= limit)
        assert intensity.recent == len(in_window)


# --- backoff_delay -------------------------------------------------------------------------------


@pytest.mark.parametrize(("attempt", "expected_s"), [
    (1, 0.1), (2, 0.2), (3, 0.4), (4, 0.8), (5, 1.6), (6, 2.0), (7, 2.0), (50, 2.0), (10_000, 2.0),
])
def test_backoff_doubles_from_min_and_is_clamped_to_max(attempt, expected_s):
    assert backoff_delay(100, 2000, 0.0, attempt, random.Random(0)) == pytest.approx(expected_s)


def test_backoff_attempt_zero_waits_the_minimum():
    assert backoff_delay(250, 4000, 0.0, 0, random.Random(0)) == pytest.approx(0.25)


def test_backoff_is_in_seconds_not_milliseconds():
    assert backoff_delay(1000, 1000, 0.0, 1, random.Random(0)) == pytest.approx(1.0)


def test_jitter_spreads_delays_on_both_sides_of_the_base():
    rng = random.Random(7)
    delays = [backoff_delay(1000, 60_000, 0.5, 1, rng) for _ in range(200)]
    assert min(delays) < 1.0 < max(delays)
    assert all(0.5 <= d <= 1.5 for d in delays)
    assert len(set(delays)) > 100, "siblings would retry in lock step"


def test_seeded_rng_gives_reproducible_delays():
    def run(seed):
        rng = random.Random(seed)
        return [backoff_delay(100, 5000, 0.3, attempt, rng) for attempt in range(1, 12)]

    assert run(1234) == run(1234)
    assert run(1234) != run(4321)


@given(
    min_ms=st.integers(min_value=0, max_value=10_000),
    max_ms=st.integers(min_value=0, max_value=120_000),
    jitter=st.floats(min_value=0.0, max_value=1.0),
    attempt=st.integers(min_value=0, max_value=200),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_backoff_stays_within_jitter_of_base_and_within_zero_and_max(min_ms, max_ms, jitter, attempt, seed):
    base_ms = min(max_ms, min_ms * 2 ** max(0, attempt - 1))
    delay_ms = backoff_delay(min_ms, max_ms, jitter, attempt, random.Random(seed)) * 1000
    tolerance = 1e-6 * max(1.0, base_ms)
    assert 0.0 <= delay_ms <= max_ms + tolerance
    assert abs(delay_ms - base_ms) <= jitter * base_ms + tolerance
    if jitter == 0.0:
        assert delay_ms == pytest.approx(base_ms)


@given(
    min_ms=st.integers(min_value=1, max_value=10_000),
    max_ms=st.integers(min_value=1, max_value=120_000),
    jitter=st.floats(min_value=0.0, max_value=5.0),
    attempt=st.integers(min_value=1, max_value=64),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_backoff_never_negative_nor_over_max_even_with_excessive_jitter(min_ms, max_ms, jitter, attempt, seed):
    delay = backoff_delay(min_ms, max_ms, jitter, attempt, random.Random(seed))
    assert 0.0 <= delay <= max_ms / 1000


@given(
    min_ms=st.integers(min_value=1, max_value=1000),
    max_ms=st.integers(min_value=1, max_value=100_000),
    attempts=st.lists(st.integers(min_value=0, max_value=100), min_size=2, max_size=10),
)
def test_backoff_without_jitter_never_shrinks_as_attempts_grow(min_ms, max_ms, attempts):
    attempts.sort()
    delays = [backoff_delay(min_ms, max_ms, 0.0, a, random.Random(0)) for a in attempts]
    assert delays == sorted(delays)
