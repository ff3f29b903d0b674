"""Tick to trade: from the venue publishing a quote to the NewOrderSingle it causes reaching the venue.

Starts a real Vigil (its own redis-server): the simulated venue, a feed on its market data, a strategy
host running bench_probe.Probe (one order for every quote, far from the market), the OMS and one FIX
4.4 session. A maker (a bare QuickFIX client) raises the best bid one tick at a time; each raise makes
the venue publish a quote, stamped as it goes out. The quote goes venue -> feed (ZeroMQ) -> strategy
host (ZeroMQ) -> OMS (lane) -> broker session (lane) -> FIX -> venue, whose acceptor stamps the
NewOrderSingle's arrival (VenueCommand arrivals). Both stamps are the venue's clock: the bench's own
polling is not in the figure. One quote at a time, each after the order of the one before arrived.

The floor of the design, measured in the same run: the four pyzmq hops the path makes, a raw QuickFIX
NewOrderSingle one way (half a raw round trip to the same venue), and one Redis write (the path makes
two: the strategy host logs the order before it sends it, the OMS logs it before the wire). Measured
twice: back to back (the machine's best case, as in the guide's table), and at the path's own pace (one
every so many ms, as the quotes came): on this VM a process woken after a pause costs several times
what a busy one does (a pyzmq hop 68 us back to back, 260 us 20 ms apart; a Redis write 70 against
500), and every process on the path is woken after one.

    python bench/tick_to_trade.py [--quotes 500] [--json]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _vigil import pct, running_vigil, zmq_hops_us  # noqa: E402
from fix_roundtrip import raw_round_trips  # noqa: E402

from venues.participant import RawFixClient  # noqa: E402
from vigil.client import VigilClient  # noqa: E402
from vigil.procs import free_port  # noqa: E402
from vocabulary.market_data import Quote, decode, encode  # noqa: E402
from vocabulary.oms import GetRouting  # noqa: E402
from vocabulary.venue import VenueCommand  # noqa: E402

OMS, VENUE, PROBE = "root/trading/oms", "root/venue", "root/market/probe"
FIRST_ASK_S = 0.02
"""The bench asks the venue for the order's arrival only this long after the quote: each ask costs the
venue (on the path) some 0.7 ms of CPU, and asking at once took it from the path (a quarter of the figure)."""
BENCH_DIR = str(Path(__file__).resolve().parent)


def topology(fix_port: int, md_port: int) -> str:
    return f"""
vigil: {{name: bench}}
root:
  strategy: one_for_one
  children:
    - id: venue
      start: venues.actor:SimulatedVenue
      config:
        port: {fix_port}
        md_endpoint: tcp://127.0.0.1:{md_port}
        clients: [{{comp_id: VIGIL_A}}, {{comp_id: MAKER}}, {{comp_id: RAW}}, {{comp_id: PACED}}]
        symbols: {{EURUSD: {{tick_size: 0.00001, lot_size: 1000, reference_price: 1.05}}}}
    - id: trading
      type: supervisor
      children:
        - id: oms
          start: actors.oms.actor:OrderManager
          config: {{sessions: [{{id: fix-a}}]}}
        - id: fix-a
          start: actors.broker.session:BrokerSession
          config: {{begin_string: FIX.4.4, sender_comp_id: VIGIL_A, target_comp_id: VENUE, port: {fix_port}}}
    - id: market
      type: supervisor
      children:
        - id: feed
          start: actors.feed.actor:Feed
          config: {{primary: "tcp://127.0.0.1:{md_port}", symbols: [EURUSD],
                    validation: {{band_pct: 50}}}}
        - id: probe
          start: actors.strategy.host:StrategyHost
          config: {{strategy: "bench_probe:Probe", symbols: [EURUSD], book: probe}}
"""


def wait_ready(client: VigilClient, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(r["up"] for r in client.ask(OMS, GetRouting()).rows) and client.registry.get(PROBE).get("state") == "running":
            return
        time.sleep(0.05)
    raise RuntimeError("the session or the strategy did not come up")


def arrivals(client: VigilClient, skip: int) -> list[list]:
    return json.loads(client.ask(VENUE, VenueCommand("arrivals", {"comp_id": "VIGIL_A", "skip": skip})).detail)


def tick_to_trade(client: VigilClient, fix_port: int, quotes: int, md_endpoint: str) -> tuple[list[float], float]:
    """Each quote's latency (us), and the path's pace: the median time between quotes (s)."""
    import zmq

    ctx = zmq.Context.instance()
    sub = ctx.socket(zmq.SUB)  # the bench reads each quote's stamp as the venue published it
    sub.setsockopt(zmq.SUBSCRIBE, b"QEURUSD")
    sub.connect(md_endpoint)
    out, quoted = [], []
    bids = (f"{1.05 + i * 0.00001:.5f}" for i in range(10 * quotes + 1000))  # each better: a quote
    try:
        with RawFixClient(fix_port, "MAKER") as maker:
            deadline = time.monotonic() + 10
            while not sub.poll(20):  # until the bench's subscription has reached the venue
                if time.monotonic() > deadline:
                    raise RuntimeError("no quote from the venue")
                maker.new_order("EURUSD", "1", 1000, next(bids))
            seen = settled(client)  # the probe's orders for the warm-up quotes are in
            while sub.poll(0):
                sub.recv_multipart()
            for i in range(quotes):
                maker.new_order("EURUSD", "1", 1000, next(bids))
                if not sub.poll(10_000):
                    raise RuntimeError("the venue published no quote for the maker's bid")
                quote_ns = decode(sub.recv_multipart()).ts_ns
                quoted.append(quote_ns)
                deadline = time.monotonic() + 10
                time.sleep(FIRST_ASK_S)
                while True:
                    fresh = arrivals(client, seen)
                    if fresh:
                        break
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"no order reached the venue for quote {i}")
                    time.sleep(0.01)  # asking the venue costs it CPU (about 0.7 ms an ask) it needs for the path measured
                seen += len(fresh)
                out.append((fresh[0][1] - quote_ns) / 1000)
    finally:
        sub.close(0)
    return out, statistics.median(b - a for a, b in zip(quoted, quoted[1:])) / 1e9


def settled(client: VigilClient, quiet_s: float = 0.5) -> int:
    """How many orders have reached the venue, once none has for `quiet_s`."""
    count, since = len(arrivals(client, 0)), time.monotonic()
    while time.monotonic() - since < quiet_s:
        time.sleep(0.05)
        now = len(arrivals(client, 0))
        if now != count:
            count, since = now, time.monotonic()
    return count


def redis_write_us(client: VigilClient, n: int = 500, gap_s: float = 0.0) -> float:
    script = client.redis.register_script("return redis.call('XADD', KEYS[1], '*', 'e', ARGV[1])")
    out = []
    for _ in range(n):
        time.sleep(gap_s)
        t0 = time.perf_counter_ns()
        script(keys=["bench:floor"], args=['{"event": "order_created", "cl_ord_id": "VXXXXXX-1"}'])
        out.append((time.perf_counter_ns() - t0) / 1000)
    client.redis.delete("bench:floor")
    return statistics.median(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quotes", type=int, default=500, help="quotes timed, one at a time")
    parser.add_argument("--json", action="store_true", help="print one JSON object of the figures last")
    args = parser.parse_args()

    fix_port, md_port = free_port(), free_port()
    with running_vigil(topology(fix_port, md_port), prefix="vigil-bench-t2t-", pythonpath=BENCH_DIR) as client:
        wait_ready(client)
        print(f"tick to trade: {args.quotes} quotes ...", file=sys.stderr, flush=True)
        latencies, pace_s = tick_to_trade(client, fix_port, args.quotes, f"tcp://127.0.0.1:{md_port}")
        median = statistics.median(latencies)
        figures = {"median_us": round(median, 1), "p99_us": round(pct(latencies, 99), 1), "orders": len(latencies),
                   "pace_ms": round(pace_s * 1000, 1)}
        for name, gap_s, n, sender in (("", 0.0, 500, "RAW"), ("paced_", pace_s, 150, "PACED")):
            print(f"floor{' at the path pace' if gap_s else ''}: pyzmq hops, raw QuickFIX, a Redis write ...",
                  file=sys.stderr, flush=True)
            hop = statistics.median(zmq_hops_us(2 * n, lambda: encode(Quote("EURUSD", 1, time.time_ns(), 1.05, 1e6,
                                                                              1.05002, 1e6)), gap_s))
            raw = statistics.median(raw_round_trips(fix_port, n, "EURUSD", 1000, "1.00000", gap_s, sender))
            write = redis_write_us(client, n, gap_s)
            floor = 4 * hop + raw / 2 + write
            figures |= {f"{name}floor_us": round(floor, 1), f"{name}ratio": round(median / floor, 2),
                        f"{name}zmq_hop_us": round(hop, 1), f"{name}raw_fix_one_way_us": round(raw / 2, 1),
                        f"{name}redis_write_us": round(write, 1)}

    print(f"venue quote -> strategy -> OMS -> session -> NewOrderSingle at the venue: "
          f"median {figures['median_us']} us, p99 {figures['p99_us']} us ({figures['orders']} orders, one every {figures['pace_ms']} ms)")
    for name, when in (("", "back to back"), ("paced_", f"one every {figures['pace_ms']} ms")):
        print(f"floor, {when}: 4 pyzmq hops ({figures[name + 'zmq_hop_us']} us each) + a raw QuickFIX send "
              f"({figures[name + 'raw_fix_one_way_us']} us) + 1 Redis write ({figures[name + 'redis_write_us']} us) = "
              f"{figures[name + 'floor_us']} us; ratio {figures[name + 'ratio']} (target <= 1.5)")
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
