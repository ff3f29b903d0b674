"""The local Events API v2 endpoint, driven by the real `pagerduty` client over HTTPS on loopback: it stores
what the service would accept, refuses what the service would refuse, and answers what it is told to
(429, 500) so that paging can be tried against a service that fails."""
from __future__ import annotations

import json
import select
import signal
import ssl
import subprocess
import sys

import pagerduty
import pytest

from vigil.pager_sink import PagerSink, read_events

ROUTING_KEY = "R" * 32


@pytest.fixture
def sink(tmp_path):
    with PagerSink(tmp_path / "sink") as served:
        yield served


def client(sink: PagerSink) -> pagerduty.EventsApiV2Client:
    pd = pagerduty.EventsApiV2Client(ROUTING_KEY, base_url=sink.url,
                                     verify=ssl.create_default_context(cafile=str(sink.cert)))
    pd.retry = {429: 1}  # once more, then the answer stands (by default it retries a 429 for ever)
    pd.sleep_timer, pd.max_network_attempts = 0.01, 0
    return pd


def test_a_trigger_and_its_resolve_are_stored_with_their_dedup_key(sink):
    pd = client(sink)
    key = pd.trigger("feed eurusd: stale on its primary source", "root/market/feed", dedup_key="feed_degraded:eurusd",
                     severity="error", custom_details={"gaps": 3},
                     links=[{"href": "runbooks/feed-degraded.md", "text": "runbook"}])
    assert key == "feed_degraded:eurusd"
    assert pd.resolve(key) == key
    trigger, resolve = read_events(sink.directory)
    assert trigger["event_action"] == "trigger" and trigger["routing_key"] == ROUTING_KEY
    assert trigger["payload"]["severity"] == "error" and trigger["payload"]["custom_details"] == {"gaps": 3}
    assert trigger["links"][0]["href"] == "runbooks/feed-degraded.md"
    assert resolve["event_action"] == "resolve" and resolve["dedup_key"] == key
    assert sink.events() == [trigger, resolve]


def test_what_the_service_would_refuse_is_refused_with_the_reason_and_not_stored(sink):
    pd = client(sink)
    with pytest.raises(pagerduty.Error, match="400"):
        pd.trigger("x" * 1025, "root/oms", severity="error")
    with pytest.raises(pagerduty.Error, match="400"):
        pd.trigger("a summary", "root/oms", severity="catastrophic")
    response = pd.post("/v2/enqueue", json={"event_action": "resolve", "routing_key": ROUTING_KEY})
    assert response.status_code == 400 and "resolve needs a dedup_key" in response.json()["errors"]
    assert read_events(sink.directory) == []


def test_it_answers_the_next_events_as_told_then_takes_them_again(sink):
    pd = client(sink)
    sink.fail_next(429, times=2)  # the first try and the client's one retry
    with pytest.raises(pagerduty.Error, match="429"):
        pd.trigger("a page", "root/oms", severity="warning", dedup_key="k")
    assert pd.trigger("a page", "root/oms", severity="warning", dedup_key="k") == "k"
    assert len(read_events(sink.directory)) == 1
    told = pd.post("/sink/fail", json={"status": 500, "times": 1})
    assert told.status_code == 200
    with pytest.raises(pagerduty.Error, match="500"):
        pd.trigger("a page", "root/oms", severity="warning", dedup_key="k")


def test_its_certificate_is_made_once_and_kept(tmp_path):
    with PagerSink(tmp_path / "sink") as first:
        made = first.cert.read_bytes()
    with PagerSink(tmp_path / "sink") as again:
        assert again.cert.read_bytes() == made
        assert client(again).trigger("still there", "root/oms", severity="info", dedup_key="k") == "k"


def test_vigil_pager_sink_serves_until_ctrl_c_and_lists_what_it_stored(tmp_path):
    directory = tmp_path / "sink"
    served = subprocess.Popen([sys.executable, "-m", "cli", "pager-sink", "--dir", str(directory)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert select.select([served.stdout], [], [], 30)[0], "vigil pager-sink printed nothing within 30 s"
        first = served.stdout.readline()  # printed once it listens
        assert first.startswith("pager sink on https://127.0.0.1:"), first + served.stderr.read()
        url = first.split()[3].removesuffix("/v2/enqueue")
        pd = pagerduty.EventsApiV2Client(ROUTING_KEY, base_url=url,
                                         verify=ssl.create_default_context(cafile=str(directory / "cert.pem")))
        assert pd.trigger("kill switch pulled by ops", "root/trading/oms", severity="critical",
                          dedup_key="kill_switch_pulled:root/trading/oms") == "kill_switch_pulled:root/trading/oms"
    finally:
        served.send_signal(signal.SIGINT)
        try:
            served.wait(10)
        except subprocess.TimeoutExpired:
            served.kill()
            served.wait(10)
    listed = subprocess.run([sys.executable, "-m", "cli", "pager-sink", "--list", "--json", "--dir", str(directory)],
                            capture_output=True, text=True, timeout=30)
    [event] = json.loads(listed.stdout)["events"]
    assert event["payload"]["severity"] == "critical" and event["dedup_key"] == "kill_switch_pulled:root/trading/oms"
    table = subprocess.run([sys.executable, "-m", "cli", "pager-sink", "--list", "--dir", str(directory)],
                           capture_output=True, text=True, timeout=30)
    assert "kill switch pulled by ops" in table.stdout and "trigger" in table.stdout
