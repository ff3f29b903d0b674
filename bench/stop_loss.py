"""Stop-loss: from the venue publishing the quote that breaches a strategy's stop to the first cancel it
causes reaching the venue.

Starts a real Vigil (its own redis-server): the simulated venue, a feed on its market data, the OMS with
its gateway, one FIX 4.4 session and the risk monitor (every strategy's stop 3 USD). A maker (a bare
QuickFIX client) makes a two-sided market, 200,000 each side, two ticks either side of a mid. Each round,
a strategy of its own (s1, s2, ...: a stop is made once a day per strategy) buys 100,000 at the ask
(marked at the mid: 2 USD down, inside its stop) and rests a bid far below. Then the maker offers one
tick above its bid: the mid falls, the strategy is 3.5 USD down, and that quote breaches. It goes venue
-> feed (ZeroMQ) -> risk monitor (ZeroMQ) -> OMS (lane: StopLoss; REDUCING, the cancel logged) ->
broker session (lane) -> FIX -> venue, whose acceptor stamps the OrderCancelRequest's arrival
(VenueCommand arrivals, what: cancels). Both stamps are the venue's clock.

The floor of the design, measured in the same run: the four pyzmq hops the path makes, a raw QuickFIX
message one way, and two Redis writes (the monitor logs the stop before it sends it; the OMS logs the
state and the cancel, one group commit).

    python bench/stop_loss.py [--rounds 100] [--json]
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
from tick_to_trade import FIRST_ASK_S, redis_write_us  # noqa: E402

from venues.participant import RawFixClient  # noqa: E402
from vigil.client import VigilClient  # noqa: E402
from vigil.procs import free_port  # noqa: E402
from vocabulary.market_data import Quote, decode, encode  # noqa: E402
from vocabulary.oms import GetOrders, GetRouting  # noqa: E402
from vocabulary.orders import SubmitOrder  # noqa: E402
from vocabulary.risk import GetRiskFigures  # noqa: E402
from vocabulary.venue import VenueCommand  # noqa: E402

OMS, VENUE, RISK = "root/trading/oms", "root/venue", "root/trading/risk"
TICK = 0.00001
SIZE = 200_000


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
        clients: [{{comp_id: VIGIL_A}}, {{comp_id: MAKER}}, {{comp_id: RAW}}]
        symbols: {{EURUSD: {{tick_size: 0.00001, lot_size: 1000, reference_price: 1.05}}}}
    - id: market
      type: supervisor
      children:
        - id: feed
          start: actors.feed.actor:Feed
          config: {{primary: "tcp://127.0.0.1:{md_port}", symbols: [EURUSD], validation: {{band_pct: 50}}}}
    - id: trading
      type: supervisor
      children:
        - id: oms
          start: actors.oms.actor:OrderManager
          config: {{sessions: [{{id: fix-a}}], feed: feed, risk: {{market: {{max_quote_age_s: 600}}}}}}
        - id: fix-a
          start: actors.broker.session:BrokerSession
          config: {{begin_string: FIX.4.4, sender_comp_id: VIGIL_A, target_comp_id: VENUE, port: {fix_port}}}
        - id: risk
          start: actors.risk_monitor.monitor:RiskMonitor
          config: {{stop_loss_default: 3, var_every_s: 60}}
"""


def wait_for(what: str, predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.005)
    raise RuntimeError(f"timed out waiting for {what}")


def cancels(client: VigilClient, skip: int) -> list[list]:
    return json.loads(client.ask(VENUE, VenueCommand("arrivals", {"comp_id": "VIGIL_A", "what": "cancels",
                                                                  "skip": skip})).detail)


def holding(client: VigilClient, strategy: str) -> bool:
    rows = client.ask(RISK, GetRiskFigures()).strategies
    return any(r["strategy"] == strategy and r["unrealized"] is not None and r["unrealized"] < 0 for r in rows)


def held(client: VigilClient, comp_id: str) -> dict:
    return json.loads(client.ask(VENUE, VenueCommand("holdings", {"comp_id": comp_id})).detail)


def flat(client: VigilClient) -> bool:
    return not any(held(client, "VIGIL_A")["net_bought"].values())


def px(value: float) -> str:
    return f"{value:.5f}"


def stop_losses(client: VigilClient, fix_port: int, rounds: int, md_endpoint: str) -> list[float]:
    import zmq

    sub = zmq.Context.instance().socket(zmq.SUB)  # the bench reads the breaching quote's stamp
    sub.setsockopt(zmq.SUBSCRIBE, b"QEURUSD")
    sub.connect(md_endpoint)
    out, seen = [], 0
    try:
        with RawFixClient(fix_port, "MAKER") as maker:
            for i in range(rounds):
                mid = 1.05 - i * 0.0001  # each round a fresh level below the last
                bid, ask, low_ask = mid - 2 * TICK, mid + 2 * TICK, mid - TICK
                maker_bid = maker.new_order("EURUSD", "1", SIZE, px(bid))
                maker_ask = maker.new_order("EURUSD", "2", SIZE, px(ask))
                wait_for("the maker's market at the venue", lambda: len(held(client, "MAKER")["open_orders"]) == 2)
                strategy = f"s{i + 1}"
                client.ask(OMS, SubmitOrder("EURUSD", "buy", "100000", px(ask), "limit", "IOC", strategy=strategy,
                                            account=strategy))
                client.ask(OMS, SubmitOrder("EURUSD", "buy", "1000", px(mid - 0.0005), "limit", "DAY",
                                            strategy=strategy, account=strategy))
                try:
                    wait_for(f"{strategy}'s position marked at the monitor", lambda: holding(client, strategy))
                except RuntimeError:
                    orders = [r for r in client.ask(OMS, GetOrders()).rows if r["strategy"] == strategy]
                    raise RuntimeError(f"{strategy} holds nothing at the monitor: its orders {orders}; the venue "
                                       f"{held(client, 'VIGIL_A')}, {held(client, 'MAKER')}") from None
                time.sleep(0.05)  # the resting bid acknowledged, the monitor idle again
                while sub.poll(0):
                    sub.recv_multipart()
                low = maker.new_order("EURUSD", "2", SIZE, px(low_ask))
                quote_ns = None
                deadline = time.monotonic() + 10
                while quote_ns is None:
                    if not sub.poll(max(1, int((deadline - time.monotonic()) * 1000))):
                        raise RuntimeError("the venue published no quote for the maker's low offer")
                    q = decode(sub.recv_multipart())
                    if isinstance(q, Quote) and abs(q.ask_px - low_ask) < TICK / 2:
                        quote_ns = q.ts_ns
                time.sleep(FIRST_ASK_S)  # asking the venue at once took its CPU from the path measured
                fresh = wait_for(f"{strategy}'s cancel at the venue", lambda: cancels(client, seen))
                seen += len(fresh)
                out.append((fresh[0][1] - quote_ns) / 1000)
                wait_for("the stop's closing order filled", lambda: flat(client))
                seen = len(cancels(client, 0))
                for cl, side in ((maker_bid, "1"), (maker_ask, "2"), (low, "2")):
                    maker.cancel(cl, "EURUSD", side, SIZE)
                wait_for("the maker's orders cancelled", lambda: not held(client, "MAKER")["open_orders"])
    finally:
        sub.close(0)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=100, help="stops timed, one at a time")
    parser.add_argument("--json", action="store_true", help="print one JSON object of the figures last")
    args = parser.parse_args()

    fix_port, md_port = free_port(), free_port()
    with running_vigil(topology(fix_port, md_port), prefix="vigil-bench-stop-") as client:
        wait_for("the session up", lambda: all(r["up"] for r in client.ask(OMS, GetRouting()).rows), 30)
        wait_for("the risk monitor", lambda: client.registry.get(RISK).get("state") == "running", 30)
        print(f"stop-loss: {args.rounds} rounds ...", file=sys.stderr, flush=True)
        latencies = stop_losses(client, fix_port, args.rounds, f"tcp://127.0.0.1:{md_port}")
        print("floor: pyzmq hops, raw QuickFIX, Redis writes ...", file=sys.stderr, flush=True)
        hop = statistics.median(zmq_hops_us(1000, lambda: encode(Quote("EURUSD", 1, time.time_ns(), 1.05, 1e6,
                                                                         1.05002, 1e6))))
        raw = statistics.median(raw_round_trips(fix_port, 300, "EURUSD", 1000, "1.00000"))
        write = redis_write_us(client)

    floor = 4 * hop + raw / 2 + 2 * write
    median = statistics.median(latencies)
    figures = {"median_us": round(median, 1), "p99_us": round(pct(latencies, 99), 1), "floor_us": round(floor, 1),
               "ratio": round(median / floor, 2), "stops": len(latencies), "zmq_hop_us": round(hop, 1),
               "raw_fix_one_way_us": round(raw / 2, 1), "redis_write_us": round(write, 1)}
    print(f"breaching quote at the venue -> feed -> risk monitor -> OMS -> session -> OrderCancelRequest at the "
          f"venue: median {figures['median_us']} us, p99 {figures['p99_us']} us ({figures['stops']} stops)")
    print(f"floor: 4 pyzmq hops ({figures['zmq_hop_us']} us each) + a raw QuickFIX send "
          f"({figures['raw_fix_one_way_us']} us) + 2 Redis writes ({figures['redis_write_us']} us each) = "
          f"{figures['floor_us']} us; ratio {figures['ratio']}")
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
