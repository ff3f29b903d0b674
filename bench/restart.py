"""How fast a crashed or hung actor is running again with its state restored.

Starts a real Vigil (its own redis-server, multiprocTCPBase actors), gives a
counter some state (a snapshot plus a tail of events), then repeatedly
SIGKILLs it, and separately makes it hang, timing each time from the kill
(or the hang) to the moment the new process reports `running`, which it
does only after recovering its state from Redis. Every kill is followed by
a check that the count is intact.

Baseline, measured in the same run: creating a bare Thespian actor and
getting its first reply (the floor a restart cannot beat).

    python bench/restart.py [--kills 50] [--hangs 10] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import time
from pathlib import Path

from thespian.actors import ActorExitRequest, ActorSystem

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _vigil import running_vigil  # noqa: E402

from vigil.client import VigilClient  # noqa: E402
from vigil.messages import InjectFault, Ping  # noqa: E402
from vocabulary.counter import GetCount, Increment

PATH = "root/counter"
HEARTBEAT = (50, 300)  # interval, timeout (ms) of the benchmarked actor
TOPOLOGY = f"""
vigil: {{name: bench}}
root:
  strategy: one_for_one
  intensity: 100000
  period: 1
  children:
    - id: counter
      start: actors.counter:Counter
      heartbeat: {{interval_ms: {HEARTBEAT[0]}, timeout_ms: {HEARTBEAT[1]}}}
      config: {{snapshot_every: 100}}
"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def wait_restarted(client: VigilClient, old_pid: int, since_ns: int, timeout: float = 30.0) -> float:
    """Milliseconds from since_ns to the `running` event of a process other than old_pid."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in reversed(client.registry.events()[-20:]):
            if event["path"] == PATH and event["what"] == "running" and int(event["pid"]) != old_pid \
                    and int(event["at_ns"]) > since_ns:
                return (int(event["at_ns"]) - since_ns) / 1e6
        time.sleep(0.001)
    raise RuntimeError(f"{PATH} was not running again within {timeout} s")


def baseline_spawn_ms(admin_port: int, runs: int) -> list[float]:
    asys = ActorSystem("multiprocTCPBase", {"Admin Port": admin_port}, transientUnique=True)
    out = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        actor = asys.createActor("vigil.actor.ComponentActor")  # a Vigil actor process, not yet given work
        asys.ask(actor, Ping(1), 10)
        out.append((time.perf_counter_ns() - t0) / 1e6)
        asys.tell(actor, ActorExitRequest())
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--hangs", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="print one JSON object of the figures last")
    args = parser.parse_args()

    with running_vigil(TOPOLOGY) as client:
        for _ in range(250):  # a snapshot and a tail of events to recover
            value = client.ask(PATH, Increment(1)).value

        kills = []
        for i in range(args.kills):
            pid = int(client.registry.get(PATH)["pid"])
            t0 = time.time_ns()
            os.kill(pid, signal.SIGKILL)
            kills.append(wait_restarted(client, pid, t0))
            value = client.ask(PATH, Increment(1)).value
            assert value == 251 + i, f"state lost: count {value}, expected {251 + i}"
            print(f"\rkill {i + 1}/{args.kills}: {kills[-1]:.1f} ms", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)

        hangs = []
        for i in range(args.hangs):
            pid = int(client.registry.get(PATH)["pid"])
            t0 = time.time_ns()
            client.tell(PATH, InjectFault("hang", seconds=600))
            hangs.append(wait_restarted(client, pid, t0))
            print(f"\rhang {i + 1}/{args.hangs}: {hangs[-1]:.1f} ms", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        assert client.ask(PATH, GetCount()).value == 250 + args.kills
        base = baseline_spawn_ms(client.info["admin_port"], max(10, args.kills // 2))

    figures = {
        "kill_median_ms": round(statistics.median(kills), 2),
        "kill_p99_ms": round(percentile(kills, 99), 2),
        "hang_median_ms": round(statistics.median(hangs), 2) if hangs else None,
        "hang_p99_ms": round(percentile(hangs, 99), 2) if hangs else None,
        "hang_timeout_ms": HEARTBEAT[1],
        "baseline_spawn_median_ms": round(statistics.median(base), 2),
        "baseline_spawn_p99_ms": round(percentile(base, 99), 2),
        "kill_vs_baseline": round(statistics.median(kills) / statistics.median(base), 2),
        "runs": len(kills),
    }
    print(f"SIGKILL -> running, state restored: median {figures['kill_median_ms']} ms, "
          f"p99 {figures['kill_p99_ms']} ms over {len(kills)} kills (target: median < 50 ms)")
    if hangs:
        print(f"hang -> running (heartbeat timeout {HEARTBEAT[1]} ms): median {figures['hang_median_ms']} ms, "
              f"p99 {figures['hang_p99_ms']} ms over {len(hangs)} hangs")
    print(f"baseline, bare Thespian actor create + first reply: median {figures['baseline_spawn_median_ms']} ms, "
          f"p99 {figures['baseline_spawn_p99_ms']} ms; restart / baseline = {figures['kill_vs_baseline']}")
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
