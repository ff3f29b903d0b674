"""Trading states ACTIVE / REDUCING / HALTED per strategy, book and globally: the tightest wins, they are
events that replay to the same states, and a runaway strategy is halted alone until a person resumes it."""
from __future__ import annotations

import json

import pytest

from actors.oms.risk import TradingStateError, TradingStates
from tests.unit.actors.oms.risk.risk_support import T0, Desk


def states_from(*changes: tuple) -> TradingStates:
    states = TradingStates()
    for scope, target, state in changes:
        states.apply(TradingStates.event(scope, target, state, reason="test", by="ops", at_ns=T0))
    return states


@pytest.mark.parametrize("changes, expected", [
    ((), None),
    ((("strategy", "s1", "REDUCING"),), ("REDUCING", "strategy")),
    ((("strategy", "s1", "REDUCING"), ("book", "b1", "HALTED")), ("HALTED", "book")),
    ((("strategy", "s1", "HALTED"), ("book", "b1", "REDUCING")), ("HALTED", "strategy")),
    ((("global", None, "REDUCING"), ("strategy", "s1", "HALTED")), ("HALTED", "strategy")),
    ((("global", None, "HALTED"), ("strategy", "s1", "REDUCING")), ("HALTED", "global")),
    ((("strategy", "s2", "HALTED"), ("book", "b2", "HALTED")), None),
    ((("strategy", "s1", "HALTED"), ("strategy", "s1", "ACTIVE")), None),
])
def test_the_tightest_state_that_applies_wins(changes, expected):
    found = states_from(*changes).effective("s1", "b1")
    assert (None if found is None else (found.state, found.scope)) == expected


def test_a_state_change_is_an_event_that_replays_and_snapshots_to_the_same_states():
    desk = Desk()
    desk.persist(desk.gw.set_state("strategy", "mean-rev", "HALTED", reason="bad fills", by="alice"))
    desk.persist(desk.gw.set_state("book", "main", "REDUCING", reason="end of quarter", by="bob"))
    desk.persist(desk.gw.set_state("global", None, "REDUCING", reason="news", by="carol"))
    desk.persist(desk.gw.set_state("global", None, "ACTIVE", reason="news out", by="carol"))
    assert desk.log[0] == {"event": "trading_state", "scope": "strategy", "target": "mean-rev", "state": "HALTED",
                           "reason": "bad fills", "by": "alice", "at_ns": T0}
    replayed = Desk()
    for event in desk.log:
        replayed.persist(event)
    restored = Desk()
    restored.gw.restore(json.loads(json.dumps(desk.gw.snapshot())))
    for gw in (desk.gw, replayed.gw, restored.gw):
        assert gw.states.rows() == [
            {"scope": "strategy", "target": "mean-rev", "state": "HALTED", "reason": "bad fills", "by": "alice"},
            {"scope": "book", "target": "main", "state": "REDUCING", "reason": "end of quarter", "by": "bob"}]


@pytest.mark.parametrize("args, says", [
    (("desk", "x", "HALTED", "r", "ops"), "unknown scope 'desk': one of strategy, book, global"),
    (("strategy", "", "HALTED", "r", "ops"), "a strategy state needs the strategy's name"),
    (("strategy", "x", "STOPPED", "r", "ops"), "unknown state 'STOPPED': one of ACTIVE, REDUCING, HALTED"),
    (("strategy", "x", "HALTED", " ", "ops"), "a state change needs a reason"),
    (("strategy", "x", "HALTED", "r", ""), "a state change needs who made it (by)"),
    (("strategy", "x", "ACTIVE", "r", "risk"), "only a person resumes trading (RTS 6 art. 15(3))"),
])
def test_a_bad_state_change_is_refused(args, says):
    scope, target, state, reason, by = args
    with pytest.raises(TradingStateError) as err:
        TradingStates.event(scope, target, state, reason=reason, by=by, at_ns=0)
    assert str(err.value) == says


def test_halted_refuses_new_orders_and_replaces_and_lets_cancels_through():
    desk = Desk()
    order = desk.submit(qty=100_000)
    desk.persist(desk.gw.set_state("book", "main", "HALTED", reason="reconciling", by="ops"))
    denied = desk.check()
    assert (denied.reason, denied.message) == ("halted", "halted: book main is HALTED (reconciling): no new orders or "
                                                         "replaces; cancels pass")
    assert desk.replace_check(order, qty=1).reason == "halted"
    assert desk.cancel_check()
    assert desk.check(book="other")


def test_reducing_lets_through_only_orders_that_reduce_their_position_and_cannot_flip_it():
    desk = Desk()
    order = desk.submit(qty=100_000)
    desk.ack(order)
    desk.fill(order, 100_000, 1.1)  # long 100000
    desk.submit(side="sell", qty=30_000)  # already working to reduce
    desk.persist(desk.gw.set_state("strategy", "mean-rev", "REDUCING", reason="stop-loss", by="monitor"))
    assert desk.check(side="sell", qty=70_000)
    denied = desk.check(side="sell", qty=70_001)
    assert denied.message == ("reducing: mean-rev is REDUCING (stop-loss): EURUSD sell 70001 does not reduce the "
                              "position 100000 (30000 working on that side)")
    assert desk.check(side="buy", qty=1).reason == "reducing"
    assert desk.check("other", side="buy")  # another strategy trades on
    assert desk.check(symbol="GBPUSD", side="sell", price=1.27).reason == "reducing"  # no position there


def test_a_runaway_strategy_is_halted_alone_and_stays_halted_until_a_person_resumes_it():
    desk = Desk({"strategy_defaults": {"message_rate": {"max": 5, "window_s": 1}}})
    for i in range(5):
        assert desk.check(qty=1000 + i)
    assert desk.check("calm", qty=1000)
    denied = desk.check(qty=2000)
    assert (denied.reason, denied.message) == ("message_rate", "message_rate: 6 messages in 1 s > 5 for mean-rev")
    assert [(e["scope"], e["target"], e["state"], e["by"]) for e in denied.events] == [
        ("strategy", "mean-rev", "HALTED", "risk")]
    assert denied.alerts == ({"problem": "strategy_halted", "strategy": "mean-rev",
                              "reason": "message_rate: 6 messages in 1 s > 5 for mean-rev"},)
    assert desk.check("calm", qty=1001)  # the others trade on
    desk.clock.advance(3600)
    for symbol in ("EURUSD", "GBPUSD"):
        desk.quote(symbol, 1.1, 1.1002)
    assert desk.check(qty=1).reason == "halted"  # an hour later, quiet since: still halted
    assert desk.check("calm", qty=1)
    halted_again = desk.check(qty=2)
    assert not halted_again.events  # halted once, not again and again
    desk.persist(desk.gw.set_state("strategy", "mean-rev", "ACTIVE", reason="fixed the loop", by="alice"))
    assert desk.check(qty=3)


def test_the_repeated_execution_throttle_halts_the_strategy():
    desk = Desk({"strategies": {"mean-rev": {"executions": {"max": 3, "window_s": 60}}}})
    order = desk.submit(qty=100_000)
    desk.ack(order)
    for _ in range(3):
        desk.fill(order, 1000, 1.1)
    assert desk.check()
    report = desk.fill(order, 1000, 1.1)
    assert desk.alerts == [{"problem": "strategy_halted", "strategy": "mean-rev",
                            "reason": "execution_throttle: 4 executions in 60 s > 3 for mean-rev"}]
    assert desk.check().reason == "halted"
    assert desk.log[-1]["event"] == "trading_state"
    assert not desk.gw.executed(report).events  # the same execution resent counts once


def test_the_throttle_counts_in_its_window_only():
    desk = Desk({"strategies": {"mean-rev": {"executions": {"max": 3, "window_s": 60}}}})
    order = desk.submit(qty=100_000)
    desk.ack(order)
    for _ in range(10):
        desk.fill(order, 1000, 1.1)
        desk.clock.advance(20.001)
    assert not desk.alerts
    desk.quote("EURUSD", 1.1, 1.1002)
    assert desk.check()
