"""Metrics a real Prometheus scrapes: Vigil trades against its venue with strategies, a feed with a backup, a
pager and the metrics endpoint; a Prometheus server (Debian's `prometheus`, a free port, a temporary config)
scrapes it; its HTTP API answers for every actor's CPU and memory, and every panel of the Grafana dashboard
(dashboards/vigil.json) has data."""
from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import textwrap
import urllib.parse
import urllib.request
from pathlib import Path

import httpx2
import pytest

from tests.support.harness import REPO, wait_for
from tests.support.topologies import paging
from vigil.pager_sink import read_events
from vigil.procs import free_port
from vocabulary.orders import SubmitOrder

DASHBOARD = REPO / "dashboards" / "vigil.json"


def topology(ports: dict[str, int], rules: str = "[]") -> str:
    return f"""
vigil: {{name: m, heartbeat: {{interval_ms: 200, timeout_ms: 2000}}}}
root:
  intensity: 5
  period: 10
  children:
{paging(f"{{sink: pager-sink, poll_s: 0.2, rules: {rules}}}")}\
    - id: metrics
      start: actors.metrics.endpoint:MetricsEndpoint
      config: {{port: {ports['metrics']}}}
    - id: venue
      start: venues.actor:SimulatedVenue
      config:
        port: {ports['fix']}
        md_endpoint: tcp://127.0.0.1:{ports['md']}
        md_backup_endpoint: tcp://127.0.0.1:{ports['md2']}
        clients: [{{comp_id: VIGIL_A}}]
        symbols:
          EURUSD: {{tick_size: 0.00001, lot_size: 1000, reference_price: 1.1}}
        flow: {{seed: 7, rate_per_s: 100}}
    - id: trading
      type: supervisor
      children:
        - id: oms
          start: actors.oms.actor:OrderManager
          config:
            sessions: [{{id: fix-a}}]
            feed: feed                 # the arrival prices of slippage
            risk: {{market: {{max_quote_age_s: 30}}, strategy_defaults: {{max_order_qty: 50000}}}}
        - id: fix-a
          start: actors.broker.session:BrokerSession
          config: {{sender_comp_id: VIGIL_A, target_comp_id: VENUE, port: {ports['fix']}, heartbeat_s: 2}}
        - id: risk
          start: actors.risk_monitor.monitor:RiskMonitor
          config: {{var: {{sample_s: 1, window: 20}}}}
    - id: market
      type: supervisor
      strategy: rest_for_one
      children:
        - id: feed
          start: actors.feed.actor:Feed
          config: {{primary: "tcp://127.0.0.1:{ports['md']}", backup: "tcp://127.0.0.1:{ports['md2']}",
                    symbols: [EURUSD]}}
        - id: mean-rev
          start: actors.strategy.host:StrategyHost
          config: {{strategy: strategies.mean_reversion:MeanReversion, params: {{window: 20, entry_bps: 0.3}},
                    symbols: [EURUSD], book: mean-rev}}
"""


@pytest.fixture
def run(vigil):
    ports = {name: free_port() for name in ("fix", "md", "md2", "metrics")}
    return vigil(topology(ports)).start()


@pytest.fixture
def prometheus(run, tmp_path):
    binary = shutil.which("prometheus")
    assert binary, "prometheus is not installed: scripts/ensure-env.sh installs it"
    target = run.client.registry.get("root/metrics")["url"].removeprefix("http://")
    config = tmp_path / "prometheus.yml"
    config.write_text(textwrap.dedent(f"""
        global: {{scrape_interval: 1s, evaluation_interval: 1s}}
        scrape_configs:
          - job_name: vigil
            static_configs: [{{targets: ["{target}"]}}]
        """))
    port = free_port()
    log = open(tmp_path / "prometheus.log", "w")
    proc = subprocess.Popen([binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                             f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
    try:
        api = f"http://127.0.0.1:{port}"
        wait_for(lambda: _get(f"{api}/-/ready") == 200, timeout=60, what="prometheus ready")
        yield api
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status
    except OSError:
        return 0


def query(api: str, expr: str) -> list[dict]:
    with urllib.request.urlopen(f"{api}/api/v1/query?" + urllib.parse.urlencode({"query": expr}), timeout=10) as a:
        body = json.load(a)
    assert body["status"] == "success", body
    return body["data"]["result"]


def make_things_happen(run) -> None:
    """What some panels need to have happened: a failover (which pages), a page that failed once, a denial."""
    sink = run.client.registry.get("root/paging/pager-sink")
    told = httpx2.post(f"{sink['url']}/sink/fail", json={"status": 500, "times": 1},
                       verify=ssl.create_default_context(cafile=sink["cert"]))
    assert told.status_code == 200
    out = run.cli("feed", "switch", "feed", "--to", "backup", "--run-dir", str(run.run_dir))
    assert out.returncode == 0, out.stderr
    with pytest.raises(Exception, match="denied"):
        run.client.ask("root/trading/oms", SubmitOrder("EURUSD", "buy", "90000", "1.1", "limit", "DAY",
                                                       strategy="mean-rev", account="mean-rev"))


def test_prometheus_scrapes_every_actor_and_every_dashboard_panel_has_data(run, prometheus):
    make_things_happen(run)
    actors = {a["path"] for a in run.client.actors()}
    wait_for(lambda: {r["metric"]["actor"] for r in query(prometheus, "vigil_process_resident_memory_bytes")}
             >= actors - {"root"}, timeout=60, what="every actor's memory in Prometheus")
    [cpu] = query(prometheus, 'vigil_process_cpu_seconds_total{actor="root/trading/oms"}')
    assert float(cpu["value"][1]) > 0
    up = {r["metric"]["actor"]: r["value"][1] for r in query(prometheus, "vigil_actor_up")}
    assert up["root/trading/fix-a"] == "1" and up["root/market/feed"] == "1"
    panels = json.loads(DASHBOARD.read_text())["panels"]
    exprs = [(panel["title"], target["expr"]) for panel in panels for target in panel["targets"]]
    assert len(exprs) >= 20
    for title, expr in exprs:
        wait_for(lambda: query(prometheus, expr), timeout=90, what=f"data for panel {title!r}: {expr}")


def test_the_endpoint_serves_prometheus_text_with_help_type_and_actor_labels(run):
    url = run.client.registry.get("root/metrics")["url"]
    def scraped():
        text = httpx2.get(f"{url}/metrics").text
        return text if 'vigil_fix_logged_on{actor="root/trading/fix-a",session="fix-a"} 1' in text else None
    text = wait_for(scraped, timeout=30, what="the session logged on, at the endpoint")
    assert "# TYPE vigil_process_cpu_seconds_total counter" in text
    assert '# HELP vigil_fix_logged_on 1 while the FIX session is logged on' in text
    assert 'vigil_fix_logged_on{actor="root/trading/fix-a",session="fix-a"} 1' in text
    assert httpx2.get(f"{url}/nothing").status_code == 404


def test_the_dashboard_uses_only_declared_metrics():
    import re

    import vocabulary.metrics  # noqa: F401 - declares them
    from vigil.metrics import METRICS

    exposed = {f"{name}_total" if kind.kind == "counter" else name for name, kind in METRICS.items()}
    exposed |= {f"{name}_bucket" for name, kind in METRICS.items() if kind.kind == "histogram"}
    for panel in json.loads(DASHBOARD.read_text())["panels"]:
        for target in panel["targets"]:
            for name in re.findall(r"\bvigil_[a-z_]+", target["expr"]):
                assert name in exposed, f"panel {panel['title']!r} reads {name}, which nothing exports"
    assert Path(DASHBOARD).exists()


def test_a_strategy_halted_while_its_market_is_open_is_paged_as_silent_and_resolved_when_it_decides_again(vigil):
    ports = {name: free_port() for name in ("fix", "md", "md2", "metrics")}
    run = vigil(topology(ports, rules="[{alert: strategy_silent, within_s: 6}, {alert: strategy_halted, page: false}]"))
    run.start()

    def silent_pages() -> list[tuple[str, str]]:
        events = [e for e in read_events(run.run_dir / "pager-sink") if e["dedup_key"] == "strategy_silent:mean-rev"]
        return [(e["event_action"], e.get("payload", {}).get("summary", "")) for e in events]

    def strategy(verb: str) -> None:
        out = run.cli("strategy", verb, "mean-rev", "--reason", "drill", "--run-dir", str(run.run_dir))
        assert out.returncode == 0, out.stderr

    wait_for(lambda: _decisions(run) > 0, timeout=30, what="mean-rev deciding")
    assert silent_pages() == []
    strategy("halt")  # its process is up, answering heartbeats; its host no longer calls it
    [(action, summary)] = wait_for(silent_pages, timeout=60, what="the silent strategy paged")
    assert action == "trigger" and summary.startswith("strategy mean-rev: no decision for 6 s while its market is open")
    strategy("resume")
    wait_for(lambda: len(silent_pages()) == 2, timeout=60, what="the page resolved")
    assert [a for a, _ in silent_pages()] == ["trigger", "resolve"]


def _decisions(run) -> float:
    url = run.client.registry.get("root/metrics")["url"]
    for line in httpx2.get(f"{url}/metrics").text.splitlines():
        if line.startswith("vigil_strategy_decisions_total{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
