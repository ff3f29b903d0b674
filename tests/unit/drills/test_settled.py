"""Comparing Vigil's books with the venue's: a difference is reported only when it outlasts the time a
fill takes to reach Vigil's books (a restarted FIX session logging on again, the OMS reconciling)."""
from __future__ import annotations

import time

import pytest

from drills import probes


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(probes, "SETTLE_S", 0.01)
    monkeypatch.setattr(probes, "SETTLE_WITHIN_S", 0.2)


def differing_until(seconds: float, found: dict):
    end = time.monotonic() + seconds
    return lambda: found if time.monotonic() < end else {}


def test_a_difference_that_clears_within_the_settle_time_is_no_break():
    assert probes._settled(differing_until(0.1, {"EURUSD": "EURUSD: Vigil 3000, venue 4000"})) == []


def test_a_difference_that_lasts_is_reported_as_last_seen():
    texts = iter(f"A: status {n}" for n in range(1000))
    assert probes._settled(lambda: {"A": next(texts)})[0].startswith("A: status ")
    assert probes._settled(differing_until(1.0, {"B": "B differs"})) == ["B differs"]


def test_a_difference_that_keeps_changing_is_a_new_one_each_time():
    n = iter(range(1000))
    assert probes._settled(lambda: {("EURUSD", next(n)): "EURUSD moves"}) == []
