"""Paging over real processes: an alert becomes a PagerDuty page delivered by the real `pagerduty` client to
the local Events API endpoint over HTTPS; it rides out the endpoint failing, and a page not yet delivered
survives a SIGKILL of the pager and is delivered once after, not twice. An alert pages only once it held
for its rule's for_s, once however often it is raised, and is resolved at the endpoint when it clears."""
from __future__ import annotations

import json
import ssl

import httpx2
import pytest

from tests.support.harness import wait_for
from tests.support.topologies import paging
from vigil.pager_sink import read_events
from vocabulary.counter import Increment

PAGER, ALARM, SINK = "root/paging/pager", "root/alarm", "root/paging/pager-sink"
FOR_S = 4.0
HALTED = "strategy_halted:"
TOPOLOGY = f"""
vigil: {{name: p, heartbeat: {{interval_ms: 200, timeout_ms: 2000}}}}
root:
  children:
{paging(f"{{sink: pager-sink, poll_s: 0.2, rules: [{{alert: strategy_halted, for_s: {FOR_S}}}]}}")}\
    - id: alarm
      start: tests.support.testbed_actors:Alarm
"""


@pytest.fixture
def run(vigil):
    return vigil(TOPOLOGY).start()


def sink_events(run, key_prefix: str = ""):
    return [e for e in read_events(run.run_dir / "pager-sink") if e["dedup_key"].startswith(key_prefix)]


def fail_next(run, status: int, times: int) -> None:
    sink = run.client.registry.get(SINK)
    told = httpx2.post(f"{sink['url']}/sink/fail", json={"status": status, "times": times},
                       verify=ssl.create_default_context(cafile=sink["cert"]))
    assert told.status_code == 200


def pages(run, key_prefix: str = "") -> list[dict]:
    return [p for p in cli_json(run, "pages") if p["dedup_key"].startswith(key_prefix)]


def alerts(run, source: str) -> list[dict]:
    return [a for a in cli_json(run, "alerts") if a["source"] == source]


def cli_json(run, command: str) -> list[dict]:
    out = run.cli(command, "--json", "--run-dir", str(run.run_dir))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)[command]


def test_an_alert_pages_once_after_it_held_for_its_rule_and_resolves_when_it_clears(run):
    run.client.ask(ALARM, Increment(1))  # a blip: cleared well within for_s, it never pages
    run.client.ask(ALARM, Increment(-1))
    run.client.ask(ALARM, Increment(2))
    [pending] = wait_for(lambda: alerts(run, "drill-2"), timeout=FOR_S, what="drill-2 pending")
    assert pending["state"] == "pending" and pending["rule"] == "strategy_halted"
    assert pending["runbook"] == "runbooks/strategy-halted.md"
    assert pending["summary"] == "strategy drill-2 HALTED: a drill"
    wait_for(lambda: [e for e in sink_events(run)], timeout=30, what="the trigger once for_s ran out")
    run.client.ask(ALARM, Increment(2))  # raised again while firing: the same incident, no new page
    [firing] = alerts(run, "drill-2")
    assert firing["state"] == "firing" and firing["since"] >= pending["since"] + FOR_S
    run.client.ask(ALARM, Increment(-2))  # the condition is over
    wait_for(lambda: len(sink_events(run)) == 2, timeout=30, what="the resolve")
    assert [(e["event_action"], e["dedup_key"]) for e in sink_events(run)] == [
        ("trigger", "strategy_halted:drill-2"), ("resolve", "strategy_halted:drill-2")]
    assert [a["state"] for a in alerts(run, "drill-2")] == ["resolved"] and alerts(run, "drill-1") == []
    assert [(p["action"], p["delivered_at"] is not None) for p in pages(run)] == [("trigger", True), ("resolve", True)]


def test_an_alert_is_paged_with_its_summary_severity_and_runbook_through_the_endpoint_failing(run):
    fail_next(run, 500, 2)  # the service fails twice: the page waits and goes on the third try
    run.client.ask(ALARM, Increment(1))
    [event] = wait_for(lambda: sink_events(run), timeout=20, what="the page at the endpoint")
    assert event["event_action"] == "trigger" and event["dedup_key"] == "strategy_halted:drill-1"
    assert event["payload"]["summary"] == "strategy drill-1 HALTED: a drill"
    assert event["payload"]["severity"] == "error" and event["payload"]["source"] == ALARM
    assert event["payload"]["custom_details"]["strategy"] == "drill-1"
    assert event["payload"]["custom_details"]["context"] == {"not_running": {}, "recent_restarts": {}}
    assert isinstance(event["payload"]["custom_details"]["busy"], dict)  # the actors using over half a core
    assert event["links"][0]["href"].endswith("/runbooks/strategy-halted.md")
    [page] = pages(run)
    assert page["delivered_at"] is not None and page["attempts"] == 3 and "500" in page["last_error"]
    status = json.loads(run.cli("status", "--json", "--run-dir", str(run.run_dir)).stdout)
    health = {a["path"]: a for a in status["actors"]}
    assert health[ALARM]["health"] == "firing: strategy_halted:drill-1"  # beside its state, running
    assert health[PAGER]["health"] == "ok" and health[PAGER]["memory_mb"] > 10 and health[PAGER]["cpu_s"] > 0
    assert set(page) == {"dedup_key", "action", "summary", "severity", "created_at", "delivered_at", "attempts",
                         "last_error"}


def test_a_page_waiting_when_the_pager_is_killed_is_delivered_once_after(run):
    fail_next(run, 503, 1000)  # the service is down
    run.client.ask(ALARM, Increment(2))
    wait_for(lambda: [p for p in pages(run) if p["attempts"] >= 1], timeout=20, what="a failed first try")
    old = run.kill(PAGER)
    run.wait_running(PAGER, not_pid=old)
    [waiting] = pages(run)  # from the pager's log in Redis, its failed tries with it
    assert waiting["delivered_at"] is None and waiting["dedup_key"] == "strategy_halted:drill-2"
    assert waiting["attempts"] >= 1 and "503" in waiting["last_error"]
    fail_next(run, 503, 0)  # the service is back
    wait_for(lambda: sink_events(run), timeout=90, what="the page delivered after the restart")
    wait_for(lambda: pages(run)[0]["delivered_at"] is not None, timeout=10, what="the pager to hear it went")
    assert [e["dedup_key"] for e in sink_events(run)] == ["strategy_halted:drill-2"]
    old = run.kill(PAGER)  # delivered, then killed: what it read and sent is in its log, and not sent again
    run.wait_running(PAGER, not_pid=old)
    [page] = pages(run, HALTED)  # (two kills within 5 s: root/paging gave up, and was restarted, too)
    assert page["delivered_at"] is not None
    run.client.ask(ALARM, Increment(3))  # a new alert goes after everything before it was read again
    wait_for(lambda: len(sink_events(run, HALTED)) == 2, timeout=20, what="the next page")
    assert [e["dedup_key"] for e in sink_events(run, HALTED)] == ["strategy_halted:drill-2",
                                                                  "strategy_halted:drill-3"]
    context = sink_events(run, HALTED)[1]["payload"]["custom_details"]["context"]
    assert context["recent_restarts"][PAGER] == 2  # on-call sees the pager itself was restarted twice
