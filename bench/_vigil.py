"""Start a real Vigil for a benchmark and always stop it (its own redis-server, free ports, a temp run dir),
and the figures every benchmark takes: percentiles and a process's CPU time."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from vigil.client import VigilClient  # noqa: E402
from vigil.procs import free_port  # noqa: E402

CLI = [sys.executable, "-m", "cli"]


@contextmanager
def running_vigil(topology: str, prefix: str = "vigil-bench-") -> Iterator[VigilClient]:
    work = Path(tempfile.mkdtemp(prefix=prefix))
    (work / "topology.yaml").write_text(topology)
    run_dir = str(work / "run")
    env = {k: v for k, v in os.environ.items() if k != "VIGIL_REDIS_URL"}  # Vigil starts and owns its Redis
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
