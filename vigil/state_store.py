"""Actor state in Redis: a snapshot plus a sequence-numbered event log.

Keys, under one scheme for every actor (`NS` the run's name, `PATH` the actor path):
    NS:state:PATH:seq    last sequence number handed out
    NS:state:PATH:log    stream of events, entry id 0-SEQ, field "e" = JSON
    NS:state:PATH:snap   hash {seq, data}: state as of event SEQ
    NS:state:PATH:rows   hash key -> JSON: the part of the snapshot kept as rows

An event is durable once `append` (or the `commit` after `stage`) returns:
only then may the actor acknowledge the message that caused it. Recovery
loads the snapshot and replays the events after it; events carry their
sequence number so applying one twice can be detected and skipped.

A snapshot may carry rows, each written only when it changed: state too big to
write whole at every snapshot (a blotter of tens of thousands of orders) is
written a few changed rows at a time, so no snapshot stalls the actor.

Writes are staged and committed in one script call: one Redis round trip for
a whole batch of events (group commit). The store is its actor's only writer
and numbers events itself; the script checks that the numbers still follow on
from Redis's, so a second writer (a process that should be dead) fails loudly
instead of interleaving its events.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import redis

# KEYS: seq, log, snap, rows. ARGV: expected last seq ('' = unknown), n events, the events,
# then '1', snapshot seq, data, n rows set, key/value pairs, n rows deleted, keys; or '0'.
_COMMIT = """
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
if ARGV[1] ~= '' and tonumber(ARGV[1]) ~= last then
  return redis.error_reply('state written by another process: expected seq ' .. ARGV[1] .. ', found ' .. last)
end
local n = tonumber(ARGV[2])
for i = 1, n do
  redis.call('XADD', KEYS[2], '0-' .. (last + i), 'e', ARGV[2 + i])
end
redis.call('SET', KEYS[1], last + n)
local at = 3 + n
if ARGV[at] == '1' then
  local snap_seq = tonumber(ARGV[at + 1])
  redis.call('HSET', KEYS[3], 'seq', snap_seq, 'data', ARGV[at + 2])
  local sets = tonumber(ARGV[at + 3])
  at = at + 4
  for i = 1, sets do
    redis.call('HSET', KEYS[4], ARGV[at], ARGV[at + 1])
    at = at + 2
  end
  local dels = tonumber(ARGV[at])
  for i = 1, dels do
    redis.call('HDEL', KEYS[4], ARGV[at + i])
  end
  redis.call('XTRIM', KEYS[2], 'MINID', '0-' .. (snap_seq + 1))
end
return last + n
"""


@dataclass(frozen=True)
class Recovered:
    snapshot: Any
    """The snapshot's data, or None when there is none."""
    snapshot_seq: int
    """Sequence number the snapshot covers (0 without one)."""
    events: tuple[tuple[int, Any], ...]
    """(seq, event) logged after the snapshot, in order."""
    rows: Mapping[str, Any] = field(default_factory=dict)
    """The snapshot's rows (key -> state), as of `snapshot_seq`."""

    @property
    def last_seq(self) -> int:
        return self.events[-1][0] if self.events else self.snapshot_seq


def _to_dict(obj: Any) -> Any:
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    raise TypeError(f"cannot log a {type(obj).__name__}: not JSON-serialisable and no to_dict()")


class StateStore:
    def __init__(self, client: redis.Redis, namespace: str, path: str) -> None:
        self._redis = client
        self.path = path
        base = f"{namespace}:state:{path}"
        self._keys = [f"{base}:seq", f"{base}:log", f"{base}:snap", f"{base}:rows"]
        self._commit = client.register_script(_COMMIT)
        self._last: int | None = None  # last seq committed, once known
        self._staged: list[str] = []
        self._staged_snapshot: list[Any] | None = None

    # ---- writing ---------------------------------------------------------
    def stage(self, event: Any) -> int:
        """Queue one event (JSON-serialisable, or an object with `to_dict()`) for the next `commit`;
        returns its sequence number."""
        if self._last is None:
            self._last = int(self._redis.get(self._keys[0]) or 0)
        self._staged.append(json.dumps(event, default=_to_dict))
        return self._last + len(self._staged)

    def stage_snapshot(self, data: Any, seq: int, rows: Mapping[str, Any] | None = None) -> None:
        """Queue state as of event `seq` (rows: changed key -> state, None for gone) for the next commit."""
        rows = rows or {}
        sets = [part for key, value in rows.items() if value is not None for part in (key, json.dumps(value))]
        dels = [key for key, value in rows.items() if value is None]
        self._staged_snapshot = ["1", seq, json.dumps(data), len(sets) // 2, *sets, len(dels), *dels]

    @property
    def staged(self) -> bool:
        return bool(self._staged) or self._staged_snapshot is not None

    def commit(self) -> None:
        """Write everything staged in one step: all of it is durable, or (on an error) none of it."""
        if not self.staged:
            return
        events, snapshot = self._staged, self._staged_snapshot or ["0"]
        self._staged, self._staged_snapshot = [], None
        expected = "" if self._last is None else self._last
        try:
            self._last = int(self._commit(keys=self._keys, args=[expected, len(events), *events, *snapshot]))
        except redis.ResponseError as err:
            self._last = None
            raise RuntimeError(f"{self.path}: {err}") from None

    def append(self, event: Any) -> int:
        """Log one event now; returns its sequence number."""
        seq = self.stage(event)
        self.commit()
        return seq

    def snapshot(self, data: Any, seq: int, rows: Mapping[str, Any] | None = None) -> None:
        """Store state as of event `seq` and drop the events it covers."""
        self.stage_snapshot(data, seq, rows)
        self.commit()

    # ---- reading ---------------------------------------------------------
    def load(self) -> Recovered:
        seq_key, log_key, snap_key, rows_key = self._keys
        # One transaction: a snapshot taken between the reads would otherwise hide events.
        last, snap, rows, entries = (self._redis.pipeline(transaction=True).get(seq_key).hgetall(snap_key)
                                     .hgetall(rows_key).xrange(log_key).execute())
        self._last, self._staged, self._staged_snapshot = int(last or 0), [], None
        snap_seq = int(snap[b"seq"]) if snap else 0
        data = json.loads(snap[b"data"]) if snap else None
        events = tuple((seq, json.loads(fields[b"e"])) for seq, fields in
                       ((int(eid.split(b"-")[1]), fields) for eid, fields in entries) if seq > snap_seq)
        return Recovered(data, snap_seq, events, {key.decode(): json.loads(value) for key, value in rows.items()})

    def log_length(self) -> int:
        return int(self._redis.xlen(self._keys[1]))

    def clear(self) -> None:
        self._redis.delete(*self._keys)
        self._last, self._staged, self._staged_snapshot = 0, [], None
