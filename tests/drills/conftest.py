"""The drills run against the default topology (topology.yaml), moved onto free ports: they are the
system's integration tests, and what they prove holds for the topology `./run.sh` starts."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support.harness import REPO, VigilRuns
from vigil.procs import free_port

FIXED_PORTS = (19110, 19201, 19202, 19203, 19210, 19220)
"""The default topology's ports (its admin port the harness chooses itself)."""


def default_topology() -> str:
    text = (REPO / "topology.yaml").read_text()
    for port in FIXED_PORTS:
        text = text.replace(str(port), str(free_port()))
    # written elsewhere, its relative paths are the repository's
    return re.sub(r"(?<=[ \[])reference/", f"{REPO}/reference/", text)


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """The default topology, running for a module's drills (with its own Redis, as ./run.sh starts it)."""
    runs = VigilRuns(tmp_path_factory.mktemp("desk"), "")
    run = runs(default_topology(), own_redis=True).start()
    try:
        run.wait_all_running(timeout=60)
        yield run
    finally:
        runs.close_all()


def drill(run, file: str | Path, *args: str, timeout: float = 300.0) -> tuple[int, dict, str]:
    """`vigil drill run FILE --json` against a run: (exit code, journal, progress)."""
    out = run.cli("drill", "run", str(file), "--json", "--run-dir", str(run.run_dir), *args, timeout=timeout)
    lines = out.stdout.strip().splitlines()
    assert lines, f"no journal printed (exit {out.returncode}):\n{out.stderr}"
    return out.returncode, json.loads(lines[-1]), out.stderr
