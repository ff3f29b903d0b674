"""Where drills' journals are kept: RUN_DIR/drills/<UTC time>-<drill file's name>.json, each with its
readable report beside it (.html and .md, drills/report/)."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from vigil.errors import VigilError

DIR = "drills"


def save(journal: dict[str, Any], run_dir: Path) -> Path:
    """Write the journal and its reports; the journal's `report` is the HTML report's path."""
    from drills import report

    directory = Path(run_dir) / DIR
    directory.mkdir(parents=True, exist_ok=True)
    stem = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + Path(journal["file"]).stem
    html, _ = report.write(journal, directory, stem)
    journal["report"] = str(html)
    path = directory / f"{stem}.json"
    path.write_text(json.dumps(journal, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def journals(run_dir: Path) -> list[Path]:
    """The run's journals, oldest first."""
    directory = Path(run_dir) / DIR
    return sorted(directory.glob("*.json")) if directory.is_dir() else []


def find(run_dir: Path, which: str) -> Path:
    """LAST (the newest journal of the run) or a journal's path (VigilError: none)."""
    if which.upper() != "LAST":
        path = Path(which)
        if not path.is_file():
            raise VigilError(f"no drill journal {which!r}")
        return path
    kept = journals(run_dir)
    if not kept:
        raise VigilError(f"no drill has run in {run_dir} (no {DIR}/*.json)")
    return kept[-1]


def load(path: Path) -> dict[str, Any]:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise VigilError(f"{path}: not a drill journal ({err})") from None


def summary(path: Path) -> dict[str, Any]:
    """One row of `vigil drill history`."""
    j = load(path)
    expectations = j.get("expectations") or []
    return {"journal": str(path), "title": j.get("title"), "status": j.get("status"), "deviated": j.get("deviated"),
            "started_at": j.get("started_at"), "duration_s": j.get("duration_s"),
            "expectations_met": f"{sum(e['met'] for e in expectations)}/{len(expectations)}",
            "reason": j.get("reason"), "report": j.get("report")}
