"""A redis-server that Vigil (or a test) starts and owns, on a free loopback port."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import redis

from vigil.errors import VigilError
from vigil.procs import free_port, set_pdeathsig


class RedisServer:
    """redis-server with the append-only file on, data in `data_dir`."""

    def __init__(self, data_dir: str | os.PathLike, port: int | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._proc: subprocess.Popen | None = None

    def start(self, timeout: float = 10.0) -> "RedisServer":
        exe = shutil.which("redis-server")
        if exe is None:
            raise VigilError("redis-server is not installed (run ./run.sh, or apt-get install redis-server), "
                             "or point VIGIL_REDIS_URL at a running Redis")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.data_dir),
                "--appendonly", "yes", "--save", "", "--daemonize", "no",
                "--logfile", str(self.data_dir / "redis.log")]
        # Dies with its owner, so a killed Vigil leaves no Redis behind.
        self._proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, preexec_fn=set_pdeathsig)
        deadline = time.monotonic() + timeout
        client = redis.Redis.from_url(self.url)
        while True:
            if self._proc.poll() is not None:
                raise VigilError(f"redis-server exited at start (port {self.port} taken?): "
                                 f"see {self.data_dir / 'redis.log'}")
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise VigilError(f"redis-server did not answer on port {self.port} within {timeout} s")
                time.sleep(0.01)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if self._proc is None or self._proc.poll() is not None:
            return
        self._proc.terminate()  # SIGTERM: redis flushes the AOF and exits
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout)
