"""Market data through one feed actor: messages per second validated and delivered, and latency
from publish to a subscriber's receive, against a raw pyzmq hop measured in the same run.

Starts a real Vigil (its own redis-server) with one feed actor whose primary
source is a ZeroMQ PUB socket in this process; this process also subscribes
to what the feed publishes. Four measurements:

  raw hop      a pyzmq round trip to a plain echo process (SUB -> PUB), halved: one hop.
  latency      one quote at a time: publish -> feed (validate, publish) -> this process.
  per message  --messages quotes, one ZeroMQ message each, as fast as this process can
               publish them; rate = delivered / (last received - first sent).
  batched      the same quotes in messages of --batch (actors/feed/batch.py, numpy).

Every quote is valid, so every one must come out: `lost` counts those that did not.

    python bench/feed.py [--messages 200000] [--batch 1000] [--samples 2000] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import zmq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _vigil import cpu_seconds, pct, running_vigil, zmq_hops_us  # noqa: E402

from vocabulary.feeds import GetFeedStatus
from vocabulary.market_batch import QUOTES, encode_batch  # noqa: E402
from vocabulary.market_data import Quote, encode

FEED = "root/feed"
SYMBOL = "EURUSD"
CHUNK = 20_000  # published between two reads, so neither side's queue comes near its high-water mark


def topology(source: str) -> str:
    return f"""
vigil: {{name: benchfeed}}
root:
  strategy: one_for_one
  children:
    - id: feed
      start: actors.feed.actor:Feed
      config:
        primary: "{source}"
        symbols: [{SYMBOL}]
        failover: {{stale_ms: 600000}}
        validation: {{max_age_ms: 600000}}  # a throughput run's quotes are stamped when it is built
"""


def quotes_in(frames: list[bytes]) -> int:
    return len(frames[1]) // QUOTES.itemsize if frames[0][:1] == b"q" else 1


class Bench:
    def __init__(self) -> None:
        self.ctx = zmq.Context()
        self.pub = self.ctx.socket(zmq.PUB)
        self.pub.setsockopt(zmq.SNDHWM, 0)  # unbounded: this side never drops
        self.source = f"tcp://127.0.0.1:{self.pub.bind_to_random_port('tcp://127.0.0.1')}"
        self.sub = self.ctx.socket(zmq.SUB)
        self.sub.setsockopt(zmq.RCVHWM, 0)
        self.sub.setsockopt(zmq.SUBSCRIBE, b"")
        self.seq = 0

    def quote(self) -> list[bytes]:
        self.seq += 1
        return encode(Quote(SYMBOL, self.seq, time.time_ns(), 1.10000, 1e6, 1.10002, 1e6))

    def join(self, endpoint: str) -> None:
        """PUB/SUB joins late: publish until a quote comes back through the feed."""
        self.sub.connect(endpoint)
        deadline = time.monotonic() + 30
        while not self.sub.poll(50):
            if time.monotonic() > deadline:
                raise RuntimeError("nothing came through the feed in 30 s")
            self.pub.send_multipart(self.quote())
        self.drain(0.2)

    def drain(self, quiet_s: float) -> int:
        """Read until nothing comes for quiet_s; the number of quotes read."""
        n = 0
        while self.sub.poll(int(quiet_s * 1000)):
            n += quotes_in(self.sub.recv_multipart())
        return n

    def latency(self, samples: int) -> list[float]:
        out = []
        for _ in range(samples):
            frames = self.quote()
            t0 = time.perf_counter_ns()
            self.pub.send_multipart(frames)
            if not self.sub.poll(5000):
                raise RuntimeError(f"quote {self.seq} did not come through the feed within 5 s")
            self.sub.recv_multipart()
            out.append((time.perf_counter_ns() - t0) / 1000)
        return out

    def throughput(self, count: int, batch: int) -> tuple[float, int]:
        """(quotes per second delivered, quotes lost), publishing `batch` quotes per message."""
        records = np.zeros(count, dtype=QUOTES)
        records["seq"] = np.arange(self.seq + 1, self.seq + count + 1)
        records["ts_ns"], records["bid_px"], records["ask_px"] = time.time_ns(), 1.10000, 1.10002
        records["bid_qty"] = records["ask_qty"] = 1e6
        self.seq += count
        if batch > 1:
            messages = [encode_batch(SYMBOL, records[i:i + batch]) for i in range(0, count, batch)]
        else:
            messages = [encode(Quote(SYMBOL, *r)) for r in records.tolist()]
        per_chunk = max(1, CHUNK // batch)
        # This side stands in for a venue and a strategy on other machines: it uses the cheapest pyzmq
        # calls there are (two plain sends; plain reads of the two frames the feed sends, three with its
        # traceparent), so that the feed, not this process, is what runs out of CPU on a two-core machine.
        send, recv, poll = self.pub.send, self.sub.recv, self.sub.poll
        if os.environ.get("VIGIL_TRACING", "on") == "off":
            def read() -> list[bytes]:
                return [recv(), recv()]
        else:
            def read() -> list[bytes]:
                return [recv(), recv(), recv()]
        received, t0, last = 0, time.perf_counter(), time.perf_counter()
        for start in range(0, len(messages), per_chunk):
            for topic, payload in messages[start:start + per_chunk]:
                send(topic, zmq.SNDMORE)
                send(payload)
            while poll(0):
                received += quotes_in(read())
                last = time.perf_counter()
        while received < count and poll(2000):
            received += quotes_in(read())
            last = time.perf_counter()
        return received / (last - t0), count - received

    def raw_hop(self, samples: int) -> list[float]:
        return zmq_hops_us(samples, self.quote)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=200_000, help="quotes in each throughput run")
    parser.add_argument("--batch", type=int, default=1_000, help="quotes per message on the batched path")
    parser.add_argument("--samples", type=int, default=2_000, help="latency samples, each way")
    parser.add_argument("--json", action="store_true", help="print one JSON object of the figures last")
    args = parser.parse_args()
    for name in ("messages", "batch", "samples"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1, got {getattr(args, name)}")

    bench = Bench()
    with running_vigil(topology(bench.source), prefix="vigil-bench-feed-") as client:
        bench.join(client.registry.get(FEED)["md"])
        pid = int(client.registry.get(FEED)["pid"])
        print(f"raw pyzmq hop: {args.samples} round trips ...", file=sys.stderr, flush=True)
        raw = bench.raw_hop(args.samples)
        print(f"latency through the feed: {args.samples} quotes ...", file=sys.stderr, flush=True)
        latency = bench.latency(args.samples)
        print(f"per message: {args.messages} quotes ...", file=sys.stderr, flush=True)
        cpu = cpu_seconds(pid)
        per_message, lost_single = bench.throughput(args.messages, 1)
        cpu_single = (cpu_seconds(pid) - cpu) / args.messages * 1e6
        print(f"batched: {args.messages} quotes in messages of {args.batch} ...", file=sys.stderr, flush=True)
        cpu = cpu_seconds(pid)
        batched, lost_batched = bench.throughput(args.messages, args.batch)
        cpu_batched = (cpu_seconds(pid) - cpu) / args.messages * 1e6
        quarantined = sum(client.ask(FEED, GetFeedStatus()).quarantined.values())

    figures = {"per_message_msgs_per_s": round(per_message), "batched_msgs_per_s": round(batched),
               "latency_median_us": round(statistics.median(latency), 1), "latency_p99_us": round(pct(latency, 99), 1),
               "raw_hop_median_us": round(statistics.median(raw), 1), "raw_hop_p99_us": round(pct(raw, 99), 1),
               "ratio_median": round(statistics.median(latency) / statistics.median(raw), 2),
               "lost": lost_single + lost_batched, "quarantined": quarantined,
               "feed_cpu_us_per_msg": round(cpu_single, 2), "feed_cpu_us_per_msg_batched": round(cpu_batched, 3)}
    print(f"per message: {figures['per_message_msgs_per_s']:,} msg/s validated and delivered (target >= 100,000); "
          f"feed CPU {figures['feed_cpu_us_per_msg']} us/msg")
    print(f"batched ({args.batch}/message): {figures['batched_msgs_per_s']:,} msg/s (target >= 1,000,000); "
          f"feed CPU {figures['feed_cpu_us_per_msg_batched']} us/msg")
    print(f"publish -> feed -> subscriber: median {figures['latency_median_us']} us, p99 {figures['latency_p99_us']} us")
    print(f"raw pyzmq hop: median {figures['raw_hop_median_us']} us, p99 {figures['raw_hop_p99_us']} us; "
          f"ratio {figures['ratio_median']} (target <= 3)")
    print(f"lost {figures['lost']}, quarantined {figures['quarantined']} (every quote was valid: both should be 0)")
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
