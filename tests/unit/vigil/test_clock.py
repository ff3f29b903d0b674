"""Injected clocks: a simulated one that moves only when told, a live one that reads the machine."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.clock import Clock, LiveClock, SimClock


def test_sim_clock_starts_where_told():
    assert SimClock().now_ns() == 0
    assert SimClock().monotonic() == 0.0
    clock = SimClock(1_577_836_800_000_000_000)  # 2020-01-01T00:00:00Z
    assert clock.now_ns() == 1_577_836_800_000_000_000
    assert clock.monotonic() == pytest.approx(1_577_836_800.0)


def test_sim_clock_does_not_move_by_itself():
    clock = SimClock(42)
    assert [clock.now_ns() for _ in range(5)] == [42] * 5


def test_advance_moves_by_the_given_seconds():
    clock = SimClock(1_000)
    clock.advance(1.5)
    assert clock.now_ns() == 1_500_001_000
    clock.advance(0)
    assert clock.now_ns() == 1_500_001_000
    clock.advance(1e-9)
    assert clock.now_ns() == 1_500_001_001


def test_many_small_advances_do_not_drift():
    clock = SimClock()
    for _ in range(10_000):
        clock.advance(0.001)
    assert clock.now_ns() == 10_000_000_000
    assert clock.monotonic() == 10.0


def test_set_jumps_forward_and_accepts_the_same_instant():
    clock = SimClock(100)
    clock.set(5_000_000_000)
    assert clock.now_ns() == 5_000_000_000
    assert clock.monotonic() == 5.0
    clock.set(5_000_000_000)
    assert clock.now_ns() == 5_000_000_000


@pytest.mark.parametrize("seconds", [-1.0, -1e-9, -0.5])
def test_advance_refuses_to_go_backwards_and_keeps_the_time(seconds):
    clock = SimClock(7_000_000_000)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(seconds)
    assert clock.now_ns() == 7_000_000_000


def test_set_refuses_to_go_backwards_and_keeps_the_time():
    clock = SimClock(7_000_000_000)
    with pytest.raises(ValueError, match="backwards") as info:
        clock.set(6_999_999_999)
    assert "7000000000" in str(info.value) and "6999999999" in str(info.value)
    assert clock.now_ns() == 7_000_000_000


@given(st.lists(st.one_of(
    st.tuples(st.just("advance"), st.floats(min_value=0, max_value=1e6, allow_nan=False)),
    st.tuples(st.just("set"), st.integers(min_value=0, max_value=10**9)),
), max_size=50))
def test_sim_clock_never_goes_backwards_and_monotonic_tracks_now_ns(ops):
    clock = SimClock()
    last_ns, last_mono = clock.now_ns(), clock.monotonic()
    for op, arg in ops:
        if op == "advance":
            clock.advance(arg)
            assert clock.now_ns() == last_ns + round(arg * 1e9)
        else:
            target = last_ns + arg
            clock.set(target)
            assert clock.now_ns() == target
        assert clock.now_ns() >= last_ns
        assert clock.monotonic() >= last_mono
        assert clock.monotonic() == clock.now_ns() / 1e9
        last_ns, last_mono = clock.now_ns(), clock.monotonic()


def test_both_clocks_satisfy_the_protocol():
    def read(clock: Clock) -> tuple[int, float]:
        return clock.now_ns(), clock.monotonic()

    for clock in (LiveClock(), SimClock(3)):
        ns, mono = read(clock)
        assert isinstance(ns, int) and isinstance(mono, float)


def test_live_clock_reads_wall_time():
    before = time.time_ns()
    now = LiveClock().now_ns()
    after = time.time_ns()
    assert before <= now <= after


def test_live_clock_moves_forward():
    clock = LiveClock()
    first_ns, first_mono = clock.now_ns(), clock.monotonic()
    deadline = time.monotonic() + 5.0
    while clock.now_ns() == first_ns or clock.monotonic() == first_mono:  # spin, no fixed sleep
        assert time.monotonic() < deadline, "live clock did not move within 5 s"
    assert clock.now_ns() > first_ns
    assert clock.monotonic() > first_mono
    readings = [clock.monotonic() for _ in range(1000)]
    assert readings == sorted(readings)
