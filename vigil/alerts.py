"""Alerts by name: each kind of alert is declared once (its problem, severity, summary and runbook) and
raised by a component through `Component.alert(problem, **detail)`, which puts an `alert` event carrying
all of it in the tree's history. Vigil's own alerts are declared in vocabulary.alerts, which registers
them here; the pager, the drills and the console read the same catalogue.

Severities are PagerDuty's. A summary is a format string over the alert's details (`{n_orders}`: how many
`orders` lists; a missing one shows as '?'), cut to PagerDuty's 1,024 characters.

An alert is about a source: the strategy, feed, session, symbol or book its details name, else the actor
that raised it. It holds until it clears: a condition (a feed degraded, a session down) clears when its
source says so (`Component.clear_alert`, an `alert_cleared` event); a one-off (a surveillance flag, a
stop-loss hit) clears by itself `clears_after_s` after it was last raised.
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
    clears_after_s: float | None = None
    """A one-off: it clears this long after it was last raised. None: it holds until its source clears it."""

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


SUBJECTS = ("strategy", "feed", "session", "symbol", "book")
"""The details that name what an alert is about, in the order they are looked for."""

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
    kind = kind_of(problem)
    return {"problem": problem, "severity": kind.severity, "summary": kind.summarise(detail),
            "runbook": f"{RUNBOOKS_DIR}/{kind.runbook}", **detail}


def source_of(detail: dict[str, Any], path: str) -> str:
    """What an alert is about: the first subject its details name, else the actor (`path`) raising it."""
    return next((str(detail[k]) for k in SUBJECTS if detail.get(k)), path)


def kind_of(problem: str) -> AlertKind:
    kind = CATALOGUE.get(problem)
    if kind is None:
        raise ValueError(f"no alert {problem!r} is declared (known: {', '.join(sorted(CATALOGUE))})")
    return kind
