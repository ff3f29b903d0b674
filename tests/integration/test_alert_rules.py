"""Alert rules end to end, as the local Events API endpoint sees them: each fires on its real condition, pages
once and resolves when the condition clears: a feed switched to its backup, the kill switch, a FIX session
the venue will not let log on (and not a blip shorter than its for_s), an actor restarting in a storm, and
the venue rejecting a session's orders."""
from __future__ import annotations

import pytest

from tests.support.harness import wait_for
from tests.support.topologies import paging
from vigil.errors import VigilError
from vigil.pager_sink import read_events
from vigil.procs import free_port
from vocabulary.oms import GetRouting
from vocabulary.orders import SubmitOrder
from vocabulary.venue import VenueCommand

RULES = ("[{alert: fix_session_down, for_s: 2}, {alert: restart_storm, restarts: 2, within_s: 8}, "
         "{alert: reject_rate_spike, within_s: 6, above: 0.5, min_orders: 4}]")


def topology(ports: dict[str, int]) -> str:
    return f"""
vigil: {{name: rules, heartbeat: {{interval_ms: 200, timeout_ms: 2000}}}}
root:
  intensity: 10
  period: 10
  children:
{paging(f"{{sink: pager-sink, poll_s: 0.2, rules: {RULES}}}")}\
    - id: venue
      start: venues.actor:SimulatedVenue
      config:
        port: {ports['fix']}
        md_endpoint: tcp://127.0.0.1:{ports['md']}
        md_backup_endpoint: tcp://127.0.0.1:{ports['md2']}
        clients: [{{comp_id: VIGIL_A}}]
        symbols:
          EURUSD: {{tick_size: 0.00001, lot_size: 1000, reference_price: 1.1}}
        flow: {{seed: 3, rate_per_s: 50}}
    - id: trading
      type: supervisor
      intensity: 10
      children:
        - id: oms
          start: actors.oms.actor:OrderManager
          config: {{sessions: [{{id: fix-a}}]}}
        - id: fix-a
          start: actors.broker.session:BrokerSession
          config: {{sender_comp_id: VIGIL_A, target_comp_id: VENUE, port: {ports['fix']}, heartbeat_s: 1,
                    reconnect_s: 1}}
    - id: feed
      start: actors.feed.actor:Feed
      config: {{primary: "tcp://127.0.0.1:{ports['md']}", backup: "tcp://127.0.0.1:{ports['md2']}",
                symbols: [EURUSD]}}
    - id: counter
      start: actors.counter:Counter
"""


@pytest.fixture
def run(vigil):
    ports = {name: free_port() for name in ("fix", "md", "md2")}
    run = vigil(topology(ports)).start()
    wait_for(lambda: all(r["up"] for r in run.client.ask("root/trading/oms", GetRouting()).rows), timeout=30,
             what="fix-a logged on and reconciled")
    return run


def pages(run, key: str) -> list[str]:
    """The actions the endpoint took for one dedup key, in order."""
    return [e["event_action"] for e in read_events(run.run_dir / "pager-sink") if e["dedup_key"] == key]


def paged(run, key: str, actions: list[str], timeout: float = 60) -> None:
    wait_for(lambda: pages(run, key) == actions, timeout=timeout, what=f"{key}: {actions} at the endpoint "
             f"(so far {pages(run, key)})")


def cli(run, *args: str) -> None:
    out = run.cli(*args, "--run-dir", str(run.run_dir))
    assert out.returncode == 0, out.stderr


def test_each_rule_pages_once_on_its_condition_and_resolves_when_it_clears(run):
    cli(run, "feed", "switch", "feed", "--to", "backup")
    paged(run, "feed_switched:feed", ["trigger"])
    cli(run, "feed", "switch", "feed", "--to", "primary")
    paged(run, "feed_switched:feed", ["trigger", "resolve"])

    cli(run, "kill", "--reason", "drill")
    paged(run, "kill_switch_pulled:root/trading/oms", ["trigger"])
    cli(run, "kill", "--release", "--reason", "drill over")
    paged(run, "kill_switch_pulled:root/trading/oms", ["trigger", "resolve"])

    venue = "root/venue"
    run.client.ask(venue, VenueCommand("drop_connection", {"comp_id": "VIGIL_A"}))  # back within its for_s
    wait_for(lambda: all(r["up"] for r in run.client.ask("root/trading/oms", GetRouting()).rows), timeout=30,
             what="fix-a back")
    run.client.ask(venue, VenueCommand("refuse_logon", {"n": -1, "comp_id": "VIGIL_A"}))  # down for good
    run.client.ask(venue, VenueCommand("drop_connection", {"comp_id": "VIGIL_A"}))
    paged(run, "fix_session_down:fix-a", ["trigger"])  # once: the blip before never paged
    run.client.ask(venue, VenueCommand("refuse_logon", {"n": 0, "comp_id": "VIGIL_A"}))
    paged(run, "fix_session_down:fix-a", ["trigger", "resolve"])

    for _ in range(2):
        old = run.kill("root/counter")
        run.wait_running("root/counter", not_pid=old)
    paged(run, "restart_storm:root/counter", ["trigger"])
    paged(run, "restart_storm:root/counter", ["trigger", "resolve"], timeout=30)  # the window passed

    wait_for(lambda: all(r["up"] for r in run.client.ask("root/trading/oms", GetRouting()).rows), timeout=30,
             what="fix-a up")
    run.client.ask(venue, VenueCommand("reject_next", {"n": 6}))
    for i in range(6):
        try:
            run.client.ask("root/trading/oms", SubmitOrder("EURUSD", "buy", "1000", "1.00000", "limit", "DAY"))
        except VigilError:
            pass  # the venue's reject comes as the order's first answer
    paged(run, "reject_rate_spike:fix-a", ["trigger"])
    paged(run, "reject_rate_spike:fix-a", ["trigger", "resolve"], timeout=60)  # no more orders: it clears
