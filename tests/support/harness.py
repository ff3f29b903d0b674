"""Drive real Vigil runs from tests: the CLI in a subprocess, Redis for what it shows."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Callable

from vigil.client import VigilClient
from vigil.procs import free_port, kill_and_wait, pid_alive, processes_of_run

REPO = Path(__file__).resolve().parents[2]
"""On the PYTHONPATH of every run, so that a topology can name the tests' own actors (tests.support...)."""


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0, what: str | Callable[[], str] = "condition") -> Any:
    """Poll until predicate() is truthy; fail with `what` after `timeout` seconds (a callable: what it says
    then, so the message can show how things stood when the wait gave up)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what() if callable(what) else what}")
        time.sleep(0.02)


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 90.0, cwd: Path | None = None):
    return subprocess.run([sys.executable, "-m", "cli", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


class VigilRun:
    def __init__(self, root: Path, topology: str, redis_url: str | None) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.topology = root / "topology.yaml"
        self.topology.write_text(textwrap.dedent(topology))
        self.run_dir = root / "run"
        self.admin_port = free_port()
        self.env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        self.env.pop("VIGIL_REDIS_URL", None)
        if redis_url:
            self.env["VIGIL_REDIS_URL"] = redis_url
        self.run_id: str | None = None
        self._client: VigilClient | None = None

    def cli(self, *args: str, timeout: float = 90.0) -> subprocess.CompletedProcess:
        return run_cli(*args, env=self.env, timeout=timeout)

    def up(self) -> subprocess.CompletedProcess:
        result = self.cli("up", str(self.topology), "--detach", "--admin-port", str(self.admin_port),
                          "--run-dir", str(self.run_dir))
        info = self.info()
        if info:
            self.run_id = info["run_id"]
        return result

    def start(self) -> "VigilRun":
        result = self.up()
        assert result.returncode == 0, f"vigil up failed:\n{result.stdout}\n{result.stderr}"
        return self

    def info(self) -> dict | None:
        try:
            return json.loads((self.run_dir / "vigil.json").read_text())
        except (OSError, ValueError):
            return None

    @property
    def client(self) -> VigilClient:
        if self._client is None:
            self._client = VigilClient(self.run_dir)
        return self._client

    def actors(self) -> dict[str, dict[str, str]]:
        return {a["path"]: a for a in self.client.actors()}

    def pid(self, path: str) -> int:
        return int(self.actors()[path]["pid"])

    def kill(self, path: str) -> int:
        pid = self.pid(path)
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_running(self, path: str, not_pid: int | None = None, timeout: float = 15.0) -> int:
        def ready():
            a = self.actors()[path]
            pid = int(a["pid"]) if a.get("pid", "").isdigit() else None
            return pid if a.get("state") == "running" and pid and pid != not_pid else None
        return wait_for(ready, timeout, f"{path} running (again)")

    def wait_all_running(self, timeout: float = 15.0) -> None:
        wait_for(lambda: all(a.get("state") == "running" for a in self.actors().values()), timeout,
                 "every actor running")

    def events(self, what: str | None = None) -> list[dict[str, str]]:
        return [e for e in self.client.registry.events() if what is None or e["what"] == what]

    def down(self) -> subprocess.CompletedProcess:
        return self.cli("down", "--run-dir", str(self.run_dir))

    def leftovers(self) -> list[int]:
        return processes_of_run(self.run_id) if self.run_id else []

    def log_tails(self, lines: int = 60) -> str:
        """The end of the daemon's and the actors' logs."""
        parts = []
        for name in ("vigil.log", "thespian.log"):
            path = self.run_dir / name
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {path} (last {len(tail)} lines)\n" + "\n".join(tail))
        return "\n".join(parts)

    def close(self) -> list[int]:
        """Stop the run if it still runs; returns the pids that had to be swept."""
        info = self.info()
        if info and pid_alive(int(info["pid"])):
            self.down()
        left = self.leftovers()
        kill_and_wait(left)
        return left


class VigilRuns:
    def __init__(self, tmp_path: Path, redis_url: str) -> None:
        self.tmp_path, self.redis_url = tmp_path, redis_url
        self.runs: list[VigilRun] = []

    def __call__(self, topology: str, *, own_redis: bool = False) -> VigilRun:
        """A run of `topology` (not started yet); own_redis: let Vigil start its own Redis."""
        run = VigilRun(self.tmp_path / f"vigil{len(self.runs)}", topology, None if own_redis else self.redis_url)
        self.runs.append(run)
        return run

    def log_tails(self, lines: int = 60) -> str:
        """The end of each run's daemon and actor logs: what a failed test's report shows (CI keeps no files)."""
        return "\n".join(run.log_tails(lines) for run in self.runs)

    def close_all(self) -> None:
        swept = {str(r.run_dir): r.close() for r in self.runs}
        swept = {k: v for k, v in swept.items() if v}
        assert not swept, f"processes left behind after the test: {swept}"
