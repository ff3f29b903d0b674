"""Start a real Vigil for a benchmark and always stop it (its own redis-server, free ports, a temp run dir),
and the figures every benchmark takes: percentiles, a process's CPU time, a raw pyzmq hop."""
from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import zmq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from vigil.client import VigilClient  # noqa: E402
from vigil.procs import free_port  # noqa: E402

CLI = [sys.executable, "-m", "cli"]


@contextmanager
def running_vigil(topology: str, prefix: str = "vigil-bench-", pythonpath: str | None = None,
                  extra_env: dict[str, str] | None = None) -> Iterator[VigilClient]:
    """pythonpath: a directory the actors import from too (a benchmark's own strategy); extra_env: more of
    Vigil's environment (VIGIL_TRACING=off)."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    (work / "topology.yaml").write_text(topology)
    run_dir = str(work / "run")
    env = {k: v for k, v in os.environ.items() if k != "VIGIL_REDIS_URL"}  # Vigil starts and owns its Redis
    env.update(extra_env or {})
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (pythonpath, env.get("PYTHONPATH")) if p)
    up = subprocess.run(CLI + ["up", str(work / "topology.yaml"), "--detach", "--admin-port", str(free_port()),
                               "--run-dir", run_dir], env=env, capture_output=True, text=True)
    if up.returncode != 0:
        raise SystemExit(f"vigil up failed:\n{up.stdout}{up.stderr}")
    try:
        yield VigilClient(run_dir)
    finally:
        subprocess.run(CLI + ["down", "--run-dir", run_dir], env=env, capture_output=True)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _echo(inbound: str, outbound: str) -> None:
    ctx = zmq.Context()
    sub, pub = ctx.socket(zmq.SUB), ctx.socket(zmq.PUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(inbound)
    pub.bind(outbound)
    while True:
        frames = sub.recv_multipart()
        if frames[0] == b"stop":
            return
        pub.send_multipart(frames)


def zmq_hops_us(samples: int, message: Callable[[], list[bytes]], gap_s: float = 0.0) -> list[float]:
    """One-way pyzmq hops between two processes (PUB -> SUB, echoed back; a round trip halved), of
    messages `message()` makes: the floor of a hop on this machine. gap_s: a pause before each, for
    the hop at a measured path's pace (a process woken after a pause costs more than a busy one)."""
    ctx = zmq.Context.instance()
    inbound, outbound = f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}"
    pub = ctx.socket(zmq.PUB)
    pub.bind(inbound)
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    echo = multiprocessing.get_context("fork").Process(target=_echo, args=(inbound, outbound), daemon=True)
    echo.start()
    try:
        sub.connect(outbound)
        deadline = time.monotonic() + 30
        while not sub.poll(50):
            if time.monotonic() > deadline:
                raise RuntimeError("the echo process did not answer in 30 s")
            pub.send_multipart(message())
        while sub.poll(100):
            sub.recv_multipart()
        out = []
        for _ in range(samples):
            time.sleep(gap_s)
            frames = message()
            t0 = time.perf_counter_ns()
            pub.send_multipart(frames)
            sub.recv_multipart()
            out.append((time.perf_counter_ns() - t0) / 2000)  # a round trip is two hops
        pub.send_multipart([b"stop", b""])
    finally:
        echo.join(5)
        if echo.is_alive():
            echo.kill()
        pub.close(0)
        sub.close(0)
    return out
