"""FixBridge.drain hands QuickFIX's events over a bounded batch at a time (vigil.fix.bridge)."""
from __future__ import annotations

import select

import pytest
import quickfix as fix

from vigil.fix.bridge import DRAIN_LIMIT, FixBridge
from vigil.fix.fields import fields_of

SESSION = fix.SessionID("FIX.4.4", "VENUE", "CLIENT")


@pytest.fixture
def bridge():
    b = FixBridge()
    yield b
    b.close()


def _app(n: int) -> fix.Message:
    m = fix.Message()
    m.getHeader().setField(35, "D")
    m.setField(11, str(n))
    return m


def _readable(fd: int) -> bool:
    return bool(select.select([fd], [], [], 0)[0])  # as Thespian's watch sees it


def test_a_backlog_larger_than_one_batch_keeps_the_wake_fd_readable_until_drained(bridge):
    for i in range(1000):
        bridge.fromApp(_app(i), SESSION)  # as QuickFIX calls back
    got, batches = [], 0
    while _readable(bridge.wake_fd):
        batch = bridge.drain(limit=7)
        assert 0 < len(batch) <= 7
        got.extend(batch)
        batches += 1
    assert [fields_of(e.raw)[11] for e in got] == [str(i) for i in range(1000)]  # all, in order
    assert batches == -(-1000 // 7)
    assert bridge.drain() == []


def test_the_default_batch_is_bounded_and_an_exact_batch_leaves_no_false_wake_up(bridge):
    for i in range(DRAIN_LIMIT + 1):
        bridge.fromApp(_app(i), SESSION)
    assert len(bridge.drain()) == DRAIN_LIMIT
    assert _readable(bridge.wake_fd)
    assert len(bridge.drain()) == 1
    assert not _readable(bridge.wake_fd)

    for i in range(5):
        bridge.onLogon(SESSION) if i == 0 else bridge.fromApp(_app(i), SESSION)
    assert [e.kind for e in bridge.drain(limit=5)] == ["logon"] + ["app"] * 4
    assert not _readable(bridge.wake_fd)  # nothing left: no call for nothing
