"""What the pager answers: its pages, delivered and waiting (`vigil pages`), and its alerts (`vigil alerts`)."""
from __future__ import annotations

from typing import Any

from vigil.wire import Message


class GetPages(Message, frozen=True):
    pass


class Pages(Message, frozen=True):
    target: str
    """Where it pages: the Events API's base URL."""
    pages: tuple[dict[str, Any], ...]
    """Each {"dedup_key", "action", "summary", "severity", "created_at", "delivered_at" (None: waiting),
    "attempts", "last_error"}: delivered ones first, then waiting ones, each oldest first."""


class GetAlerts(Message, frozen=True):
    pass


class Alerts(Message, frozen=True):
    alerts: tuple[dict[str, Any], ...]
    """Each {"rule", "source", "state": "pending|firing|resolved", "since", "summary", "severity", "runbook",
    "path": the actor that raised it}:
    firing ones first, then pending, then the last resolved; each oldest first."""
