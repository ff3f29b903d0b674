"""`vigil watchdog`: a process of its own that pages when the Vigil daemon vanishes without a word.

The daemon pages by itself when its root supervisor gives up (its last act); killed by a signal or the
out-of-memory killer, it cannot. The watchdog waits for the run to be up, watches the daemon's pid, and when
it is gone with no reason recorded since it started (run/last-exit.json), says the tree's last words for it
(the pager's `vigil_down` page). A daemon that stopped and said why is not paged for again.
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from pathlib import Path
from typing import Callable


def add_commands(sub: argparse._SubParsersAction, run_dir_args: Callable, handler: Callable) -> None:
    watchdog = sub.add_parser("watchdog", help="page when the Vigil daemon vanishes without a word (SIGKILL, out of "
                                               "memory); run it beside `vigil up`")
    watchdog.add_argument("--wait-s", type=_seconds, default=60.0,
                          help="how long to wait for Vigil to be running first (default 60)")
    watchdog.add_argument("--poll-s", type=_seconds, default=0.5, help="how often to look (default 0.5)")
    run_dir_args(watchdog)
    watchdog.set_defaults(func=lambda args: handler(args, cmd_watchdog))


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 86400:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return value


def cmd_watchdog(args: argparse.Namespace, run_dir: Path) -> int:
    from vigil.daemon import say_last_words
    from vigil.errors import VigilError
    from vigil.procs import pid_alive
    from vigil.rundir import last_exit, running
    from vigil.topology import load_topology

    deadline = time.monotonic() + args.wait_s
    while (info := running(run_dir)) is None or info.get("phase") != "running":
        if time.monotonic() > deadline:
            raise VigilError(f"no Vigil running from {run_dir} within {args.wait_s:g} s")
        time.sleep(args.poll_s)
    pid, started = int(info["pid"]), info["started_at"]
    topo = load_topology(info["topology"])
    topo = dataclasses.replace(topo, system=dataclasses.replace(topo.system, run_dir=str(run_dir)))
    print(f"watching Vigil {topo.system.name} (daemon pid {pid}, run dir {run_dir}); it pages if the daemon "
          "vanishes", flush=True)
    while pid_alive(pid):
        time.sleep(args.poll_s)
    said = last_exit(run_dir) or {}
    if said.get("stopped_at", "") >= started:
        print(f"Vigil stopped and said why: {said.get('reason')}")
        return 0
    reason = f"its daemon (pid {pid}) vanished without a word: killed by a signal or the out-of-memory killer?"
    print(f"Vigil {topo.system.name}: {reason}", file=sys.stderr, flush=True)
    logging.getLogger("vigil.daemon").addHandler(logging.NullHandler())  # what it says is printed here, once
    for what in say_last_words(topo, reason, _advertised(info)) or ["nothing to page with"]:
        print(what)
    return 1


def _advertised(info: dict) -> Callable[[str, str], str | None]:
    """What the run's actors advertised, read from its Redis if that still answers (the daemon's orphans,
    Redis and an in-tree pager sink among them, can outlive it)."""
    import redis

    from vigil.registry import Registry

    url = info.get("redis_url")
    registry = Registry(redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2),
                        info.get("name", "vigil")) if url else None

    def advertised(actor_id: str, field: str) -> str | None:
        if registry is None:
            return None
        try:
            return registry.advertised(actor_id, field)
        except redis.RedisError:
            return None
    return advertised
