"""What the OMS's parts ask for, carried out by the OMS component: the parts (order entry, reconciliation,
the reference desk) are plain objects, and say through this what to persist, send and report."""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Protocol


class Effects(Protocol):
    def persist(self, event: Any) -> None:
        """Make an event durable, then apply it to the OmsState (before anything it caused is sent)."""

    def send(self, session: str, msg: Any) -> None:
        """To a broker session; a command that cannot reach it comes back as a NotSent."""

    def reply(self, to: Any, msg: Any) -> None:
        """To whoever asked (a strategy, an operator)."""

    def event(self, what: str, **detail: Any) -> None:
        """Into the tree's history: a halt, a corporate action."""

    def alert(self, problem: str, **detail: Any) -> None:
        """One of vocabulary.alerts, into the tree's history (Component.alert)."""

    def clear_alert(self, problem: str, **subject: Any) -> None:
        """The condition of an alert is over (Component.clear_alert)."""

    def count(self, metric: Any, n: float = 1, **labels: Any) -> None:
        """One of vocabulary.metrics' counters grew (Component.count)."""

    def wakeup_after(self, delay: timedelta, payload: Any) -> None:
        """Be called back (OrderManager.on_wakeup) after `delay` on the OMS's clock."""
