"""The in-process runner (vigil.inprocess): components delivered to in order, on a simulated clock, state in a
store that outlives a crash, every message crossing as it would between processes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from actors.counter import Counter
from vigil.clock import SimClock
from vigil.component import Component, Refused
from vigil.errors import VigilError
from vigil.inprocess import InProcess
from vigil.state_store import StateStore
from vigil.topology import parse_topology
from vocabulary.counter import Count, GetCount, Increment

T0 = 1_800_000_000 * 1_000_000_000


class Ticker(Component):
    """Counts its own timer every 100 ms, and relays increments to a counter."""

    def on_running(self) -> None:
        self.ticks = 0
        self.wakeup_after(timedelta(milliseconds=100), "tick")

    def on_wakeup(self, payload) -> None:
        self.ticks += 1
        self.event("tick", at_ns=self.clock.now_ns())
        self.wakeup_after(timedelta(milliseconds=100), "tick")

    def on_message(self, msg, sender) -> None:
        if isinstance(msg, Increment):
            self.tell(self.address_of("counter"), msg)
            self.reply(sender, Count(-1, 0, 0))
        else:
            super().on_message(msg, sender)


def desk(**options) -> InProcess:
    runner = InProcess(SimClock(T0), **options)
    runner.add("counter", Counter, {"snapshot_every": 3})
    runner.add("ticker", Ticker)
    runner.start()
    return runner


def test_messages_are_delivered_in_order_and_each_answered():
    runner = desk()
    for n in (1, 2, 3):
        runner.tell("counter", Increment(n))
    runner.run()
    assert [c.value for c in runner.inbox] == [1, 3, 6]
    assert runner.ask("counter", GetCount()) == Count(6, 3, 0)


def test_what_a_message_causes_is_delivered_before_ask_returns():
    runner = desk()
    runner.ask("ticker", Increment(5))  # the ticker passes it on to the counter
    assert runner.ask("counter", GetCount()).value == 5


def test_timers_fire_on_the_simulated_clock_only_as_it_is_moved():
    runner = desk()
    assert runner.component("ticker").ticks == 0
    runner.advance(0.35)
    assert runner.component("ticker").ticks == 3
    assert [d["at_ns"] for _, what, d in runner.events if what == "tick"] == [T0 + i * 100_000_000 for i in (1, 2, 3)]
    assert runner.clock.now_ns() == T0 + 350_000_000


def test_a_refusal_is_answered_and_raised_to_the_asker():
    runner = desk()
    with pytest.raises(VigilError, match=r"root/counter refused Increment: Increment.by must be a positive"):
        runner.ask("counter", Increment(-1))
    with pytest.raises(VigilError, match="root/ticker refused GetCount: root/ticker does not handle GetCount"):
        runner.ask("ticker", GetCount())
    assert runner.ask("counter", GetCount()).value == 0  # nothing of the refused message was kept


def test_a_killed_component_is_unreachable_then_recovers_its_state_from_the_store():
    runner = desk()
    for n in range(1, 6):
        runner.tell("counter", Increment(n))
    runner.run()
    runner.kill("counter")
    with pytest.raises(VigilError, match="did not answer"):
        runner.ask("counter", GetCount())
    with pytest.raises(Refused, match="root/counter has not started"):
        runner.component("ticker").address_of("counter")
    runner.restart("counter")
    assert runner.ask("counter", GetCount()) == Count(15, 5, 1)  # a snapshot and the events after it


def test_a_component_recovers_from_a_real_redis_store_as_well(redis_client):
    runner = desk(store=lambda path: StateStore(redis_client, "t", path))
    runner.ask("counter", Increment(7))
    runner.restart("counter")
    assert runner.ask("counter", GetCount()).value == 7
    assert redis_client.exists("t:state:root/counter:log")


def test_only_messages_that_could_cross_a_process_are_sent():
    @dataclass
    class NotAMessage:
        n: int

    runner = desk()
    with pytest.raises(TypeError, match="NotAMessage is not a vigil.wire.Message"):
        runner.tell("counter", NotAMessage(1))


def test_an_address_of_an_actor_not_in_the_topology_is_refused():
    runner = desk()
    with pytest.raises(Refused, match="no actor 'nobody' in the topology"):
        runner.component("ticker").address_of("nobody")


def test_a_topology_runs_in_one_process_with_its_configs_checked(tmp_path):
    text = ("root:\n  children:\n    - id: inner\n      type: supervisor\n      children:\n"
            "        - id: counter\n          start: actors.counter:Counter\n          config: {snapshot_every: 2}\n")
    runner = InProcess.from_topology(parse_topology(text, str(tmp_path / "t.yaml")), SimClock(T0))
    runner.start()
    assert runner.component("counter").path == "root/inner/counter"
    assert runner.component("counter").snapshot_every == 2
    assert runner.ask("counter", Increment(2)).value == 2


def test_two_runs_of_the_same_steps_reach_the_same_history():
    def history():
        runner = desk()
        for n in range(4):
            runner.tell("ticker", Increment(n + 1))
            runner.advance(0.07)
        return runner.events, runner.ask("counter", GetCount())
    assert history() == history()
