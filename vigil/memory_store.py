"""An actor's event log and snapshot in memory: the StateStore (Redis) of the in-process runner.

What a runner's journal (vigil.journal) uses of vigil.state_store, with the same promises: events
numbered from 1, durable (here: kept) at `commit`, a snapshot dropping the events it covers, rows
written as they change. Everything goes through JSON as it would to Redis, so an event that could
not be logged live cannot be logged here.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from vigil.state_store import Recovered, _to_dict


class MemoryStore:
    def __init__(self, path: str = "") -> None:
        self.path = path
        self._events: list[tuple[int, str]] = []
        self._last = 0
        self._snapshot: tuple[int, str] | None = None
        self._rows: dict[str, str] = {}
        self._staged: list[str] = []
        self._staged_snapshot: tuple[int, str, dict[str, str | None]] | None = None

    def stage(self, event: Any) -> int:
        self._staged.append(json.dumps(event, default=_to_dict))
        return self._last + len(self._staged)

    def stage_snapshot(self, data: Any, seq: int, rows: Mapping[str, Any] | None = None) -> None:
        encoded = {key: None if value is None else json.dumps(value) for key, value in (rows or {}).items()}
        self._staged_snapshot = (seq, json.dumps(data), encoded)

    @property
    def staged(self) -> bool:
        return bool(self._staged) or self._staged_snapshot is not None

    def commit(self) -> None:
        for event in self._staged:
            self._last += 1
            self._events.append((self._last, event))
        self._staged = []
        if self._staged_snapshot is not None:
            seq, data, rows = self._staged_snapshot
            self._staged_snapshot = None
            self._snapshot = (seq, data)
            for key, value in rows.items():
                if value is None:
                    self._rows.pop(key, None)
                else:
                    self._rows[key] = value
            self._events = [(s, e) for s, e in self._events if s > seq]

    def load(self) -> Recovered:
        self._staged, self._staged_snapshot = [], None
        snap_seq, data = self._snapshot if self._snapshot else (0, None)
        return Recovered(None if data is None else json.loads(data), snap_seq,
                         tuple((seq, json.loads(e)) for seq, e in self._events if seq > snap_seq),
                         {key: json.loads(value) for key, value in self._rows.items()})
