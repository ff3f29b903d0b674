"""NewOrderSingle to acknowledgement through the OMS and a broker session actor, against raw QuickFIX.

Starts a real Vigil (its own redis-server) with the simulated venue, the OMS
and one FIX 4.4 broker session, all over TCP loopback. Three measurements:

  raw       a bare QuickFIX initiator in this process sends NewOrderSingle and
            waits for the venue's ExecutionReport (New): the floor.
  vigil     a strategy on the OMS's fast lane (vigil.lane, as strategy actors talk
            to it) sends SubmitOrder(wait_ack=True), one at a time: strategy -> OMS
            (persist) -> broker session -> FIX -> venue -> FIX -> session -> OMS
            (persist) -> strategy.
  sustained the same strategy keeps --window orders in flight; counts orders/s
            acknowledged, orders lost (never acknowledged) and duplicated
            (acknowledged twice, or two venue OrderIDs for one order).
  raw sustained  the bare QuickFIX client with the same window: what this machine
            sustains against this venue with no Vigil at all.
  floor     what an order cannot avoid on this machine: a lane round trip to the
            OMS (two hops; an order makes four) and one Redis write (the order is
            logged before it goes on the wire); floor = raw + 4 hops + 1 write.

Orders rest far from the market so nothing fills. FIX message logging stays on
as in production, and the OMS's risk gateway checks every order (quantity, open
orders, message rate: the checks that need no market data).

    python bench/fix_roundtrip.py [--orders 1000] [--burst 3000] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from dataclasses import dataclass  # noqa: E402

from _vigil import cpu_seconds, pct, running_vigil  # noqa: E402

from venues.participant import RawFixClient  # noqa: E402
from vigil.client import VigilClient  # noqa: E402
from vigil.lane import Lane, LaneAddress  # noqa: E402
from vigil.procs import free_port  # noqa: E402
from vocabulary.oms import GetOrders, GetRouting
from vocabulary.orders import OrderAcknowledged, SubmitOrder

OMS = "root/trading/oms"
SESSION = "root/trading/fix-a"
VENUE = "root/venue"


def topology(fix_port: int, md_port: int) -> str:
    return f"""
vigil: {{name: bench}}
root:
  strategy: one_for_one
  intensity: 3
  period: 10
  children:
    - id: venue
      start: venues.actor:SimulatedVenue
      config:
        port: {fix_port}
        md_endpoint: tcp://127.0.0.1:{md_port}
        clients: [{{comp_id: VIGIL_A}}, {{comp_id: RAW}}, {{comp_id: RAW_SUSTAINED}}]
        symbols: {{ACME: {{tick_size: 0.01, lot_size: 1, reference_price: 100}}}}
    - id: trading
      type: supervisor
      children:
        - id: oms
          start: actors.oms.actor:OrderManager
          config:
            sessions: [{{id: fix-a}}]
            risk:  # the gateway on the path, with the checks that need no market data (none comes here)
              firm: {{max_order_qty: 1000000, max_open_orders: 100000}}
              strategy_defaults: {{max_order_qty: 100000, max_open_orders: 100000,
                                   message_rate: {{max: 1000000, window_s: 1}}, executions: {{max: 1000000, window_s: 1}}}}
        - id: fix-a
          start: actors.broker.session:BrokerSession
          config: {{begin_string: FIX.4.4, sender_comp_id: VIGIL_A, target_comp_id: VENUE, port: {fix_port}}}
"""


def wait_ready(client: VigilClient, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(r["up"] for r in client.ask(OMS, GetRouting()).rows):
            return
        time.sleep(0.05)
    raise RuntimeError("the broker session did not come up")


def raw_round_trips(port: int, n: int, symbol: str = "ACME", qty: int = 1, price: str = "1.00",
                    gap_s: float = 0.0, sender: str = "RAW") -> list[float]:
    """gap_s: a pause before each order (see _vigil.zmq_hops_us). sender: a CompID the venue knows; each
    client logs on afresh (sequence numbers from 1), so one CompID serves one client per venue."""
    out = []
    with RawFixClient(port, sender) as raw:
        for _ in range(n):
            time.sleep(gap_s)
            t0 = time.perf_counter_ns()
            cl = raw.new_order(symbol, "1", qty, price)
            while True:
                msg = raw.next_message()
                if f"\x0111={cl}\x01" in msg and "\x0139=0\x01" in msg:
                    break
            out.append((time.perf_counter_ns() - t0) / 1000)
    return out


def raw_sustained(port: int, count: int, window: int, venue_pid: int) -> dict[str, object]:
    """The bare QuickFIX client keeping `window` orders in flight: what this machine sustains
    against this venue with no Vigil at all, and the CPU the client and the venue spend on it."""
    with RawFixClient(port, "RAW_SUSTAINED") as raw:  # a session of its own: sequence numbers start at 1
        venue_cpu, own_cpu, t0 = cpu_seconds(venue_pid), time.process_time(), time.perf_counter()
        sent = acked = 0
        while acked < count:
            while sent < count and sent - acked < window:
                raw.new_order("ACME", "1", 1, "1.02")
                sent += 1
            if "\x0139=0\x01" in raw.next_message():
                acked += 1
        elapsed = time.perf_counter() - t0
        return {"raw_orders_per_s": round(count / elapsed, 1),
                "raw_cpu_us_per_order": {"client": round((time.process_time() - own_cpu) / count * 1e6),
                                         "root/venue": round((cpu_seconds(venue_pid) - venue_cpu) / count * 1e6)}}


@dataclass(frozen=True)
class LoadReport:
    acknowledged: int
    refused: list[str]
    duplicated: int
    elapsed_s: float
    latencies_us: list[float]
    statuses: set[str]


def through_vigil(client: VigilClient, count: int, window: int, price: str) -> LoadReport:
    """Orders as a strategy sends them: on the OMS's lane, at most `window` unacknowledged."""
    oms = LaneAddress(client.registry.lane(OMS), OMS)
    lane = Lane("bench/strategy")
    order = SubmitOrder("ACME", "buy", "1", price, session="fix-a", wait_ack=True)
    sent_at: list[int] = []
    latencies: list[float] = []
    acked: set[str] = set()
    refused: list[str] = []
    statuses: set[str] = set()
    duplicated = 0
    t0 = time.perf_counter()
    try:
        while len(acked) + len(refused) < count:
            while len(sent_at) < count and len(sent_at) - len(acked) - len(refused) < window:
                sent_at.append(time.perf_counter_ns())
                lane.send(oms, order)
            if not lane.wait(30):
                raise RuntimeError(f"no answer from the OMS for 30 s ({len(acked)} of {count} acknowledged)")
            for delivery in lane.receive():
                ack = delivery.message
                if not isinstance(ack, OrderAcknowledged):
                    refused.append(str(ack))
                elif ack.cl_ord_id in acked:
                    duplicated += 1
                else:
                    # one at a time, answers come back in order; with a window they are matched to
                    # send times in arrival order, which the median and p99 tolerate
                    latencies.append((time.perf_counter_ns() - sent_at[len(acked)]) / 1000)
                    acked.add(ack.cl_ord_id)
                    statuses.add(ack.status)
    finally:
        lane.close()
    report = LoadReport(len(acked), refused, duplicated, time.perf_counter() - t0, latencies, statuses)
    if refused or statuses != {"New"}:
        raise RuntimeError(f"orders were not all acknowledged as New: {statuses}, refused: {refused[:3]}")
    return report


def floors(client: VigilClient, n: int) -> dict[str, float]:
    """What one order cannot avoid in this design, measured here: the lane round trip to the OMS
    (two hops and a trivial handler, the order makes four hops) and one Redis write of an event."""
    oms = LaneAddress(client.registry.lane(OMS), OMS)
    lane = Lane("bench/floor")
    hops, writes = [], []
    script = client.redis.register_script("return redis.call('XADD', KEYS[1], '*', 'e', ARGV[1])")
    try:
        for _ in range(n):
            t0 = time.perf_counter_ns()
            lane.send(oms, GetRouting())
            if not lane.wait(10):
                raise RuntimeError("the OMS did not answer on its lane")
            lane.receive()
            t1 = time.perf_counter_ns()
            script(keys=["bench:floor"], args=['{"event": "order_created", "cl_ord_id": "VXXXXXX-1"}'])
            writes.append((time.perf_counter_ns() - t1) / 1000)
            hops.append((t1 - t0) / 1000)
    finally:
        lane.close()
        client.redis.delete("bench:floor")
    return {"lane_rtt_median_us": round(statistics.median(hops), 1),
            "redis_write_median_us": round(statistics.median(writes), 1)}


def processes(client: VigilClient) -> dict[str, int]:
    """The actors on the order path, and Vigil's redis-server."""
    pids = {path: int(client.registry.get(path)["pid"]) for path in (OMS, SESSION, VENUE)}
    port = int(client.info["redis_url"].rsplit(":", 1)[1].split("/")[0])
    pids["redis-server"] = int(client.redis.info("server")["process_id"]) if port else 0
    return pids


def unique_venue_ids(client: VigilClient, price: str) -> tuple[int, int]:
    orders = [r for r in client.ask(OMS, GetOrders(), timeout=60).rows if Decimal(r["price"]) == Decimal(price)]
    ids = [r["order_id"] for r in orders if r["order_id"]]
    return len(ids), len(set(ids))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000, help="round trips measured each way")
    parser.add_argument("--burst", type=int, default=3000, help="orders in the sustained run")
    parser.add_argument("--window", type=int, default=50, help="orders in flight in the sustained run")
    parser.add_argument("--json", action="store_true", help="print one JSON object of the figures last")
    args = parser.parse_args()

    fix_port = free_port()
    with running_vigil(topology(fix_port, free_port()), prefix="vigil-bench-fix-") as client:
        wait_ready(client)
        print(f"raw QuickFIX round trips: {args.orders} ...", file=sys.stderr, flush=True)
        raw = raw_round_trips(fix_port, args.orders)
        print(f"through the OMS and broker session: {args.orders} ...", file=sys.stderr, flush=True)
        vigil = list(through_vigil(client, args.orders, 1, "1.00").latencies_us)
        floor = floors(client, args.orders)
        print(f"sustained: {args.burst} orders, {args.window} in flight ...", file=sys.stderr, flush=True)
        pids = processes(client)
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        load = through_vigil(client, args.burst, args.window, "1.01")
        cpu = {name: round((cpu_seconds(pid) - before[name]) / max(1, load.acknowledged) * 1e6)
               for name, pid in pids.items()}
        ids, unique = unique_venue_ids(client, "1.01")
        burst = {"orders_per_s": round(load.acknowledged / load.elapsed_s, 1),
                 "lost": args.burst - load.acknowledged, "duplicated": load.duplicated + ids - unique}
        print(f"raw sustained: {args.burst} orders, {args.window} in flight ...", file=sys.stderr, flush=True)
        ceiling = raw_sustained(fix_port, args.burst, args.window, pids[VENUE])
        restarted = [a["path"] for a in client.actors() if a.get("restarts") not in ("0", "")]
        if restarted:
            print(f"warning: actors restarted during the run: {restarted}", file=sys.stderr)

    figures = {"median_us": round(statistics.median(vigil), 1), "p99_us": round(pct(vigil, 99), 1),
               "raw_median_us": round(statistics.median(raw), 1), "raw_p99_us": round(pct(raw, 99), 1),
               "ratio_median": round(statistics.median(vigil) / statistics.median(raw), 2), **burst,
               "cpu_us_per_order": cpu, **ceiling, **floor}
    # Vigil's own processes alone, if the venue and the strategy had cores of their own
    figures["vigil_cpu_us_per_order"] = sum(cpu[name] for name in (OMS, SESSION, "redis-server"))
    figures["vigil_capacity_orders_per_s"] = round(os.cpu_count() * 1e6 / figures["vigil_cpu_us_per_order"])
    # raw + four lane hops + one Redis write before the wire: no handling at all, still this much
    figures["floor_median_us"] = round(figures["raw_median_us"] + 2 * floor["lane_rtt_median_us"]
                                       + floor["redis_write_median_us"], 1)
    figures["floor_ratio"] = round(figures["floor_median_us"] / figures["raw_median_us"], 2)
    figures["ratio_to_floor"] = round(figures["median_us"] / figures["floor_median_us"], 2)
    print(f"NewOrderSingle -> ack through OMS + broker actor: median {figures['median_us']} us, "
          f"p99 {figures['p99_us']} us")
    print(f"raw QuickFIX round trip, same venue: median {figures['raw_median_us']} us, "
          f"p99 {figures['raw_p99_us']} us; ratio {figures['ratio_median']} (target <= 2)")
    print(f"sustained: {figures['orders_per_s']} orders/s acknowledged (target >= 2000), "
          f"lost {figures['lost']}, duplicated {figures['duplicated']}")
    print("CPU per order in the sustained run: " + ", ".join(f"{name} {us} us" for name, us in cpu.items()))
    print(f"raw sustained, same window and venue: {figures['raw_orders_per_s']} orders/s, CPU per order: "
          + ", ".join(f"{name} {us} us" for name, us in figures["raw_cpu_us_per_order"].items()))
    print(f"Vigil's own processes (OMS, session, redis): {figures['vigil_cpu_us_per_order']} us of CPU per order, "
          f"{figures['vigil_capacity_orders_per_s']} orders/s on {os.cpu_count()} cores of their own")
    print(f"floor of the design: raw + 4 lane hops (lane round trip to the OMS {floor['lane_rtt_median_us']} us) "
          f"+ 1 Redis write ({floor['redis_write_median_us']} us) = {figures['floor_median_us']} us, "
          f"{figures['floor_ratio']} x raw; Vigil's median is {figures['ratio_to_floor']} x its floor (target <= 1.5)")
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
