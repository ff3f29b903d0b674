"""The big red buttons from the CLI over real processes (venue, feed, OMS with the gateway, a FIX session,
two strategies): `vigil strategy halt|resume`, `vigil kill`, `vigil flatten --all` (checked at the
venue, not only at the OMS), `vigil limits set`, `vigil strategies --json`, `vigil risk --json` and
`vigil audit --json`; states and limits survive a SIGKILL of the OMS, of the risk monitor and of a strategy's
host."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.support.harness import wait_for
from vigil.procs import free_port
from vocabulary.oms import GetOrders, GetPositions
from vocabulary.venue import VenueCommand

OMS, VENUE = "root/trading/oms", "root/venue"
MEAN_REV, RISK = "root/market/strategies/mean-rev", "root/trading/risk"


def topology(ports: dict[str, int]) -> str:
    return f"""
vigil: {{name: rb, heartbeat: {{interval_ms: 200, timeout_ms: 2000}}}}
root:
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
          config:
            sessions: [{{id: fix-a}}]
            feed: feed
            control_settle_s: 5
            risk:
              strategy_defaults: {{max_order_qty: 100000, collar_bps: 100}}
              market: {{max_quote_age_s: 5}}
        - id: fix-a
          start: actors.broker.session:BrokerSession
          config: {{sender_comp_id: VIGIL_A, target_comp_id: VENUE, port: {ports['fix']}, heartbeat_s: 2}}
        - id: risk
          start: actors.risk_monitor.monitor:RiskMonitor
          config: {{stop_loss: {{mean-rev: 100000}}, var: {{sample_s: 0.2, window: 50}}, var_every_s: 1}}
    - id: market
      type: supervisor
      strategy: rest_for_one
      children:
        - id: feed
          start: actors.feed.actor:Feed
          config: {{primary: "tcp://127.0.0.1:{ports['md']}", symbols: [EURUSD, GBPUSD]}}
        - id: strategies
          type: supervisor
          children:
            - id: mean-rev
              start: actors.strategy.host:StrategyHost
              config: {{strategy: strategies.mean_reversion:MeanReversion, params: {{window: 20, entry_bps: 0.3}},
                        symbols: [EURUSD], book: mean-rev}}
            - id: momentum
              start: actors.strategy.host:StrategyHost
              config: {{strategy: strategies.momentum:EmaCross, params: {{fast: 5, slow: 20}}, symbols: [EURUSD, GBPUSD],
                        book: momentum}}
"""


@pytest.fixture
def ports():
    return {"fix": free_port(), "md": free_port()}


def cli_json(run, *args: str, ok: bool = True) -> dict:
    result = run.cli(*args, "--json", "--run-dir", str(run.run_dir))
    assert (result.returncode == 0) == ok, f"vigil {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout)


def strategies(run) -> dict[str, dict]:
    return {s["name"]: s for s in cli_json(run, "strategies")["strategies"]}


def holdings(run) -> dict:
    return json.loads(run.client.ask(VENUE, VenueCommand("holdings", {"comp_id": "VIGIL_A"})).detail)


def orders(run, strategy: str) -> list[dict]:
    return [r for r in run.client.ask(OMS, GetOrders()).rows if r["strategy"] == strategy]


def test_halt_kill_and_flatten_from_the_cli_leave_nothing_at_the_venue(vigil, ports):
    run = vigil(topology(ports)).start()
    wait_for(lambda: all(any(Decimal(q) for q in s["position"].values()) for s in
                         (strategies(run).get(n, {"position": {}}) for n in ("mean-rev", "momentum"))),
             timeout=90, what="both strategies holding positions")
    row = strategies(run)["mean-rev"]
    assert set(row) >= {"name", "book", "state", "position", "pnl", "orders", "denials", "last_error"}
    assert row["book"] == "mean-rev" and set(row["pnl"]) == {"realized", "unrealized"}

    old = run.kill(RISK)  # the risk monitor restarts, follows the OMS's flow again, marks and computes VaR
    run.wait_running(RISK, not_pid=old)
    figures = wait_for(lambda: (f := cli_json(run, "risk")) and all(b["var"] is not None for b in f["books"])
                       and len(f["books"]) == 2 and f, timeout=60, what="the risk monitor's VaR of both books")
    [mean_rev] = [r for r in figures["strategies"] if r["strategy"] == "mean-rev"]
    assert mean_rev["unrealized"] is not None and mean_rev["stop_loss"] == 100000 and not mean_rev["stopped"]

    typo = run.cli("strategy", "halt", "mean-rv", "--reason", "looks wrong", "--run-dir", str(run.run_dir))
    assert typo.returncode == 1 and "no strategy 'mean-rv' in the running topology (known: " in typo.stderr
    cli_json(run, "strategy", "halt", "mean-rev", "--reason", "looks wrong", "--as", "alice")
    halted_at = len(orders(run, "mean-rev"))
    old = run.kill(MEAN_REV)  # a SIGKILLed host comes back halted: its state is the OMS's
    run.wait_running(MEAN_REV, not_pid=old)
    wait_for(lambda: len(orders(run, "momentum")) > 2, timeout=60, what="momentum trading on")
    assert len(orders(run, "mean-rev")) == halted_at  # its host no longer calls it
    assert strategies(run)["mean-rev"]["state"] == "HALTED"

    resting = run.cli("order", "new", "--symbol", "EURUSD", "--side", "buy", "--qty", "1000", "--price", "1.09500",
                      "--run-dir", str(run.run_dir))
    assert resting.returncode == 0, resting.stderr
    wait_for(lambda: holdings(run)["open_orders"], what="the resting order at the venue")

    killed = cli_json(run, "kill", "--reason", "drill", "--as", "alice")
    assert killed["state"] == "HALTED" and resting.stdout.strip() in killed["cancelled"]
    # a strategy's order in flight at the kill may fill before its cancel: reported, not lost
    assert all(f["reason"] == "filled before its cancel" for f in killed["failed"]), killed["failed"]
    assert holdings(run)["open_orders"] == []
    refused = run.cli("order", "new", "--symbol", "EURUSD", "--side", "buy", "--qty", "1000", "--price", "1.09500",
                      "--run-dir", str(run.run_dir))
    assert refused.returncode == 1 and "denied: halted: global is HALTED (kill: drill)" in refused.stderr

    held = [p for p in run.client.ask(OMS, GetPositions()).rows if Decimal(p["qty"])]
    flat = cli_json(run, "flatten", "--all", "--reason", "end of drill", "--as", "bob")
    assert flat["failed"] == [] and len(flat["sent"]) == len(held), (flat, held)
    venue = holdings(run)
    assert venue["open_orders"] == [] and set(venue["net_bought"].values()) == {0}, venue

    old = run.kill(OMS)  # the kill survives a SIGKILL of the OMS
    run.wait_running(OMS, not_pid=old)
    rows = wait_for(lambda: strategies(run), timeout=30, what="the OMS answering again")
    assert rows["momentum"]["state"] == "HALTED" and rows["mean-rev"]["state"] == "HALTED"
    released = cli_json(run, "kill", "--release", "--reason", "drill over", "--as", "alice")
    assert released["state"] == "ACTIVE"
    assert strategies(run)["mean-rev"]["state"] == "HALTED"  # its own halt stays until it is resumed

    actions = cli_json(run, "audit")["actions"]
    assert [(a["operator"], a["action"], a["target"]) for a in actions] == [
        ("alice", "strategy halt", "mean-rev"), ("alice", "kill", "global"), ("bob", "flatten", "all"),
        ("alice", "kill release", "global")]
    assert all(set(a) == {"at", "operator", "action", "target", "reason", "result"} for a in actions)


def test_limits_set_at_run_time_are_checked_logged_and_survive_an_oms_restart(vigil, ports):
    run = vigil(topology(ports)).start()
    wait_for(lambda: "momentum" in strategies(run) or None, timeout=30, what="the OMS answering")
    bad = run.cli("limits", "set", "strategy", "mean-rev", "max_order_qty=-5", "--reason", "typo", "--as", "dave",
                  "--run-dir", str(run.run_dir))
    assert bad.returncode == 1 and "max_order_qty" in bad.stderr
    done = cli_json(run, "limits", "set", "strategy", "mean-rev", "max_order_qty=500", "--reason", "tighten",
                    "--as", "carol")
    assert done["detail"] == "strategies.mean-rev.max_order_qty: 100000 -> 500"  # from the defaults
    old = run.kill(OMS)
    run.wait_running(OMS, not_pid=old)
    denied = wait_for(lambda: strategies(run)["mean-rev"]["denials"].get("max_order_qty"), timeout=60,
                      what="mean-rev's orders denied by the tighter limit")
    assert denied >= 1
    view = cli_json(run, "limits")
    assert view["changed"] and view["limits"]["strategies"]["mean-rev"]["max_order_qty"] == 500
    actions = cli_json(run, "audit")["actions"]
    assert [(a["operator"], a["action"], a["result"].split(":")[0]) for a in actions] == [
        ("dave", "limits set", "refused"), ("carol", "limits set", "strategies.mean-rev.max_order_qty")]
