"""Strategies in actors of their own, trading over real processes and FIX: both example strategies trade
against the simulated venue; a strategy killed and restarted carries on without sending an order twice,
and the other never notices; a strategy that keeps raising is halted, with an alert, not restarted until
its supervisor gives up."""
from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pytest

from tests.support.harness import wait_for
from vigil.procs import free_port
from vocabulary.oms import GetOrders, GetPositions

OMS = "root/trading/oms"
MEAN_REV, MOMENTUM = "root/market/strategies/mean-rev", "root/market/strategies/momentum"


def topology(ports: dict[str, int], mean_rev: str = "strategies.mean_reversion:MeanReversion") -> str:
    params = "{window: 20, entry_bps: 0.3}" if mean_rev.startswith("strategies.") else "{}"
    return f"""
vigil: {{name: s, heartbeat: {{interval_ms: 200, timeout_ms: 2000}}}}
root:
  strategy: one_for_one
  intensity: 5
  period: 10
  children:
    - id: venue
      start: venues.actor:SimulatedVenue
      config:
        port: {ports['fix']}
        md_endpoint: tcp://127.0.0.1:{ports['md']}
        clients: [{{comp_id: VIGIL_A}}]
        symbols:
          EURUSD: {{tick_size: 0.00001, lot_size: 1000, reference_price: 1.1}}
          GBPUSD: {{tick_size: 0.00001, lot_size: 1000, reference_price: 1.27}}
        flow: {{seed: 7, rate_per_s: 200}}
    - id: trading
      type: supervisor
      children:
        - id: oms
          start: actors.oms.actor:OrderManager
          config: {{sessions: [{{id: fix-a}}]}}
        - id: fix-a
          start: actors.broker.session:BrokerSession
          config: {{sender_comp_id: VIGIL_A, target_comp_id: VENUE, port: {ports['fix']}, heartbeat_s: 2}}
    - id: market
      type: supervisor
      strategy: rest_for_one
      children:
        - id: feed
          start: actors.feed.actor:Feed
          config: {{primary: "tcp://127.0.0.1:{ports['md']}", symbols: [EURUSD, GBPUSD]}}
        - id: strategies
          type: supervisor
          intensity: 10
          period: 10
          children:
            - id: mean-rev
              start: actors.strategy.host:StrategyHost
              config: {{strategy: "{mean_rev}", params: {params}, symbols: [EURUSD], book: mean-rev,
                        max_restarts: 2}}
            - id: momentum
              start: actors.strategy.host:StrategyHost
              config: {{strategy: strategies.momentum:EmaCross, params: {{fast: 5, slow: 20}}, symbols: [EURUSD, GBPUSD],
                        book: momentum}}
"""


@pytest.fixture
def ports():
    return {"fix": free_port(), "md": free_port()}


def orders(run, strategy: str | None = None) -> list[dict]:
    return [r for r in run.client.ask(OMS, GetOrders()).rows if strategy in (None, r["strategy"])]


def filled(run, strategy: str) -> int:
    return sum(Decimal(r["cum_qty"]) > 0 for r in orders(run, strategy))


def test_both_strategies_trade_and_one_killed_carries_on_without_a_duplicate(vigil, ports):
    run = vigil(topology(ports)).start()
    for strategy in ("mean-rev", "momentum"):
        wait_for(lambda s=strategy: filled(run, s) >= 2, timeout=60, what=f"{strategy} trading")
    momentum_pid = run.pid(MOMENTUM)
    before = len(orders(run, "mean-rev"))
    # Started three times more within a minute (max_restarts: 2), but no fault of its code: not halted
    run.wait_running(MEAN_REV, not_pid=run.kill(MEAN_REV))
    mean_rev_pid = run.pid(MEAN_REV)
    run.kill("root/market/feed")
    run.wait_running(MEAN_REV, not_pid=mean_rev_pid)  # rest_for_one: the strategies restart with their feed
    run.wait_running(MOMENTUM, not_pid=momentum_pid)
    momentum_pid = run.pid(MOMENTUM)
    run.wait_running(MEAN_REV, not_pid=run.kill(MEAN_REV))
    wait_for(lambda: len(orders(run, "mean-rev")) > before + 2, timeout=60, what="mean-rev trading again")
    assert not [e for e in run.events("alert") if e.get("problem") == "strategy_halted"]
    rows = orders(run)
    assert all(n == 1 for n in Counter(r["client_id"] for r in rows).values())  # no order sent twice
    assert run.pid(MOMENTUM) == momentum_pid  # restarted with the feed, not with mean-rev
    positions = {p["strategy"]: p for p in run.client.ask(OMS, GetPositions()).rows}
    assert {"mean-rev", "momentum"} <= set(positions)
    assert all(p["account"] == p["strategy"] for p in positions.values())  # each in its own book


def test_a_strategy_that_keeps_raising_is_halted_and_the_others_trade_on(vigil, ports):
    run = vigil(topology(ports, mean_rev="tests.support.testbed_actors:Raises")).start()
    halted = wait_for(lambda: [e for e in run.events("alert") if e.get("problem") == "strategy_halted"], timeout=60,
                      what="the raising strategy halted")
    assert halted[0]["strategy"] == "mean-rev" and "its code raised 3 times within 60 s" in halted[0]["reason"]
    actors = run.actors()
    assert actors[MEAN_REV]["state"] == "degraded" and actors[MEAN_REV]["restarts"] == "3"
    assert actors["root/market/strategies"]["state"] == "running"  # its supervisor did not give up
    crashes = (run.run_dir / "crashes.log").read_text()
    assert "ZeroDivisionError: a bug in strategy code" in crashes and "Traceback" in crashes
    wait_for(lambda: filled(run, "momentum") >= 2, timeout=60, what="momentum trading on")
    assert actors[MOMENTUM]["restarts"] == "0"

    listed = run.cli("strategies", "--json", "--run-dir", str(run.run_dir))
    [row] = [r for r in json.loads(listed.stdout)["strategies"] if r["name"] == "mean-rev"]
    assert row["state"] == "HALTED" and "it keeps failing" in row["state_reason"]  # at the OMS too
    assert "ZeroDivisionError" in (row["last_error"] or "")
    resumed = run.cli("strategy", "resume", "mean-rev", "--reason", "a fix is out", "--as", "alice", "--json",
                      "--run-dir", str(run.run_dir))
    assert resumed.returncode == 0, resumed.stderr
    answer = json.loads(resumed.stdout)
    assert answer["state"] == "ACTIVE" and answer["host"]["detail"] == "its host calls it again"


def test_an_orders_trace_runs_from_the_strategys_decision_to_its_fill_across_processes(vigil, ports):
    run = vigil(topology(ports)).start()
    order = wait_for(lambda: next((r for r in orders(run, "momentum") if Decimal(r["cum_qty"]) > 0), None),
                     timeout=60, what="a filled momentum order")

    def story():  # spans reach the file within a second of their end
        out = run.cli("trace", order["client_id"], "--json", "--run-dir", str(run.run_dir))
        if out.returncode != 0:
            return None
        found = json.loads(out.stdout)
        fills = [s for s in found["spans"]
                 if s["name"] == "ExecutionReport" and s["attributes"]["fix.exec_type"] == "F"]
        return found if fills and {"FromVenue", "OrderUpdate"} <= {s["name"] for s in found["spans"]} else None
    found = wait_for(story, timeout=15, what="the order's spans, to its fill, in the span file")
    assert found["cl_ord_id"] == order["cl_ord_id"]
    spans = {s["span_id"]: s for s in found["spans"]}

    def parent(span):
        return spans.get(span["parent_id"], {}).get("name")
    # It begins where the feed published the quote the decision consumed: another trace, linked
    published, decided = found["spans"][:2]
    assert published["name"] == "publish" and published["linked"] and published["actor"] == "root/market/feed"
    assert published["start_us"] == 0 and published["attributes"]["messaging.system"] == "zeromq"
    assert decided["name"] == "decide" and decided["actor"] == MOMENTUM and decided["links"] == [published["span_id"]]
    assert published["attributes"].get("messaging.message.id", decided["attributes"]["messaging.message.id"]) == \
        decided["attributes"]["messaging.message.id"]  # a lone quote's id is its seq; a burst names none
    expected = {"SubmitOrder": "decide", "route": "SubmitOrder", "risk check": "SubmitOrder",
                "NewOrderSingle": "SubmitOrder", "ExecutionReport": "NewOrderSingle",
                "FromVenue": "ExecutionReport", "OrderUpdate": "FromVenue"}
    assert expected.keys() <= {s["name"] for s in found["spans"]}
    for span in found["spans"][1:]:
        if span["name"] in expected:
            assert parent(span) == expected[span["name"]], span
    actors = {s["name"]: s["actor"] for s in found["spans"]}
    assert actors["SubmitOrder"] == OMS and actors["NewOrderSingle"] == "root/trading/fix-a"
    assert len({s["pid"] for s in found["spans"]}) == 4  # the feed, the strategy host, the OMS, the session
    risk = next(s for s in found["spans"] if s["name"] == "risk check")["attributes"]
    assert risk["risk.decision"] == "pass" and risk["vigil.strategy"] == "momentum"
    assert risk["fix.cl_ord_id"] == order["cl_ord_id"] and risk["risk.checks"].startswith("state")
    route = next(s for s in found["spans"] if s["name"] == "route")["attributes"]
    assert route["vigil.session"] == "fix-a"
    text = run.cli("trace", order["cl_ord_id"], "--run-dir", str(run.run_dir))
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith(f"order {order['cl_ord_id']} (trace {found['trace_id']})")
    assert all(path in text.stdout for path in ("root/market/feed", MOMENTUM, OMS, "root/trading/fix-a"))
    assert "publish (linked)" in text.stdout
