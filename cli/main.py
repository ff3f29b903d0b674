"""The `vigil` command: check, up, status, down, and the parser the other commands join."""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from cli import controls, drill, feeds, paging, reference, risk, signals, trace, trading, watchdog
from vigil.errors import VigilError
from vigil.procs import RUN_ID_VAR, kill_and_wait, pid_alive, port_in_use, processes_of_run
from vigil.rundir import LOG_FILE, RUNNING_FILE, last_exit, read_json, running
from vigil.topology import TopologyError, load_topology, summary

DEFAULT_TOPOLOGY = "topology.yaml"
UP_MARGIN_S = 15.0
DOWN_TIMEOUT_S = 60.0


class CliError(VigilError):
    """A problem to report in one line and exit 1 with."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # `vigil status | head`
        sys.stderr.close()
        return 0
    except TopologyError as err:
        print(err, file=sys.stderr)
        return 2
    except (CliError, VigilError) as err:
        print(f"vigil {args.command}: {err}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vigil", description="Supervised live trading system.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser("check", help="validate a topology without starting anything")
    check.add_argument("path", nargs="?", default=DEFAULT_TOPOLOGY)
    check.set_defaults(func=cmd_check)

    up = sub.add_parser("up", help="start Redis, the actor system and the supervisor tree")
    up.add_argument("path", nargs="?", default=DEFAULT_TOPOLOGY)
    up.add_argument("--detach", action="store_true", help="return once every actor is running")
    up.add_argument("--admin-port", type=_port, help="actor system admin port (default: from the topology)")
    up.add_argument("--run-dir", help="run directory (default: from the topology)")
    up.set_defaults(func=cmd_up)

    status = sub.add_parser("status", help="the tree with each actor's state, pid and restarts")
    status.add_argument("--json", action="store_true", help="print JSON")
    _run_dir_args(status)
    status.set_defaults(func=cmd_status)

    down = sub.add_parser("down", help="stop everything, in reverse start order")
    _run_dir_args(down)
    down.set_defaults(func=cmd_down)
    for commands in (trading, controls, risk, feeds, reference, signals):
        commands.add_commands(sub, _run_dir_args, _with_client)
    paging.add_client_commands(sub, _run_dir_args, _with_client)
    for commands in (trace, paging, watchdog):  # they read a run directory, running or not
        commands.add_commands(sub, _run_dir_args, _with_run_dir)
    drill.add_commands(sub, _run_dir_args, _with_client, _with_run_dir)
    return parser


def _with_run_dir(args: argparse.Namespace, command) -> int:
    """Run a command that reads a run directory, running or not."""
    return command(args, _resolve_run_dir(args))


def _with_client(args: argparse.Namespace, command) -> int:
    """Run a command that talks to the running Vigil's actors."""
    from vigil.client import VigilClient

    run_dir = _resolve_run_dir(args)
    if running(run_dir) is None:
        raise CliError(_not_running(run_dir))
    return command(args, VigilClient(run_dir))


def _run_dir_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run-dir", help="run directory (default: $VIGIL_RUN_DIR, else the topology's)")
    parser.add_argument("--topology", default=DEFAULT_TOPOLOGY, help="topology whose run directory to use")


def _port(text: str) -> int:
    if not text.isdigit() or not 1024 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number from 1024 to 65535")
    return int(text)


def _resolve_run_dir(args: argparse.Namespace) -> Path:
    if args.run_dir:
        return Path(args.run_dir).resolve()
    if os.environ.get("VIGIL_RUN_DIR"):
        return Path(os.environ["VIGIL_RUN_DIR"]).resolve()
    if Path(args.topology).is_file():
        return Path(load_topology(args.topology, check_imports=False).system.run_dir)
    return Path("run").resolve()


# ---- check ---------------------------------------------------------------
def cmd_check(args: argparse.Namespace) -> int:
    print(summary(load_topology(args.path)))
    return 0


# ---- up ------------------------------------------------------------------
def cmd_up(args: argparse.Namespace) -> int:
    topo = load_topology(args.path)
    if args.run_dir:
        topo = dataclasses.replace(topo, system=dataclasses.replace(topo.system, run_dir=str(Path(args.run_dir).resolve())))
    run_dir = Path(topo.system.run_dir)
    port = args.admin_port or topo.system.admin_port
    info = running(run_dir)
    if info:
        raise CliError(f"Vigil is already running from {run_dir} (pid {info['pid']}, admin port "
                       f"{info['admin_port']}); run `vigil down` first")
    if port_in_use(port):
        raise CliError(f"admin port {port} is already in use by another program or Vigil; "
                       "choose another with --admin-port or vigil.admin_port in the topology")
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "last-exit.json").unlink(missing_ok=True)
    run_id = uuid.uuid4().hex
    count = sum(1 for _ in topo.walk()) + 1
    print(f"starting {count} actors from {topo.source} (run dir {run_dir}, admin port {port}) ...", flush=True)
    with open(run_dir / LOG_FILE, "ab") as log:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "vigil.daemon", topo.source, "--admin-port", str(port), "--run-dir", str(run_dir)],
            env={**os.environ, RUN_ID_VAR: run_id}, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)  # Ctrl-C in this terminal must not reach the actors
    _wait_until_running(daemon, run_dir, run_id, topo.system.start_timeout_ms / 1000.0 * count + UP_MARGIN_S)
    _print_status(run_dir)
    if args.detach:
        print(f"Vigil is running (pid {daemon.pid}). `vigil status` shows it, `vigil down` stops it.")
        return 0
    print("Vigil is running. Ctrl-C stops it.", flush=True)
    return _follow(daemon, run_dir)


def _wait_until_running(daemon: subprocess.Popen, run_dir: Path, run_id: str, budget: float) -> None:
    deadline = time.monotonic() + budget
    while True:
        info = running(run_dir)
        if info and info.get("run_id") == run_id and info.get("phase") == "running":
            return
        if daemon.poll() is not None:
            why = (last_exit(run_dir) or {}).get("reason", f"the daemon exited with code {daemon.returncode}")
            raise CliError(f"{why} (log: {run_dir / LOG_FILE})")
        if time.monotonic() > deadline:
            daemon.terminate()
            raise CliError(f"not running after {budget:.0f} s; stopping (log: {run_dir / LOG_FILE})")
        time.sleep(0.05)


def _follow(daemon: subprocess.Popen, run_dir: Path) -> int:
    """Foreground: report restarts as they happen until stopped."""
    from vigil.client import VigilClient

    client = VigilClient(run_dir)
    seen = {a["path"]: a.get("restarts", "0") for a in client.actors()}
    try:
        while daemon.poll() is None:
            try:
                for actor in client.actors():
                    if actor.get("restarts", "0") != seen.get(actor["path"]):
                        seen[actor["path"]] = actor.get("restarts", "0")
                        print(f"restarted {actor['path']} (#{actor['restarts']}): {actor.get('last_reason', '')}",
                              flush=True)
            except Exception:  # Redis going away as Vigil stops
                pass
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("stopping ...", flush=True)
        daemon.send_signal(signal.SIGINT)
        daemon.wait(DOWN_TIMEOUT_S)
    why = (last_exit(run_dir) or {}).get("reason", "unknown")
    print(f"Vigil stopped: {why}")
    return 0 if daemon.returncode == 0 else 1


# ---- status --------------------------------------------------------------
def cmd_status(args: argparse.Namespace) -> int:
    run_dir = _resolve_run_dir(args)
    info = running(run_dir)
    if info is None:
        raise CliError(_not_running(run_dir))
    if not info.get("redis_url"):
        raise CliError(f"Vigil is still starting (pid {info['pid']}); try again in a moment")
    if args.json:
        print(json.dumps(_status(run_dir), indent=2))
    else:
        _print_status(run_dir)
    return 0


def _status(run_dir: Path) -> dict:
    from vigil.client import VigilClient

    client = VigilClient(run_dir)
    records = client.actors()
    health = _health(client, records)
    actors = []
    for rec in records:
        actors.append({
            "path": rec["path"], "kind": rec.get("kind", ""), "start": rec.get("start", ""), "role": rec.get("role", ""),
            "state": rec.get("state", ""), "pid": int(rec["pid"]) if rec.get("pid", "").isdigit() else None,
            "restarts": int(rec.get("restarts") or 0), "last_reason": rec.get("last_reason") or None,
            **health.get(rec["path"], {"health": "unknown", "alerts": [], "cpu_s": None, "memory_mb": None})})
    info = client.info
    return {"running": True, "pid": info["pid"], "admin_port": info["admin_port"], "redis_url": info["redis_url"],
            "topology": info["topology"], "started_at": info["started_at"], "run_dir": str(run_dir),
            "actors": actors}


def _health(client, records: list[dict[str, str]]) -> dict[str, dict]:
    """Each actor's health beside its state: the alerts firing that it raised (the pager's), and its process's
    CPU time and memory (its metrics); `no metrics` when it wrote none lately (vigil.metrics.KEPT_S: a process
    stuck, or gone)."""
    from vigil.errors import VigilError
    from vigil.metrics import read_all
    from vocabulary import roles
    from vocabulary.paging import GetAlerts

    paths = [rec["path"] for rec in records]
    firing: dict[str, list[str]] = {}
    for pager in [rec["path"] for rec in records if rec.get("role") == roles.PAGER]:
        try:
            for alert in client.ask(pager, GetAlerts(), timeout=3.0).alerts:
                if alert["state"] == "firing":
                    firing.setdefault(alert.get("path", ""), []).append(f"{alert['rule']}:{alert['source']}")
        except VigilError:
            pass  # no pager answering: health from the metrics alone
    readings = read_all(client.redis, client.info["name"], paths)
    out = {}
    for path in paths:
        points = {r["name"]: r["value"] for r in readings.get(path, []) if not r["labels"]}
        alerts = firing.get(path, [])
        health = ("firing: " + ", ".join(alerts)) if alerts else ("ok" if path in readings else "no metrics")
        out[path] = {"health": health, "alerts": alerts, "cpu_s": _rounded(points.get("vigil_process_cpu_seconds"), 1),
                     "memory_mb": _rounded((points.get("vigil_process_resident_memory_bytes") or 0) / 2**20 or None, 1)}
    return out


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _print_status(run_dir: Path) -> None:
    status = _status(run_dir)
    rows = [("PATH", "KIND", "STATE", "PID", "RESTARTS", "CPU S", "MEM MB", "HEALTH", "LAST RESTART REASON")]
    for a in status["actors"]:
        kind = "supervisor" if a["kind"] == "supervisor" else a["start"]
        rows.append((a["path"], kind, a["state"], str(a["pid"] or "-"), str(a["restarts"]),
                     "-" if a["cpu_s"] is None else f"{a['cpu_s']:g}", "-" if a["memory_mb"] is None else
                     f"{a['memory_mb']:g}", a["health"], a["last_reason"] or ""))
    widths = [max(len(r[i]) for r in rows) for i in range(8)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[8])


def _not_running(run_dir: Path) -> str:
    text = f"Vigil is not running (run dir {run_dir})"
    last = last_exit(run_dir)
    if last:
        text += f"; last run stopped at {last.get('stopped_at')}: {last.get('reason')}"
    return text


# ---- down ----------------------------------------------------------------
def cmd_down(args: argparse.Namespace) -> int:
    run_dir = _resolve_run_dir(args)
    info = running(run_dir)
    if info is None:
        stale = read_json(run_dir / RUNNING_FILE)
        if stale and processes_of_run(stale.get("run_id", "")):
            kill_and_wait(processes_of_run(stale["run_id"]))
            (run_dir / RUNNING_FILE).unlink(missing_ok=True)
            print("Vigil's daemon was gone; killed the processes it left")
            return 0
        raise CliError(_not_running(run_dir))
    pid = int(info["pid"])
    print(f"stopping Vigil (pid {pid}) ...", flush=True)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + DOWN_TIMEOUT_S
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = processes_of_run(info["run_id"])
    if left:
        print(f"not stopped within {DOWN_TIMEOUT_S:.0f} s: killing {len(left)} process(es)", file=sys.stderr)
        kill_and_wait(left)
    print(f"Vigil stopped: {(last_exit(run_dir) or {}).get('reason', 'killed')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
