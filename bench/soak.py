"""The long chaos soak: SIGKILL a random actor every --every seconds for --minutes under the strategies'
own order flow, against the default topology (on free ports, its own redis-server), then count what was
lost. The drill is drills/chaos-soak.yaml's, run longer by the same runner `vigil drill run` uses.

    baseline   three kills of one actor (the signal intake) with the system idle between them: how long
               a lone restart takes, measured in the same run
    soak       kills survived (every actor up again), each one's recovery time (median, p99, worst, and the
               median's ratio to the baseline's), orders before and after, lost, duplicated, position
               breaks against the venue at the end

    python bench/soak.py [--minutes 5] [--every 3] [--seed N] [--json]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _vigil import pct, running_vigil  # noqa: E402

from drills.live import Live  # noqa: E402
from drills.runner import Runner  # noqa: E402
from drills.spec import load_drill  # noqa: E402
from tests.support.topologies import REPO, default_on_free_ports  # noqa: E402

SOAK = REPO / "drills" / "chaos-soak.yaml"


def drill_file(kills: int, every: float, target: str) -> Path:
    """The library's soak with its count, its pace and its target changed."""
    text = SOAK.read_text().replace("repeat: 6", f"repeat: {kills}").replace("every_s: 3", f"every_s: {every:g}")
    text = text.replace("target: {random: 1}", f"target: {target}")
    path = Path(tempfile.mkdtemp(prefix="vigil-soak-")) / "soak.yaml"
    path.write_text(text)
    return path


def run(live: Live, path: Path, seed: int | None, quiet: bool) -> dict:
    def progress(line: str) -> None:
        if not quiet:
            print(line, file=sys.stderr, flush=True)
    return Runner(load_drill(path), live, progress=progress, seed=seed).run()


def recoveries(journal: dict) -> list[float]:
    step = journal["run"][0]
    return [r["time_to_recover_s"] for r in step.get("repetitions", [step]) if r["time_to_recover_s"] is not None]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--every", type=float, default=3.0, help="seconds between kills")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    kills = max(1, round(args.minutes * 60 / args.every))
    with running_vigil(default_on_free_ports(), prefix="vigil-soak-") as client:
        live = Live(client)
        deadline = time.monotonic() + 60
        while any(a.get("state") != "running" for a in live.actors()) and time.monotonic() < deadline:
            time.sleep(0.5)
        print("baseline: 3 kills of root/signals, the system idle between them", file=sys.stderr)
        base = run(live, drill_file(3, 5.0, "root/signals"), args.seed, quiet=True)
        print(f"soak: {kills} kills, one every {args.every:g} s ({args.minutes:g} min)", file=sys.stderr)
        started = time.monotonic()
        soak = run(live, drill_file(kills, args.every, "{random: 1}"), args.seed, quiet=args.json)
        took = time.monotonic() - started
    times, baseline = recoveries(soak), recoveries(base)
    killed: dict[str, int] = {}
    for rep in soak["run"][0].get("repetitions", []):
        for path in rep["targets"]:
            killed[path] = killed.get(path, 0) + 1
    figures = {
        "status": soak["status"], "reason": soak["reason"], "minutes": round(took / 60, 2), "kills": kills,
        "survived": len(times), "killed": dict(sorted(killed.items())),
        "recovery_median_s": round(statistics.median(times), 3) if times else None,
        "recovery_p99_s": round(pct(times, 99), 3) if times else None,
        "recovery_worst_s": round(max(times), 3) if times else None,
        "baseline_median_s": round(statistics.median(baseline), 3) if baseline else None,
        "orders_before": soak["orders"].get("before"), "orders_after": soak["orders"].get("after"),
        "lost": len(soak["orders"].get("lost") or []), "duplicated": len(soak["orders"].get("duplicated") or []),
        "position_breaks": next((e["value"] for e in soak["expectations"] if e["name"].startswith("positions")), None),
    }
    if figures["recovery_median_s"] and figures["baseline_median_s"]:
        figures["recovery_ratio_to_baseline"] = round(figures["recovery_median_s"] / figures["baseline_median_s"], 2)
    print(f"{figures['status']}: {figures['survived']}/{kills} kills recovered from in {figures['minutes']} min; "
          f"recovery median {figures['recovery_median_s']} s, p99 {figures['recovery_p99_s']} s, worst "
          f"{figures['recovery_worst_s']} s (baseline median {figures['baseline_median_s']} s, ratio "
          f"{figures.get('recovery_ratio_to_baseline')})")
    print(f"orders {figures['orders_before']} -> {figures['orders_after']}; lost {figures['lost']}, duplicated "
          f"{figures['duplicated']}, position breaks {figures['position_breaks']}; killed {figures['killed']}")
    if args.json:
        print(json.dumps(figures))
    return 0 if soak["status"] == "completed" else 1


if __name__ == "__main__":
    sys.exit(main())
