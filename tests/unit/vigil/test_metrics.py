"""Metrics: a declared name only, of its kind; a total the component keeps becomes a counter (at 0 too); every
reading reaches Prometheus's text format with its actor, HELP and TYPE, a counter's _total and a histogram's
cumulative buckets; and a component run in one process can be read in memory."""
from __future__ import annotations

import math

import pytest

import vocabulary.metrics as m
from vigil.metrics import memory_metrics, readings
from vigil.prometheus import render


def read(metrics_reader) -> dict:
    return {(r["name"], tuple(sorted(r["labels"].items()))): r["value"]
            for r in readings(metrics_reader.get_metrics_data())}


def test_a_total_becomes_a_counter_that_grows_by_the_difference_and_exists_at_zero():
    metrics, reader = memory_metrics("root/market/feed")
    metrics.total(m.FEED_GAPS, 0, feed="f")
    metrics.total(m.FEED_MESSAGES, 10, feed="f")
    metrics.total(m.FEED_MESSAGES, 25, feed="f")
    metrics.total(m.FEED_MESSAGES, 25, feed="f")
    values = read(reader)
    assert values[("vigil_feed_messages", (("feed", "f"),))] == 25
    assert values[("vigil_feed_gaps", (("feed", "f"),))] == 0
    assert values[("vigil_process_resident_memory_bytes", ())] > 1_000_000


def test_an_undeclared_metric_or_one_used_as_another_kind_is_refused():
    metrics, _ = memory_metrics("root/x")
    with pytest.raises(ValueError, match="no metric 'vigil_nothing' is declared"):
        metrics.count("vigil_nothing")
    with pytest.raises(ValueError, match="vigil_feed_gaps is a counter, not a gauge"):
        metrics.gauge(m.FEED_GAPS, 1)


def test_readings_are_served_in_prometheus_text_format():
    metrics, reader = memory_metrics("root/trading/oms")
    metrics.count(m.ORDERS, strategy="mean-rev", session="fix-a")
    metrics.gauge(m.FIX_LOGGED_ON, 1, session='a "quoted"\nname')
    for seconds in (0.0004, 0.003, 0.003, 7.0):
        metrics.observe(m.ACK_LATENCY, seconds, session="fix-a")
    text = render(("root/trading/oms", r) for r in readings(reader.get_metrics_data()))
    assert "# HELP vigil_orders_total Orders the OMS sent to the venue, by strategy and session\n" in text
    assert "# TYPE vigil_orders_total counter\n" in text
    assert 'vigil_orders_total{actor="root/trading/oms",strategy="mean-rev",session="fix-a"} 1\n' in text
    assert 'vigil_fix_logged_on{actor="root/trading/oms",session="a \\"quoted\\"\\nname"} 1\n' in text
    assert "# TYPE vigil_order_ack_latency_seconds histogram\n" in text
    buckets = [line for line in text.splitlines() if line.startswith("vigil_order_ack_latency_seconds_bucket")]
    assert buckets[0].endswith('le="0.0005"} 1') and buckets[3].endswith('le="0.005"} 3')
    assert buckets[-1].endswith('le="+Inf"} 4') and len(buckets) == len(m.ACK_LATENCY.buckets) + 1
    [total] = [line for line in text.splitlines() if line.startswith("vigil_order_ack_latency_seconds_sum")]
    assert math.isclose(float(total.rsplit(" ", 1)[1]), 7.0064)
    assert 'vigil_order_ack_latency_seconds_count{actor="root/trading/oms",session="fix-a"} 4' in text


def test_the_oms_counts_orders_denials_and_fills_and_times_the_venues_answers_in_one_process(tmp_path):
    from tests.support.inprocess_run import InProcessRun
    from tests.support.topologies import desk as desk_topology
    from vigil.errors import VigilError
    from vocabulary.orders import SubmitOrder

    topology = desk_topology(flow_seed=5, oms="""
        feed: feed
        risk:
          market: {max_quote_age_s: 30}
          strategies: {alpha: {max_order_qty: 100000}}
        """)
    run = InProcessRun(tmp_path / "desk", topology).start()
    run.desk.advance(1.0)
    run.market_data("oms")
    run.client.ask("oms", SubmitOrder("EURUSD", "buy", "1000", "1.12000", "limit", "IOC", strategy="alpha",
                                      account="book-a"))
    for _ in range(2):
        with pytest.raises(VigilError, match="denied"):
            run.client.ask("oms", SubmitOrder("EURUSD", "buy", "200000", "1.09", "limit", "DAY", strategy="alpha",
                                              account="book-a"))
    [breach] = run.desk.alerts("risk_limit_breach")  # once a minute at most, however often it is tried
    assert (breach["strategy"], breach["limit"]) == ("alpha", "max_order_qty")
    assert breach["summary"].startswith("strategy alpha: an order stopped at its max_order_qty limit: ")
    run.desk.advance(0.5)
    values = {(r["name"], tuple(sorted(r["labels"].items()))): r["value"] for r in run.desk.readings("oms")}
    assert values[("vigil_orders", (("session", "fix-a"), ("strategy", "alpha")))] == 1
    assert values[("vigil_risk_denials", (("reason", "max_order_qty"), ("strategy", "alpha")))] == 2
    assert values[("vigil_fills", (("session", "fix-a"), ("strategy", "alpha")))] >= 1
    assert values[("vigil_order_ack_latency_seconds", (("session", "fix-a"),))]["count"] == 1
    slippage = values[("vigil_execution_slippage_bps", (("session", "fix-a"), ("strategy", "alpha")))]
    assert slippage["count"] >= 1 and slippage["sum"] > 0  # a buy taking the ask pays above the mid
