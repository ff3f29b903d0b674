"""Faults the simulated venue produces on request, for drills and tests."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Gate:
    """Holds what is addressed to chosen clients (CompIDs) until it is opened again, in arrival order.

    Closed for a client, every item offered for that client is kept back; `release` opens the
    gate and hands back the items it held, oldest first, so nothing is reordered or lost unless
    the caller chooses to drop them.
    """

    ALL = "*"

    def __init__(self) -> None:
        self._closed: set[str] = set()
        self._exempt: set[str] = set()
        """Clients released one by one while the gate is closed for everyone."""
        self._items: list[tuple[str, Any]] = []

    def hold(self, comp_id: str | None = None) -> None:
        """Hold what is for ``comp_id`` from now on (None: for every client)."""
        if comp_id is None:
            self._closed.add(self.ALL)
            self._exempt.clear()
        else:
            self._closed.add(comp_id)
            self._exempt.discard(comp_id)

    def holds(self, comp_id: str) -> bool:
        return comp_id in self._closed or (self.ALL in self._closed and comp_id not in self._exempt)

    def offer(self, comp_id: str, item: Any) -> bool:
        """Keep ``item`` if the gate is closed for ``comp_id``; False: pass it on now."""
        if not self.holds(comp_id):
            return False
        self._items.append((comp_id, item))
        return True

    def release(self, comp_id: str | None = None) -> list[Any]:
        """Open the gate for ``comp_id`` (None: for everyone) and return what it held for it, in order."""
        if comp_id is None:
            self._closed.clear()
            self._exempt.clear()
            out, self._items = [item for _, item in self._items], []
            return out
        self._closed.discard(comp_id)
        if self.ALL in self._closed:
            self._exempt.add(comp_id)
        out = [item for c, item in self._items if c == comp_id]
        self._items = [(c, item) for c, item in self._items if c != comp_id]
        return out

    def count(self, comp_id: str | None = None) -> int:
        """How many items are held (for ``comp_id``, or in all)."""
        return sum(1 for c, _ in self._items if comp_id in (None, c))

    def __repr__(self) -> str:
        return f"Gate(closed={sorted(self._closed)}, held={self.count()})"


@dataclass
class Faults:
    reject_next: int = 0
    """Reject this many new orders (OrdRejReason 0, "fault injection")."""
    delay_ms: int = 0
    """Hold every report for this long before sending it."""
    refuse_logon: int = 0
    """Refuse this many logons (-1: all until cleared)."""
    refuse_only: str | None = None
    """Refuse only this client CompID's logons (None: everyone's)."""
    silent: bool = False
    """Answer nothing and publish no market data (the FIX engine still heartbeats)."""
    held_reports: Gate = field(default_factory=Gate)
    """Application messages to these clients wait here until released (a stalled link)."""
    held_requests: Gate = field(default_factory=Gate)
    """Application messages from these clients wait here unprocessed until released (a busy venue)."""

    def take_reject(self) -> bool:
        if self.reject_next > 0:
            self.reject_next -= 1
            return True
        return False

    def take_refusal(self, comp_id: str) -> bool:
        if self.refuse_logon and self.refuse_only in (None, comp_id):
            if self.refuse_logon > 0:
                self.refuse_logon -= 1
            return True
        return False
