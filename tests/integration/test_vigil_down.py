"""When Vigil itself dies, someone is still paged: the daemon pages as its last act when the root supervisor
gives up, and `vigil watchdog`, a process of its own, pages when the daemon is SIGKILLed; a page that
could not go then waits in the run directory and the next run's pager delivers it. Pages go to a local
Events API endpoint outside the tree (an in-tree one dies with it)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from tests.support.harness import wait_for
from vigil.pager_sink import PagerSink
from vigil.procs import pid_alive

TOPOLOGY = """
vigil: {{name: down-test, heartbeat: {{interval_ms: 200, timeout_ms: 2000}}}}
root:
  intensity: 0                   # the first failure of a child is one too many: the root gives up
  children:
    - id: pager
      start: actors.pager.pager:Pager
      config: {{base_url: "{url}", ca_file: "{cert}", routing_key_file: key.txt, poll_s: 0.2}}
    - id: counter
      start: actors.counter:Counter
"""


@pytest.fixture
def sink(tmp_path):
    with PagerSink(tmp_path / "sink") as sink:
        yield sink


@pytest.fixture
def run(vigil, sink):
    run = vigil(TOPOLOGY.format(url=sink.url, cert=sink.cert))
    (run.topology.parent / "key.txt").write_text("R0UTINGKEY0000000000000000000000\n")
    return run.start()


@pytest.fixture
def watchdog(run):
    proc = subprocess.Popen([sys.executable, "-m", "cli", "watchdog", "--run-dir", str(run.run_dir), "--poll-s", "0.1"],
                            env=run.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout.readline().startswith("watching Vigil down-test (daemon pid ")
        yield proc
    finally:
        proc.kill()
        proc.wait(10)


def down_pages(sink) -> list[dict]:
    return [e for e in sink.events() if e["dedup_key"] == "vigil_down:down-test"]


def test_a_sigkilled_daemon_is_paged_by_the_watchdog(run, sink, watchdog):
    daemon = int(run.info()["pid"])
    os.kill(daemon, signal.SIGKILL)
    assert watchdog.wait(30) == 1
    [page] = down_pages(sink)
    assert page["payload"]["severity"] == "critical"
    assert f"its daemon (pid {daemon}) vanished without a word" in page["payload"]["summary"]
    assert page["links"][0]["href"].endswith("/runbooks/vigil-down.md")
    run.close()  # the killed daemon's orphans


def test_the_daemon_pages_as_its_last_act_when_the_root_gives_up_and_the_watchdog_does_not_again(run, sink, watchdog):
    run.kill("root/counter")
    wait_for(lambda: not pid_alive(int(run.info()["pid"])) if run.info() else True, timeout=60,
             what="the daemon to stop")
    [page] = wait_for(lambda: down_pages(sink), timeout=10, what="the daemon's page")
    assert "root supervisor gave up: counter" in page["payload"]["summary"]
    assert watchdog.wait(30) == 0  # the daemon said why: no second page
    assert len(down_pages(sink)) == 1
    run.start()  # back: the incident resolves
    wait_for(lambda: [p for p in down_pages(sink) if p["event_action"] == "resolve"], timeout=30,
             what="the resolve once Vigil is back")


def test_a_last_page_that_cannot_go_is_delivered_by_the_next_run(run, sink):
    sink.fail_next(503, 1000)  # the service is down as Vigil dies
    run.kill("root/counter")
    wait_for(lambda: (run.run_dir / "pages-next-run.jsonl").exists(), timeout=60, what="the page kept")
    wait_for(lambda: run.info() is None, timeout=60, what="the daemon to stop")
    assert down_pages(sink) == []
    sink.fail_next(503, 0)  # back
    run.start()
    trigger, resolve = wait_for(lambda: len(down_pages(sink)) == 2 and down_pages(sink), timeout=30,
                                what="the last run's page, and its resolve")
    assert trigger["event_action"] == "trigger" and "root supervisor gave up" in trigger["payload"]["summary"]
    assert resolve["event_action"] == "resolve"  # Vigil is back
    assert not (run.run_dir / "pages-next-run.jsonl").exists()
