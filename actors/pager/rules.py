"""Alert rules, and what each alert is at: plain state, rebuilt from the pager's events.

An alert comes from the tree's history: an `alert` entry raises it (again), an `alert_cleared` entry clears
it, and a one-off clears by itself `clears_after_s` after it was last raised. Two come from the history
itself, because the actor they are about cannot say it: RESTART_STORM (`restarts` abnormal exits of one
actor within `within_s`) and SUPERVISOR_GAVE_UP (a `gave_up` entry, until that supervisor runs again).

An alert is PENDING until it has held for its rule's `for_s` (a blip that clears before never pages),
then FIRING (the pager triggers its page), then RESOLVED when it clears (the pager resolves the page). A
firing alert raised again stays one incident: it takes the newest summary and details, and pages no more.

The book also follows each actor's lifecycle and recent restarts, for the context a page carries (what
else is not running, what restarted lately): on-call sees at once whether an alert stands alone.
"""
from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass
from typing import Annotated, Any, Iterable, Literal

from msgspec import Meta

from vigil.alerts import CATALOGUE, alert_detail, kind_of, source_of
from vigil.config import Config, NonEmpty, Positive, PositiveInt
from vigil.registry import as_stored
from vigil.yaml_nodes import suggest
from vocabulary.alerts import RESTART_STORM, SUPERVISOR_GAVE_UP

PENDING, FIRING, RESOLVED = "pending", "firing", "resolved"
RESOLVED_KEPT = 200
LIFECYCLE = frozenset({"recovering", "running", "degraded", "stopping", "stopped"})
"""The lifecycle states actors put in the history: what a page's context says of the tree."""
_NOT_DETAILS = ("what", "summary", "severity", "runbook")


def alert_entry(problem: str, actor: str, /, **detail: Any) -> dict[str, str]:
    """A history entry raising `problem` for the actor at path `actor`, as the registry would have stored it:
    for the alerts the pager derives itself (from the history, from the metrics)."""
    return {"path": actor, "what": "alert",
            **{k: str(as_stored(v)) for k, v in alert_detail(problem, **detail).items()}}


class AlertRule(Config):
    """How one alert of the catalogue (vocabulary.alerts) pages; an alert without a rule pages as declared."""

    alert: NonEmpty
    for_s: Annotated[float, Meta(ge=0)] = 0.0
    """How long it must hold before it pages."""
    severity: Literal["critical", "error", "warning", "info"] | None = None
    """Instead of the alert's own."""
    page: bool = True
    """False: tracked (`vigil alerts`), never paged."""
    clears_after_s: Positive | None = None
    """Instead of the alert's own (a one-off's)."""
    restarts: PositiveInt = 3
    """restart_storm: this many abnormal exits of one actor..."""
    within_s: Positive = 60.0
    """...within this long (restart_storm; strategy_silent: no decision for this long; reject_rate_spike:
    the window of the rate)."""
    above: Annotated[float, Meta(gt=0, lt=1)] = 0.2
    """reject_rate_spike: the share of a session's orders rejected..."""
    min_orders: PositiveInt = 10
    """...of at least this many within the window."""

    def __post_init__(self) -> None:
        if self.alert not in CATALOGUE:
            raise ValueError(f"alert: no alert {self.alert!r} is declared{suggest(self.alert, CATALOGUE)}; "
                             f"known: {', '.join(sorted(CATALOGUE))}")


@dataclass
class Alert:
    rule: str
    """The alert's problem (vocabulary.alerts)."""
    source: str
    """What it is about: a strategy, feed, session... or the actor's path."""
    state: str
    since: float
    """When it came into its state."""
    last_raised: float
    summary: str
    severity: str
    runbook: str
    path: str
    """The actor that raised it."""
    details: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.source}"

    def row(self) -> dict[str, Any]:
        """What `vigil alerts --json` shows of it."""
        return {"rule": self.rule, "source": self.source, "state": self.state, "since": self.since,
                "summary": self.summary, "severity": self.severity, "runbook": self.runbook, "path": self.path}


class AlertBook:
    def __init__(self, rules: Iterable[AlertRule] = ()) -> None:
        self.rules = {rule.alert: rule for rule in rules}
        self.active: dict[str, Alert] = {}
        """Pending and firing alerts, by key, oldest first."""
        self.resolved: deque[Alert] = deque(maxlen=RESOLVED_KEPT)
        self.exits: dict[str, list[float]] = {}
        """Each actor's abnormal exits within its restart_storm window."""
        self.states: dict[str, str] = {}
        """Each actor's last lifecycle state in the history ("restarting" after an abnormal exit)."""

    def rule(self, problem: str) -> AlertRule:
        return self.rules.get(problem) or AlertRule(alert=problem)

    # ---- what the history says ----------------------------------------------------------------------
    def relevant(self, entry: dict[str, str]) -> bool:
        """Whether a history entry can change an alert (only those are logged by the pager)."""
        what = entry.get("what")
        return (what in ("alert", "alert_cleared", "gave_up") or what in LIFECYCLE
                or (what == "exited" and entry.get("abnormal") == "1"))

    def observe(self, entry: dict[str, str], at: float) -> list[Alert]:
        """Take one entry of the tree's history, seen at `at`: the alerts it changed (now pending, firing or
        resolved)."""
        what, path = entry.get("what"), entry.get("path", "")
        if what in LIFECYCLE:
            self.states[path] = what
        if what == "alert" and entry.get("problem") in CATALOGUE:
            return self._raise(entry, at)
        if what == "alert_cleared" and entry.get("problem") in CATALOGUE:
            return self._clear(f"{entry['problem']}:{source_of(entry, path)}", at)
        if what == "exited" and entry.get("abnormal") == "1":
            self.states[path] = "restarting"
            return self._exited(path, entry.get("reason", "?"), at)
        if what == "gave_up":
            return self._raise(alert_entry(SUPERVISOR_GAVE_UP, path, path=path, reason=entry.get("reason", "?")), at)
        if what == "running":
            return self._clear(f"{SUPERVISOR_GAVE_UP}:{path}", at)
        return []

    def _exited(self, path: str, reason: str, at: float) -> list[Alert]:
        rule = self.rule(RESTART_STORM)
        exits = [t for t in self.exits.get(path, ()) if t > at - rule.within_s] + [at]
        self.exits[path] = exits
        if len(exits) < rule.restarts:
            return []
        return self._raise(alert_entry(RESTART_STORM, path, path=path, restarts=len(exits),
                                       within_s=f"{rule.within_s:g}", reason=reason), at)

    def _raise(self, entry: dict[str, str], at: float) -> list[Alert]:
        problem, path = entry["problem"], entry.get("path", "")
        rule = self.rule(problem)
        source = source_of(entry, path)
        alert = self.active.get(f"{problem}:{source}")
        details = {k: v for k, v in entry.items() if k not in _NOT_DETAILS}
        if alert is not None:  # raised again: one incident, its newest words
            alert.last_raised, alert.details, alert.path = at, details, path
            alert.summary = entry.get("summary", problem)
            return []
        alert = Alert(problem, source, PENDING, at, at, entry.get("summary", problem),
                      rule.severity or entry.get("severity") or kind_of(problem).severity, entry.get("runbook", ""),
                      path, details)
        self.active[alert.key] = alert
        return [alert] + [a for a in self._fire_due(at) if a is not alert]

    def _clear(self, key: str, at: float) -> list[Alert]:
        """Resolve a firing alert; a pending one is dropped (it never paged: nothing to resolve)."""
        alert = self.active.pop(key, None)
        if alert is None or alert.state == PENDING:
            return []
        alert.state, alert.since = RESOLVED, at
        self.resolved.append(alert)
        return [alert]

    # ---- what time does -------------------------------------------------------------------------------
    def next_change(self) -> float | None:
        """When an alert is next due to change by time alone (fire, or clear by itself), if ever."""
        times = [t for alert in self.active.values() if (t := self._due_at(alert)) is not None]
        return min(times, default=None)

    def tick(self, now: float) -> list[Alert]:
        """Alerts that held long enough fire; one-offs and restart storms past their time clear."""
        changed = self._fire_due(now)
        for alert in [a for a in self.active.values() if a.state == FIRING]:
            clears_at = self._clears_at(alert)
            if clears_at is not None and clears_at <= now:
                changed += self._clear(alert.key, now)
        for path, exits in list(self.exits.items()):
            self.exits[path] = [t for t in exits if t > now - self.rule(RESTART_STORM).within_s]
            if not self.exits[path]:
                del self.exits[path]
        return changed

    def _fire_due(self, now: float) -> list[Alert]:
        fired = []
        for alert in list(self.active.values()):
            if alert.state != PENDING:
                continue
            clears_at = self._clears_at(alert)
            if clears_at is not None and clears_at <= now:
                self._clear(alert.key, now)  # a one-off gone before it had held for_s
            elif alert.since + self.rule(alert.rule).for_s <= now:
                alert.state, alert.since = FIRING, now
                fired.append(alert)
        return fired

    def _due_at(self, alert: Alert) -> float | None:
        fire_at = alert.since + self.rule(alert.rule).for_s if alert.state == PENDING else None
        return min((t for t in (fire_at, self._clears_at(alert)) if t is not None), default=None)

    def _clears_at(self, alert: Alert) -> float | None:
        if alert.rule == RESTART_STORM:
            exits = self.exits.get(alert.source, ())
            rule = self.rule(RESTART_STORM)
            return exits[-rule.restarts] + rule.within_s if len(exits) >= rule.restarts else alert.last_raised
        after = self.rule(alert.rule).clears_after_s or kind_of(alert.rule).clears_after_s
        return alert.last_raised + after if after is not None else None

    def context(self) -> dict[str, Any]:
        """What else is going on, for a page's custom_details: the actors not running, and those restarted
        lately (within restart_storm's window), with how often."""
        return {"not_running": {p: s for p, s in sorted(self.states.items()) if s != "running"},
                "recent_restarts": {p: len(times) for p, times in sorted(self.exits.items())}}

    # ---- views and snapshots ---------------------------------------------------------------------------
    def rows(self) -> list[dict[str, Any]]:
        """Firing, then pending, then resolved alerts; each oldest first."""
        active = sorted(self.active.values(), key=lambda a: (a.state != FIRING, a.since))
        return [a.row() for a in active] + [a.row() for a in self.resolved]

    def to_dict(self) -> dict[str, Any]:
        return {"active": [asdict(a) for a in self.active.values()], "resolved": [asdict(a) for a in self.resolved],
                "exits": self.exits, "states": self.states}

    def restore(self, data: dict[str, Any]) -> None:
        self.active = {(a := Alert(**raw)).key: a for raw in data.get("active", ())}
        self.resolved.extend(Alert(**raw) for raw in data.get("resolved", ()))
        self.exits = {path: list(times) for path, times in data.get("exits", {}).items()}
        self.states = dict(data.get("states", {}))
