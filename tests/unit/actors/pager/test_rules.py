"""Alert rules: an alert pages only once it has held for its rule's for_s, resolves when its source clears
it (or, a one-off, by itself), stays one incident when raised again, and is rebuilt from a snapshot; a
restart storm and a supervisor giving up are read from the tree's history; a bad rule is refused by name."""
from __future__ import annotations

import pytest

from actors.pager.outbox import Outbox, Page
from actors.pager.rules import FIRING, PENDING, RESOLVED, AlertBook, AlertRule
from vigil.alerts import alert_detail
from vigil.config import ConfigError, build_config
from vocabulary.alerts import (
    FEED_DEGRADED,
    RESTART_STORM,
    STRATEGY_HALTED,
    SUPERVISOR_GAVE_UP,
    SURVEILLANCE_FLAG,
)

HOST = "root/market/strategies/mean-rev"


def raised(problem: str, path: str = HOST, **detail) -> dict:
    return {"path": path, "what": "alert", **{k: str(v) for k, v in alert_detail(problem, **detail).items()}}


def cleared(problem: str, path: str = "root/trading/oms", **subject) -> dict:
    return {"path": path, "what": "alert_cleared", "problem": problem, **subject}


def states(changed) -> list[tuple[str, str]]:
    return [(a.key, a.state) for a in changed]


def test_an_alert_fires_only_after_it_held_for_its_rule_and_a_blip_never_pages():
    book = AlertBook([AlertRule(alert=FEED_DEGRADED, for_s=5)])
    assert states(book.observe(raised(FEED_DEGRADED, "root/market/feed", feed="eurusd", source="primary",
                                      reason="stale"), 100.0)) == [("feed_degraded:eurusd", PENDING)]
    assert book.next_change() == 105.0
    assert book.tick(104.9) == []
    assert book.observe(cleared(FEED_DEGRADED, "root/market/feed", feed="eurusd"), 104.9) == []  # a blip
    assert book.rows() == [] and book.next_change() is None
    book.observe(raised(FEED_DEGRADED, "root/market/feed", feed="eurusd", source="primary", reason="stale"), 200.0)
    assert states(book.tick(205.0)) == [("feed_degraded:eurusd", FIRING)]
    [row] = book.rows()
    assert row["state"] == FIRING and row["since"] == 205.0 and row["summary"].startswith("feed eurusd: stale")
    assert row["runbook"] == "runbooks/feed-degraded.md"
    assert states(book.observe(cleared(FEED_DEGRADED, "root/market/feed", feed="eurusd"), 230.0)) == [
        ("feed_degraded:eurusd", RESOLVED)]
    assert [r["state"] for r in book.rows()] == [RESOLVED]


def test_an_alert_raised_again_while_firing_is_one_incident_with_its_newest_words():
    book = AlertBook()
    assert states(book.observe(raised(STRATEGY_HALTED, strategy="mean-rev", reason="rate"), 1.0)) == [
        ("strategy_halted:mean-rev", FIRING)]  # no rule: it fires at once
    assert book.observe(raised(STRATEGY_HALTED, strategy="mean-rev", reason="again"), 2.0) == []
    [row] = book.rows()
    assert row["summary"] == "strategy mean-rev HALTED: again" and row["since"] == 1.0
    # cleared by another actor than the one raising it: the source is the strategy, not the path
    assert states(book.observe(cleared(STRATEGY_HALTED, strategy="mean-rev"), 3.0)) == [
        ("strategy_halted:mean-rev", RESOLVED)]


def test_a_one_off_clears_by_itself_after_it_was_last_raised():
    book = AlertBook([AlertRule(alert=SURVEILLANCE_FLAG, clears_after_s=60)])
    flag = raised(SURVEILLANCE_FLAG, "root/trading/risk", pattern="layering", strategy="s1", detail="x")
    book.observe(flag, 0.0)
    book.observe(flag, 50.0)  # again: its clock starts over
    assert book.next_change() == 110.0 and book.tick(109.0) == []
    assert states(book.tick(110.0)) == [("surveillance_flag:s1", RESOLVED)]


def test_a_rule_sets_the_severity_and_can_keep_an_alert_off_the_pager():
    book = AlertBook([AlertRule(alert=STRATEGY_HALTED, severity="critical", page=False)])
    [fired] = book.observe(raised(STRATEGY_HALTED, strategy="x", reason="r"), 0.0)
    assert fired.severity == "critical" and book.rule(STRATEGY_HALTED).page is False


def test_restarts_of_one_actor_within_the_window_are_a_storm_that_clears_when_they_stop():
    book = AlertBook([AlertRule(alert=RESTART_STORM, restarts=3, within_s=60)])
    crash = {"path": "root/trading/oms", "what": "exited", "reason": "crashed: ValueError", "abnormal": "1"}
    assert book.relevant(crash) and not book.relevant({**crash, "abnormal": "0"})
    assert book.observe(crash, 0.0) == [] and book.observe(crash, 30.0) == []
    assert book.observe({**crash, "path": "root/market/feed"}, 40.0) == []  # another actor's restart
    changed = book.observe(crash, 50.0)
    assert states(changed)[-1] == ("restart_storm:root/trading/oms", FIRING)
    assert changed[-1].summary.startswith("actor root/trading/oms: 3 restarts in 60 s (last: crashed: ValueError)")
    assert book.next_change() == 60.0  # the first of the three leaves the window
    assert states(book.tick(60.0)) == [("restart_storm:root/trading/oms", RESOLVED)]


def test_a_supervisor_that_gave_up_is_an_alert_until_it_runs_again():
    book = AlertBook()
    gave_up = {"path": "root/market", "what": "gave_up", "reason": "feed: 6 failures within 10 s"}
    assert states(book.observe(gave_up, 0.0))[-1] == ("supervisor_gave_up:root/market", FIRING)
    assert book.relevant({"path": "root/market", "what": "running"})
    assert not book.relevant({"path": "root/market", "what": "feed_switch"})
    assert states(book.observe({"path": "root/market", "what": "running"}, 5.0)) == [
        ("supervisor_gave_up:root/market", RESOLVED)]
    assert book.rows()[0]["summary"] == \
        "supervisor root/market gave up: feed: 6 failures within 10 s; its parent decides now"
    assert book.rule(SUPERVISOR_GAVE_UP).for_s == 0


def test_the_book_is_rebuilt_from_its_snapshot():
    book = AlertBook([AlertRule(alert=FEED_DEGRADED, for_s=5), AlertRule(alert=RESTART_STORM, restarts=2)])
    book.observe(raised(FEED_DEGRADED, "root/market/feed", feed="f", source="primary", reason="stale"), 0.0)
    book.observe(raised(STRATEGY_HALTED, strategy="a", reason="r"), 1.0)
    book.observe(cleared(STRATEGY_HALTED, strategy="a"), 2.0)
    book.observe({"path": "p", "what": "exited", "reason": "x", "abnormal": "1"}, 3.0)
    again = AlertBook(book.rules.values())
    again.restore(book.to_dict())
    assert again.rows() == book.rows() and again.next_change() == book.next_change() == 5.0
    assert states(again.observe({"path": "p", "what": "exited", "reason": "x", "abnormal": "1"}, 4.0))[-1] == (
        "restart_storm:p", FIRING)


def test_a_resolve_waiting_never_goes_before_its_trigger():
    box = Outbox(rate_per_min=100)
    box.add(Page("k", "trigger", "s", "error", "p", "", {}, 0.0))
    box.add(Page("k", "resolve", "s", "error", "p", "", {}, 1.0))
    box.failed("k", "trigger", "HTTP 500", 1.0)  # the trigger waits for its back-off
    assert box.due(1.5) is None  # the resolve, due, waits behind it
    assert box.due(2.0).action == "trigger"


@pytest.mark.parametrize("raw, says", [
    ({"alert": "strategy_haltd"},
     "rules[0].alert: no alert 'strategy_haltd' is declared (did you mean strategy_halted?)"),
    ({"alert": "feed_degraded", "for_s": -1}, "rules[0].for_s"),
    ({"alert": "feed_degraded", "severity": "loud"}, "rules[0].severity"),
    ({"alert": "feed_degraded", "fro_s": 1}, "fro_s: unknown setting (did you mean for_s?)"),
])
def test_a_bad_rule_is_refused_naming_it(raw, says):
    from actors.pager.pager import PagerConfig

    with pytest.raises(ConfigError) as err:
        build_config(PagerConfig, {"rules": [raw]})
    assert says in str(err.value)


def test_two_rules_for_one_alert_are_refused():
    from actors.pager.pager import PagerConfig

    with pytest.raises(ConfigError, match="feed_degraded has more than one rule"):
        build_config(PagerConfig, {"rules": [{"alert": "feed_degraded"}, {"alert": "feed_degraded", "for_s": 2}]})


def test_a_pages_context_names_the_actors_not_running_and_those_restarted_lately():
    book = AlertBook([AlertRule(alert=RESTART_STORM, within_s=60)])
    for path, what in (("root/trading/oms", "running"), ("root/trading/fix-a", "degraded"),
                       ("root/market/feed", "running")):
        book.observe({"path": path, "what": what}, 0.0)
    book.observe({"path": "root/market/feed", "what": "exited", "reason": "crashed", "abnormal": "1"}, 1.0)
    assert book.context() == {"not_running": {"root/market/feed": "restarting", "root/trading/fix-a": "degraded"},
                              "recent_restarts": {"root/market/feed": 1}}
    book.observe({"path": "root/market/feed", "what": "running"}, 2.0)
    book.tick(70.0)
    assert book.context() == {"not_running": {"root/trading/fix-a": "degraded"}, "recent_restarts": {}}
