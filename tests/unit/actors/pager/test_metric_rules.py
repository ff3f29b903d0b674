"""Alerts read from the tree's metrics: a strategy that stops deciding while the feed delivers is silent (and
not while the market is quiet too); a session whose orders the venue rejects above the limit spikes, and
clears under half of it; what holds after a restart of the pager is cleared when it ends."""
from __future__ import annotations

from actors.pager.metric_rules import MetricWatch
from actors.pager.rules import AlertBook, AlertRule

HOST, FEED, OMS = "root/market/mean-rev", "root/market/feed", "root/trading/oms"


def point(name: str, value: float, **labels) -> dict:
    return {"name": name, "kind": "counter", "labels": labels, "value": value}


def readings(decisions: float, messages: float, orders: float = 0, rejects: float = 0) -> dict:
    return {HOST: [point("vigil_strategy_decisions", decisions, strategy="mean-rev")],
            FEED: [point("vigil_feed_messages", messages, feed="feed")],
            OMS: [point("vigil_orders", orders, strategy="mean-rev", session="fix-a"),
                  point("vigil_order_rejects", rejects, strategy="mean-rev", session="fix-a")]}


def watch(**rule) -> MetricWatch:
    book = AlertBook([AlertRule(alert="strategy_silent", within_s=10), AlertRule(alert="reject_rate_spike",
                                                                                 within_s=10, **rule)])
    return MetricWatch(book.rule)


def test_a_strategy_that_stops_deciding_while_the_feed_delivers_is_silent_until_it_decides_again():
    w = watch()
    entries = []
    for t in range(0, 30, 2):  # deciding for 10 s, then not, the feed delivering all along
        entries += [(t, e) for e in w.feed(readings(decisions=min(t, 10) * 5, messages=t * 50), float(t))]
    [(at, raised)] = entries
    assert raised["what"] == "alert" and raised["problem"] == "strategy_silent" and raised["path"] == HOST
    assert raised["strategy"] == "mean-rev" and at == 20  # ten seconds after the last decision
    assert raised["summary"].startswith("strategy mean-rev: no decision for 10 s while its market is open")
    [cleared] = w.feed(readings(decisions=51, messages=1600), 32.0)
    assert cleared == {"path": HOST, "what": "alert_cleared", "problem": "strategy_silent", "strategy": "mean-rev"}


def test_a_strategy_quiet_in_a_quiet_market_is_not_silent():
    w = watch()
    assert [e for t in range(0, 40, 2) for e in w.feed(readings(decisions=7, messages=900), float(t))] == []


def test_a_reject_rate_above_the_limit_spikes_and_clears_under_half_of_it():
    w = watch(above=0.2, min_orders=10)
    changes = []
    orders = rejects = 0
    for t in range(0, 60, 2):
        orders += 4
        rejects += 2 if 10 <= t < 30 else 0  # half rejected for twenty seconds
        changes += [(t, e["what"], e.get("rate")) for e in w.feed(readings(1e9, 1e9, orders, rejects), float(t))]
    assert [what for _, what, _ in changes] == ["alert", "alert_cleared"]
    raised_at, cleared_at = changes[0][0], changes[1][0]
    assert 10 < raised_at < 30 < cleared_at


def test_a_spike_clears_once_its_window_holds_too_few_orders_to_judge():
    w = watch(above=0.2, min_orders=10)
    changes = [e["what"] for t in range(0, 16, 2) for e in w.feed(readings(1e9, 1e9, t * 5, t * 5), float(t))]
    assert changes == ["alert"]  # every order rejected
    assert [e["what"] for t in range(16, 40, 2) for e in w.feed(readings(1e9, 1e9, 70, 70), float(t))] == [
        "alert_cleared"]  # no order since: nothing to judge, and nothing to page on


def test_too_few_orders_are_not_judged():
    w = watch(above=0.2, min_orders=50)
    assert [e for t in range(0, 30, 2) for e in w.feed(readings(1e9, 1e9, t, t), float(t))
            if e["problem"] == "reject_rate_spike"] == []


def test_what_held_before_a_restart_of_the_pager_is_cleared_when_it_ends():
    w = watch()
    w.adopt("strategy_silent", "mean-rev", HOST)
    entries = [e for t in range(0, 14, 2) for e in w.feed(readings(decisions=t, messages=t * 10), float(t))]
    assert [e["what"] for e in entries] == ["alert_cleared"]


def test_the_actors_whose_processes_are_busy_are_named_with_their_share_of_a_core():
    w = watch()
    for t in range(0, 12, 2):
        w.feed({OMS: [point("vigil_process_cpu_seconds", 0.9 * t)],
                HOST: [point("vigil_process_cpu_seconds", 0.1 * t)]}, float(t))
    assert w.busy(10.0) == {OMS: "90%"}


def test_a_counter_that_appears_while_watched_grew_from_zero_and_one_there_at_the_start_did_not():
    w = watch(above=0.5, min_orders=4)
    quiet = {HOST: [point("vigil_strategy_decisions", 1, strategy="mean-rev")]}
    for t in range(0, 6, 2):
        assert w.feed(quiet, float(t)) == []
    spiked = {**quiet, OMS: [point("vigil_orders", 6, strategy="manual", session="fix-a"),
                             point("vigil_order_rejects", 6, strategy="manual", session="fix-a")]}
    [entry] = w.feed(spiked, 6.0)  # the first six orders, all rejected, before either series was exported
    assert (entry["what"], entry["session"], entry["rate"]) == ("alert", "fix-a", "100%")
    fresh = watch(above=0.5, min_orders=4)  # a pager (re)started: what the counters held before is not news
    assert [e for t in range(0, 6, 2) for e in fresh.feed(spiked, float(t))] == []
