"""The fast lane (vigil.lane) on real ZeroMQ sockets over loopback."""
from __future__ import annotations

import select
import time

import pytest
import zmq

from vigil.lane import Lane, LaneAddress, Unreachable
from vigil.messages import Done
from vocabulary.counter import Count, Increment


@pytest.fixture
def lanes():
    made: list[Lane] = []

    def make(path: str) -> Lane:
        made.append(Lane(path))
        return made[-1]
    yield make
    for lane in made:
        lane.close()


def receive_all(lane: Lane, count: int, limit: int = 64) -> list:
    got: list = []
    deadline = time.monotonic() + 10
    while len(got) < count and time.monotonic() < deadline:
        readable, _, _ = select.select(lane.fds, [], [], 1.0)  # as Thespian's watch does
        if readable:
            got.extend(lane.receive(limit))
    return got


def test_messages_arrive_in_order_with_their_trace_and_a_reply_address(lanes):
    oms, strategy = lanes("root/oms"), lanes("root/strategy")
    for i in range(5):
        strategy.send(oms.address, Increment(i + 1), traceparent=f"00-{i:032x}-{i + 1:016x}-01")
    got = receive_all(oms, 5)
    assert [d.message for d in got] == [Increment(i + 1) for i in range(5)]
    assert got[3].traceparent == f"00-{3:032x}-{4:016x}-01"
    assert got[0].sender == strategy.address
    oms.send(got[0].sender, Count(15, 5, 0))
    assert [d.message for d in receive_all(strategy, 1)] == [Count(15, 5, 0)]


def test_only_messages_of_the_vocabulary_go_on_a_lane(lanes):
    oms, strategy = lanes("root/oms"), lanes("root/strategy")
    with pytest.raises(TypeError, match="dict is not a vigil.wire.Message"):
        strategy.send(oms.address, {"order": 1})


def test_a_backlog_larger_than_one_batch_keeps_an_fd_readable_until_read(lanes):
    # ZeroMQ's own fd fires once per burst; the lane must not leave the rest unannounced.
    oms, strategy = lanes("root/oms"), lanes("root/strategy")
    for i in range(300):
        strategy.send(oms.address, Increment(i + 1))
    got = receive_all(oms, 300, limit=7)
    assert [d.message.by for d in got] == list(range(1, 301))


def test_a_peer_with_no_lane_is_unreachable_and_then_refused_at_once(lanes):
    strategy = lanes("root/strategy")
    gone = lanes("root/oms")
    address = gone.address
    gone.close()
    with pytest.raises(Unreachable, match="root/oms"):
        strategy.send(address, Done("hello"))
    with pytest.raises(Unreachable):
        strategy.send(address, Done("again"))


def test_frames_for_another_actor_or_undecodable_are_dropped_and_the_lane_goes_on(lanes):
    oms, strategy = lanes("root/oms"), lanes("root/strategy")
    strategy.send(LaneAddress(oms.address.endpoint, "root/old-tenant"), Done("not for the OMS"))
    raw = zmq.Context.instance().socket(zmq.PUSH)
    try:
        raw.connect(oms.address.endpoint)
        raw.send(b"\x00 not a frame")
        strategy.send(oms.address, Done("for the OMS"))
        assert [d.message for d in receive_all(oms, 1)] == [Done("for the OMS")]
    finally:
        raw.close(0)
