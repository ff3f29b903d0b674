"""The audit trail of operators' actions: who did what to which strategy, book or limit, when, why, and
with what result. Each action is one event in the OMS's log (so it survives a restart and a snapshot)::

    {"event": "audit", "at_ns": ..., "operator": "alice", "action": "kill", "target": "global",
     "reason": "venue misbehaving", "result": "HALTED; 3 cancelled, 0 failed"}
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

AUDIT = "audit"


def audit_event(*, operator: str, action: str, target: str, reason: str, result: str, at_ns: int) -> dict[str, Any]:
    return {"event": AUDIT, "at_ns": at_ns, "operator": operator, "action": action, "target": target,
            "reason": reason, "result": result}


class AuditTrail:
    def __init__(self) -> None:
        self.actions: list[dict[str, Any]] = []

    def apply(self, event: dict[str, Any]) -> None:
        self.actions.append({k: event[k] for k in ("at_ns", "operator", "action", "target", "reason", "result")})

    def rows(self) -> list[dict[str, Any]]:
        """Oldest first, `at` in UTC ISO 8601."""
        return [{"at": _iso(a["at_ns"]), **{k: v for k, v in a.items() if k != "at_ns"}} for a in self.actions]

    def snapshot(self) -> list[dict[str, Any]]:
        return list(self.actions)

    def restore(self, rows: list[dict[str, Any]] | None) -> None:
        self.actions = list(rows or ())


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
