"""Span cost on the tick-to-trade path: the same path (bench/tick_to_trade.py) with tracing on and with
VIGIL_TRACING=off, in one run, in alternating rounds (so that the VM's drift falls on both alike).

With tracing on, every hop of an order records a span (the strategy's decision, the OMS's SubmitOrder,
the session's NewOrderSingle, each a CONSUMER span with the messaging attributes) and hands it to the
SDK's batch processor, which writes them to RUN_DIR/spans.jsonl off the message loop. Off, nothing is
recorded and the context passes through unchanged. The difference of the medians is what tracing costs;
beside it, what recording one span costs its handler's thread, timed in this process (per_span_us).

    python bench/span_cost.py [--quotes 200] [--rounds 2] [--json]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _vigil import pct, running_vigil  # noqa: E402
from tick_to_trade import BENCH_DIR, tick_to_trade, topology, wait_ready  # noqa: E402

from vigil.procs import free_port  # noqa: E402


def one_run(quotes: int, tracing: bool) -> list[float]:
    fix_port, md_port = free_port(), free_port()
    env = {} if tracing else {"VIGIL_TRACING": "off"}
    with running_vigil(topology(fix_port, md_port), prefix="vigil-bench-spans-", pythonpath=BENCH_DIR,
                       extra_env=env) as client:
        wait_ready(client)
        latencies, _ = tick_to_trade(client, fix_port, quotes, f"tcp://127.0.0.1:{md_port}")
    return latencies


def per_span_us(n: int = 20_000) -> tuple[float, float]:
    """On the handler's own thread, in this process: a span recorded (a CONSUMER span with the messaging
    attributes, handed to the batch processor) and one passed through with tracing off, in us each."""
    import tempfile
    import time

    from vigil import telemetry

    attrs = {"vigil.actor": "root/trading/oms", **telemetry.messaging_attributes("zeromq", "root/trading/oms")}
    sender = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    def timed() -> float:
        t0 = time.perf_counter_ns()
        for _ in range(n):
            with telemetry.span("SubmitOrder", sender, kind=telemetry.SpanKind.CONSUMER, **attrs):
                pass
        return (time.perf_counter_ns() - t0) / n / 1000

    with tempfile.TemporaryDirectory() as run_dir:
        telemetry.configure("bench", run_dir)
        timed()  # warm
        on = timed()
        telemetry.shutdown()
        off = timed()
    return on, off


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quotes", type=int, default=200, help="quotes timed per round and setting")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of on, then off")
    parser.add_argument("--json", action="store_true", help="print one JSON object of the figures last")
    args = parser.parse_args()
    on: list[float] = []
    off: list[float] = []
    for r in range(args.rounds):
        for tracing, into in ((True, on), (False, off)):
            print(f"round {r + 1}/{args.rounds}, tracing {'on' if tracing else 'off'}: {args.quotes} quotes ...",
                  file=sys.stderr, flush=True)
            into += one_run(args.quotes, tracing)
    m_on, m_off = statistics.median(on), statistics.median(off)
    span_on, span_off = per_span_us()
    figures = {"on_median_us": round(m_on, 1), "on_p99_us": round(pct(on, 99), 1),
               "off_median_us": round(m_off, 1), "off_p99_us": round(pct(off, 99), 1),
               "span_cost_us": round(m_on - m_off, 1), "ratio": round(m_on / m_off, 3), "orders": len(on) + len(off),
               "per_span_us": round(span_on, 2), "per_span_off_us": round(span_off, 2)}
    print(f"tick to trade with tracing: median {figures['on_median_us']} us, p99 {figures['on_p99_us']} us; "
          f"without: median {figures['off_median_us']} us, p99 {figures['off_p99_us']} us; "
          f"tracing costs {figures['span_cost_us']} us a quote-to-order ({figures['ratio']}x); one span recorded "
          f"costs its handler {figures['per_span_us']} us ({figures['per_span_off_us']} us with tracing off)")
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
