"""The run directory: where a running Vigil says who it is, and why it last stopped.

    vigil.json       present while Vigil runs: pid, run id, admin port, Redis URL
    last-exit.json   why the last run stopped
    vigil.log        the daemon's log; thespian.log, spans.jsonl, redis/ beside it
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from vigil.procs import pid_alive

RUNNING_FILE = "vigil.json"
LAST_EXIT_FILE = "last-exit.json"
LOG_FILE = "vigil.log"


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write atomically, so a reader never sees half a file."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def running(run_dir: Path) -> dict[str, Any] | None:
    """The running Vigil's record, or None when none runs here (a stale record is ignored)."""
    info = read_json(run_dir / RUNNING_FILE)
    if info and pid_alive(int(info.get("pid", 0))):
        return info
    return None


def last_exit(run_dir: Path) -> dict[str, Any] | None:
    return read_json(run_dir / LAST_EXIT_FILE)
