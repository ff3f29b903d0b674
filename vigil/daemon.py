"""The Vigil daemon: owns Redis, the actor system and the root supervisor of one run.

Started by `vigil up` as its own session (python -m vigil.daemon), so that
the terminal's Ctrl-C and the CLI's exit do not reach the actors. It stops
when told (SIGTERM/SIGINT, from `vigil down`), or when the root supervisor
gives up or dies; either way it stops the tree in reverse order, bounded
in time, sweeps any process of its run that is left, and records why.
"""
from __future__ import annotations

import argparse
import dataclasses
import fcntl
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import redis
from thespian.actors import ActorSystem

from vigil.component import TreeGone
from vigil.errors import VigilError
from vigil.messages import ActorReady, ActorStartFailed, Done, InitActor, RunContext, Shutdown
from vigil.procs import RUN_ID_VAR, describe, kill_and_wait, pid_alive, port_in_use, processes_of_run
from vigil.redis_server import RedisServer
from vigil.registry import Registry
from vigil.rundir import LAST_EXIT_FILE, RUNNING_FILE, write_json
from vigil.topology import ChildSpec, Topology, import_start, load_topology

log = logging.getLogger("vigil.daemon")

ROOT_START = "supervisors.supervisor:Supervisor"
STOP_TIMEOUT_S = 30.0
EXIT_GRACE_S = 3.0


def root_spec(topo: Topology) -> ChildSpec:
    return ChildSpec(id="root", path="root", start=ROOT_START, type="supervisor",
                     supervisor=topo.root, heartbeat=topo.system.heartbeat, shutdown=int(STOP_TIMEOUT_S * 1000))


def _thespian_logging(run_dir: Path) -> dict:
    return {"version": 1, "disable_existing_loggers": False,
            "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
            "handlers": {"file": {"class": "logging.FileHandler", "filename": str(run_dir / "thespian.log"),
                                  "formatter": "plain"}},
            "root": {"handlers": ["file"], "level": "WARNING"}}


class Daemon:
    def __init__(self, topo: Topology, admin_port: int) -> None:
        self.topo = topo
        self.run_dir = Path(topo.system.run_dir)
        self.admin_port = admin_port
        self.run_id = os.environ.get(RUN_ID_VAR, "")
        self.stop_requested = threading.Event()
        self.stop_reason = ""
        self.redis_server: RedisServer | None = None
        self.asys: ActorSystem | None = None
        self.root = None

    def request_stop(self, reason: str) -> None:
        self.stop_reason = self.stop_reason or reason
        self.stop_requested.set()

    def run(self) -> int:
        try:
            self._start()
        except VigilError as err:
            log.error("start failed: %s", err)
            self._teardown(f"start failed: {err}", clean=False)
            return 1
        reason = self._watch()
        log.info("stopping: %s", reason)
        if reason != self.stop_reason:
            self._last_words(reason)
        self._teardown(reason, clean=reason == self.stop_reason)
        return 0 if reason == self.stop_reason else 1

    def _record(self, phase: str, url: str = "") -> None:
        write_json(self.run_dir / RUNNING_FILE, {
            "phase": phase, "pid": os.getpid(), "run_id": self.run_id, "admin_port": self.admin_port,
            "redis_url": url, "redis_owned": self.redis_server is not None,
            "redis_pid": self.redis_server.pid if self.redis_server else None, "name": self.topo.system.name,
            "topology": self.topo.source, "drillable": self.topo.system.drillable,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})

    def _start(self) -> None:
        system = self.topo.system
        if port_in_use(self.admin_port):
            raise VigilError(f"admin port {self.admin_port} is already in use: another Vigil or program holds it "
                             "(choose another with --admin-port or vigil.admin_port in the topology)")
        self._record("starting")  # from here on `vigil down` can find and stop this run
        url = os.environ.get("VIGIL_REDIS_URL")
        if not url:
            self.redis_server = RedisServer(self.run_dir / "redis").start()
            url = self.redis_server.url
        client = redis.Redis.from_url(url)
        try:
            client.ping()
        except redis.RedisError as err:
            raise VigilError(f"cannot reach Redis at {url}: {err}") from err
        self.registry = Registry(client, system.name)
        root_role = getattr(import_start(ROOT_START), "role", "")
        records = [{"path": "root", "kind": "supervisor", "start": ROOT_START, "role": root_role}]
        records += [{"path": c.path, "kind": c.type, "start": c.start, "role": c.role} for c in self.topo.walk()]
        self.registry.declare_tree(records)
        context = RunContext(system.name, url, str(self.run_dir), str(Path(self.topo.source).parent),
                             system.start_timeout_ms)
        self.asys = ActorSystem("multiprocTCPBase", {"Admin Port": self.admin_port},
                                logDefs=_thespian_logging(self.run_dir), transientUnique=True)
        self.root = self.asys.createActor(ROOT_START.replace(":", "."))
        budget = system.start_timeout_ms / 1000.0 * (len(records) + 1)
        reply = self.asys.ask(self.root, InitActor("root", root_spec(self.topo), context), budget)
        if isinstance(reply, ActorStartFailed):
            raise VigilError(f"{reply.path} did not start: {reply.reason}")
        if not isinstance(reply, ActorReady):
            raise VigilError(f"the tree did not start within {budget:.0f} s (see {self.run_dir / 'vigil.log'})")
        self.root_pid = reply.pid
        self._record("running", url)
        log.info("running: %d actors, admin port %d, redis %s", len(records), self.admin_port, url)

    def _watch(self) -> str:
        """Wait for a stop request, the root giving up, or the root dying; start the Redis it owns again if
        that dies (from its append-only file: nothing acknowledged is lost)."""
        while not self.stop_requested.wait(0.05):
            if self.redis_server is not None and not self.redis_server.alive():
                why = self._restart_redis()
                if why:
                    return why
            try:
                outcome = self.registry.outcome()
            except redis.RedisError:  # Redis paused or coming back: the actors ride it out, so does this
                outcome = None
            if outcome:
                return f"root supervisor gave up: {outcome}"
            if not pid_alive(self.root_pid):
                return "root supervisor process died"
        return self.stop_reason

    def _restart_redis(self) -> str | None:
        """None once Redis runs again; else why the run must stop."""
        server = self.redis_server
        log.warning("redis-server (pid %s) died: starting it again on port %d", server.pid, server.port)
        try:
            server.start()
        except VigilError as err:
            return f"redis-server died and could not be started again: {err}"
        self.registry.event("redis", "restarted", pid=server.pid)
        self._record("running", server.url)
        return None

    def _last_words(self, reason: str) -> None:
        """The tree is gone by itself: its components' last words (the pager's page) before the rest stops."""
        say_last_words(self.topo, reason, self.registry.advertised)

    def _teardown(self, reason: str, clean: bool) -> None:
        # Why, before "not running" shows: `vigil status` must never see the one without the other
        self._write_last_exit(reason, clean, leftovers_killed=0)
        (self.run_dir / RUNNING_FILE).unlink(missing_ok=True)
        if self.asys is not None:
            # Only a root that started: one whose start failed has stopped its children and is exiting by
            # itself, and a Shutdown to it may go unanswered (pid_alive(0) would have been true: our group)
            root_pid = getattr(self, "root_pid", None)
            if self.root is not None and root_pid and pid_alive(root_pid):
                reply = self.asys.ask(self.root, Shutdown(reason), STOP_TIMEOUT_S)
                if not isinstance(reply, Done):
                    log.warning("root supervisor did not confirm its stop within %.0f s", STOP_TIMEOUT_S)
            self.asys.shutdown()
        keep = {os.getpid(), self.redis_server.pid if self.redis_server else None}

        def stragglers() -> list[int]:
            return [p for p in processes_of_run(self.run_id) if p not in keep] if self.run_id else []
        deadline = time.monotonic() + EXIT_GRACE_S  # the actor system's own processes finish exiting
        while stragglers() and time.monotonic() < deadline:
            time.sleep(0.05)
        left = stragglers()
        if left:
            log.warning("killing %d process(es) left after shutdown: %s", len(left), [describe(p) for p in left])
            kill_and_wait(left)
        if self.redis_server is not None:
            self.redis_server.stop()
        self._write_last_exit(reason, clean, leftovers_killed=len(left))

    def _write_last_exit(self, reason: str, clean: bool, leftovers_killed: int) -> None:
        write_json(self.run_dir / LAST_EXIT_FILE, {
            "reason": reason, "clean": clean, "leftovers_killed": leftovers_killed,
            "stopped_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})


def say_last_words(topo: Topology, reason: str, advertised: Callable[[str, str], str | None]) -> list[str]:
    """Every component's last words (Component.last_words) when the whole tree is gone; what each did."""
    gone = TreeGone(topo.system.name, reason, Path(topo.source).parent, Path(topo.system.run_dir), advertised)
    said = []
    for child in topo.walk():
        try:
            words = getattr(import_start(child.start), "last_words", None)
            what = words(child.config, gone) if words is not None else None
        except Exception as exc:  # noqa: BLE001 - one component's failure must not silence the next
            what = f"{child.path}: last words failed: {type(exc).__name__}: {exc}"
        if what:
            log.warning("%s: %s", child.path, what)
            said.append(what)
    return said


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vigil-daemon")
    parser.add_argument("topology")
    parser.add_argument("--admin-port", type=int)
    parser.add_argument("--run-dir")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    topo = load_topology(args.topology)
    if args.run_dir:
        topo = dataclasses.replace(topo, system=dataclasses.replace(topo.system, run_dir=args.run_dir))
    Path(topo.system.run_dir).mkdir(parents=True, exist_ok=True)
    lock = open(Path(topo.system.run_dir) / "vigil.lock", "w")
    try:  # held for the daemon's life: one Vigil per run directory, even when two `vigil up` race
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"Vigil is already running from {topo.system.run_dir}", file=sys.stderr)
        return 1
    daemon = Daemon(topo, args.admin_port or topo.system.admin_port)
    signal.signal(signal.SIGTERM, lambda *_: daemon.request_stop("stopped by vigil down"))
    signal.signal(signal.SIGINT, lambda *_: daemon.request_stop("interrupted (Ctrl-C)"))
    return daemon.run()


if __name__ == "__main__":
    sys.exit(main())
