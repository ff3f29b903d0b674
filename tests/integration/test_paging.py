"""Paging over real processes: an alert becomes a PagerDuty page delivered by the real `pagerduty` client to
the local Events API endpoint over HTTPS; it rides out the endpoint failing, and a page not yet delivered
survives a SIGKILL of the pager and is delivered once after, not twice."""
from __future__ import annotations

import json
import ssl

import httpx2
import pytest

from tests.support.harness import wait_for
from vigil.pager_sink import read_events
from vocabulary.counter import Increment

PAGER, ALARM, SINK = "root/paging/pager", "root/alarm", "root/paging/pager-sink"
TOPOLOGY = """
vigil: {name: p, heartbeat: {interval_ms: 200, timeout_ms: 2000}}
root:
  children:
    - id: paging
      type: supervisor
      children:
        - id: pager-sink
          start: actors.pager.sink:PagerSinkServer
        - id: pager
          start: actors.pager.pager:Pager
          config: {sink: pager-sink, poll_s: 0.2}
    - id: alarm
      start: tests.support.testbed_actors:Alarm
"""


@pytest.fixture
def run(vigil):
    return vigil(TOPOLOGY).start()


def sink_events(run):
    return read_events(run.run_dir / "pager-sink")


def fail_next(run, status: int, times: int) -> None:
    sink = run.client.registry.get(SINK)
    told = httpx2.post(f"{sink['url']}/sink/fail", json={"status": status, "times": times},
                       verify=ssl.create_default_context(cafile=sink["cert"]))
    assert told.status_code == 200


def pages(run) -> list[dict]:
    out = run.cli("pages", "--json", "--run-dir", str(run.run_dir))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["pages"]


def test_an_alert_is_paged_with_its_summary_severity_and_runbook_through_the_endpoint_failing(run):
    fail_next(run, 500, 2)  # the service fails twice: the page waits and goes on the third try
    run.client.ask(ALARM, Increment(1))
    [event] = wait_for(lambda: sink_events(run), timeout=20, what="the page at the endpoint")
    assert event["event_action"] == "trigger" and event["dedup_key"] == "strategy_halted:root/alarm:drill-1"
    assert event["payload"]["summary"] == "strategy drill-1 HALTED: a drill"
    assert event["payload"]["severity"] == "error" and event["payload"]["source"] == ALARM
    assert event["payload"]["custom_details"]["strategy"] == "drill-1"
    assert event["links"][0]["href"].endswith("/runbooks/strategy-halted.md")
    [page] = pages(run)
    assert page["delivered_at"] is not None and page["attempts"] == 3 and "500" in page["last_error"]
    assert set(page) == {"dedup_key", "action", "summary", "severity", "created_at", "delivered_at", "attempts",
                         "last_error"}


def test_a_page_waiting_when_the_pager_is_killed_is_delivered_once_after(run):
    fail_next(run, 503, 1000)  # the service is down
    run.client.ask(ALARM, Increment(2))
    wait_for(lambda: [p for p in pages(run) if p["attempts"] >= 1], timeout=20, what="a failed first try")
    old = run.kill(PAGER)
    run.wait_running(PAGER, not_pid=old)
    [waiting] = pages(run)  # from the pager's log in Redis, its failed tries with it
    assert waiting["delivered_at"] is None and waiting["dedup_key"] == "strategy_halted:root/alarm:drill-2"
    assert waiting["attempts"] >= 1 and "503" in waiting["last_error"]
    fail_next(run, 503, 0)  # the service is back
    wait_for(lambda: sink_events(run), timeout=90, what="the page delivered after the restart")
    wait_for(lambda: pages(run)[0]["delivered_at"] is not None, timeout=10, what="the pager to hear it went")
    assert [e["dedup_key"] for e in sink_events(run)] == ["strategy_halted:root/alarm:drill-2"]
    old = run.kill(PAGER)  # delivered, then killed: what it read and sent is in its log, and not sent again
    run.wait_running(PAGER, not_pid=old)
    [page] = pages(run)
    assert page["delivered_at"] is not None
    run.client.ask(ALARM, Increment(3))  # a new alert goes after everything before it was read again
    wait_for(lambda: len(sink_events(run)) == 2, timeout=20, what="the next page")
    assert [e["dedup_key"] for e in sink_events(run)] == ["strategy_halted:root/alarm:drill-2",
                                                          "strategy_halted:root/alarm:drill-3"]
