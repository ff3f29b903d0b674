"""Every drill of the library (drills/*.yaml) passes against the default topology, each started afresh for
it: each completes with every expectation met, nothing lost, nothing duplicated, and leaves its journal and
report in the run."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.drills.conftest import drill
from tests.support.harness import REPO

LIBRARY = sorted((REPO / "drills").glob("*.yaml"))


@pytest.mark.parametrize("file", LIBRARY, ids=[f.stem for f in LIBRARY])
def test_the_drill_passes_against_the_default_topology(fresh_desk, file):
    code, journal, progress = drill(fresh_desk, file)
    unmet = [e for e in journal["expectations"] if not e["met"]]
    assert (journal["status"], unmet) == ("completed", []), f"{journal['reason']}\n{progress}"
    assert code == 0
    assert journal["expectations"] and all(r["ok"] for r in journal["steady_state"]["before"])
    assert all(r["ok"] for r in journal["steady_state"]["after"])
    assert journal["orders"]["lost"] == [] and journal["orders"]["duplicated"] == []
    assert all(step["status"] == "succeeded" for step in journal["run"] + journal["rollbacks"])
    faults = [e for e in journal["timeline"] if e["kind"] == "fault"]
    done = [step for step in journal["run"] if step["type"] == "action"]
    assert len(faults) == sum(len(step.get("repetitions", [step])) for step in done)
    report = Path(journal["report"])
    assert report.is_file() and report.with_suffix(".md").is_file()
    assert journal["title"] in report.read_text()
