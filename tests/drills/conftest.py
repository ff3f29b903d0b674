"""The drills run against the default topology (topology.yaml), moved onto free ports: they are the
system's integration tests, and what they prove holds for the topology `./run.sh` starts."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.harness import VigilRuns
from tests.support.topologies import REPO, default_on_free_ports


def _desk(root: Path):
    runs = VigilRuns(root, "")
    run = runs(default_on_free_ports(), own_redis=True)
    (run.topology.parent / "runbooks").symlink_to(REPO / "runbooks")  # where pages link them, as from the repo
    run.start()
    try:
        run.wait_all_running(timeout=60)
        yield run
    finally:
        runs.close_all()


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """The default topology, running for a module's drills (with its own Redis, as ./run.sh starts it)."""
    yield from _desk(tmp_path_factory.mktemp("desk"))


@pytest.fixture
def fresh_desk(tmp_path):
    """The default topology started for one drill: what one drill leaves behind (a strategy its host halted
    after the restarts a chaos soak caused) is no other drill's starting point."""
    yield from _desk(tmp_path / "desk")


def drill(run, file: str | Path, *args: str, timeout: float = 300.0) -> tuple[int, dict, str]:
    """`vigil drill run FILE --json` against a run: (exit code, journal, progress)."""
    out = run.cli("drill", "run", str(file), "--json", "--run-dir", str(run.run_dir), *args, timeout=timeout)
    lines = out.stdout.strip().splitlines()
    assert lines, f"no journal printed (exit {out.returncode}):\n{out.stderr}"
    return out.returncode, json.loads(lines[-1]), out.stderr
