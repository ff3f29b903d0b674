"""Alerts by name: each kind of alert is declared once (its problem, severity, summary and runbook) and
raised by a component through `Component.alert(problem, **detail)`, which puts an `alert` event carrying
all of it in the tree's history. Vigil's own alerts are declared in vocabulary.alerts, which registers
them here; the pager, the drills and the console read the same catalogue.

Severities are PagerDuty's. A summary is a format string over the alert's details (`{n_orders}`: how many
`orders` lists; a missing one shows as '?'), cut to PagerDuty's 1,024 characters.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SEVERITIES = ("critical", "error", "warning", "info")
SUMMARY_LIMIT = 1024
RUNBOOKS_DIR = "runbooks"


@dataclass(frozen=True)
class AlertKind:
    problem: str
    """The alert's name, as its events carry it."""
    severity: str
    summary: str
    """What is wrong, where, and what has happened already: a format string over the alert's details."""
    runbook: str
    """A file in runbooks/."""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"alert {self.problem}: severity {self.severity!r} is not one of {', '.join(SEVERITIES)}")

    def summarise(self, detail: dict[str, Any]) -> str:
        text = self.summary.format_map(_Unknown(detail))
        return text if len(text) <= SUMMARY_LIMIT else text[:SUMMARY_LIMIT - 3] + "..."


class _Unknown(dict):
    """An alert's details for its summary: `n_X` is how many items detail X lists; what is missing shows '?'."""

    def __missing__(self, key: str) -> Any:
        listed = self.get(key[2:]) if key.startswith("n_") else None
        return len(listed) if isinstance(listed, (list, tuple)) else "?"


CATALOGUE: dict[str, AlertKind] = {}


def register(*kinds: AlertKind) -> dict[str, AlertKind]:
    """Declare alerts (a name declared twice is a bug); returns them by problem."""
    declared = {}
    for kind in kinds:
        if kind.problem in CATALOGUE and CATALOGUE[kind.problem] != kind:
            raise ValueError(f"alert {kind.problem} is declared twice")
        CATALOGUE[kind.problem] = declared[kind.problem] = kind
    return declared


def alert_detail(problem: str, **detail: Any) -> dict[str, Any]:
    """The `alert` event's details: the problem, its severity, summary and runbook, then `detail`."""
    kind = CATALOGUE.get(problem)
    if kind is None:
        raise ValueError(f"no alert {problem!r} is declared (known: {', '.join(sorted(CATALOGUE))})")
    return {"problem": problem, "severity": kind.severity, "summary": kind.summarise(detail),
            "runbook": f"{RUNBOOKS_DIR}/{kind.runbook}", **detail}
