"""Pages waiting to be delivered, and those delivered: plain state, rebuilt from the pager's events.

A page is kept until the Events API took it (202): one that fails (a 429, a 500, the service down) is
tried again after a back-off that doubles to MAX_BACKOFF_S, however long that takes; none is dropped. The
service takes about 120 events a minute per routing key, so sending keeps under `rate_per_min` in any
minute. Pages go in the order they were raised, and one key's pages strictly so (a resolve never goes
before its trigger); a page for a key whose last trigger is still waiting replaces it (one incident, its
newest summary) rather than queueing behind it.
"""
from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import asdict, dataclass
from typing import Any

MAX_BACKOFF_S = 60.0
DELIVERED_KEPT = 200


@dataclass
class Page:
    dedup_key: str
    action: str
    """trigger or resolve."""
    summary: str
    severity: str
    source: str
    runbook: str
    details: dict[str, Any]
    created_at: float
    delivered_at: float | None = None
    attempts: int = 0
    last_error: str | None = None
    next_try: float = 0.0

    def row(self) -> dict[str, Any]:
        """What `vigil pages --json` shows of it."""
        return {"dedup_key": self.dedup_key, "action": self.action, "summary": self.summary,
                "severity": self.severity, "created_at": self.created_at, "delivered_at": self.delivered_at,
                "attempts": self.attempts, "last_error": self.last_error}


class Outbox:
    def __init__(self, rate_per_min: int) -> None:
        self.rate_per_min = rate_per_min
        self.waiting: OrderedDict[tuple[str, str], Page] = OrderedDict()
        self.delivered: deque[Page] = deque(maxlen=DELIVERED_KEPT)
        self._sent_at: deque[float] = deque()
        """When each of the last minute's sends went (not kept across a restart: the limit is the service's
        per minute, and a restart takes longer than its first few sends)."""

    def add(self, page: Page) -> None:
        self.waiting[(page.dedup_key, page.action)] = page
        self.waiting.move_to_end((page.dedup_key, page.action))

    def due(self, now: float) -> Page | None:
        """The next page to send now, or None (nothing waiting is due, or the minute's sends are spent)."""
        while self._sent_at and self._sent_at[0] <= now - 60:
            self._sent_at.popleft()
        if len(self._sent_at) >= self.rate_per_min:
            return None
        earlier: set[str] = set()
        for page in self.waiting.values():
            if page.next_try <= now and page.dedup_key not in earlier:
                return page
            earlier.add(page.dedup_key)  # a key's pages go in order: a resolve never overtakes its trigger
        return None

    def sending(self, now: float) -> None:
        self._sent_at.append(now)

    def delivered_now(self, key: str, action: str, at: float) -> None:
        page = self.waiting.pop((key, action), None)
        if page is not None:
            page.delivered_at, page.attempts = at, page.attempts + 1
            self.delivered.append(page)

    def failed(self, key: str, action: str, error: str, at: float) -> None:
        page = self.waiting.get((key, action))
        if page is not None:
            page.attempts += 1
            page.last_error = error
            page.next_try = at + min(MAX_BACKOFF_S, 2.0 ** (page.attempts - 1))

    def rows(self) -> list[dict[str, Any]]:
        """Delivered pages, then waiting ones; each oldest first."""
        return [p.row() for p in self.delivered] + [p.row() for p in self.waiting.values()]

    def to_dict(self) -> dict[str, Any]:
        return {"waiting": [asdict(p) for p in self.waiting.values()], "delivered": [asdict(p) for p in self.delivered]}

    def restore(self, data: dict[str, Any]) -> None:
        for raw in data.get("waiting", ()):
            self.add(Page(**raw))
        self.delivered.extend(Page(**raw) for raw in data.get("delivered", ()))
