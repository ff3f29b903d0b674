"""Actor state in Redis: a snapshot plus a sequence-numbered event log.

Keys, under one scheme for every actor (`NS` the run's name, `PATH` the actor path):
    NS:state:PATH:seq    last sequence number handed out
    NS:state:PATH:log    stream of events, entry id 0-SEQ, field "e" = JSON
    NS:state:PATH:snap   hash {seq, data}: state as of event SEQ

An event is durable once `append` returns: only then may the actor
acknowledge the message that caused it. Recovery loads the snapshot and
replays the events after it; events carry their sequence number so
applying one twice can be detected and skipped.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import redis

# INCR and XADD in one step, so a crash cannot leave a number without its event.
_APPEND = """
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], '0-' .. seq, 'e', ARGV[1])
return seq
"""

# The snapshot replaces the events it covers; both change together.
_SNAPSHOT = """
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'data', ARGV[2])
redis.call('XTRIM', KEYS[2], 'MINID', '0-' .. (tonumber(ARGV[1]) + 1))
return 1
"""


@dataclass(frozen=True)
class Recovered:
    snapshot: Any
    """The snapshot's data, or None when there is none."""
    snapshot_seq: int
    """Sequence number the snapshot covers (0 without one)."""
    events: tuple[tuple[int, Any], ...]
    """(seq, event) logged after the snapshot, in order."""

    @property
    def last_seq(self) -> int:
        return self.events[-1][0] if self.events else self.snapshot_seq


class StateStore:
    def __init__(self, client: redis.Redis, namespace: str, path: str) -> None:
        self._redis = client
        base = f"{namespace}:state:{path}"
        self._seq_key, self._log_key, self._snap_key = f"{base}:seq", f"{base}:log", f"{base}:snap"
        self._append = client.register_script(_APPEND)
        self._snapshot = client.register_script(_SNAPSHOT)

    def append(self, event: Any) -> int:
        """Log one JSON-serialisable event; returns its sequence number."""
        return int(self._append(keys=[self._seq_key, self._log_key], args=[json.dumps(event)]))

    def snapshot(self, data: Any, seq: int) -> None:
        """Store state as of event `seq` and drop the events it covers."""
        self._snapshot(keys=[self._snap_key, self._log_key], args=[seq, json.dumps(data)])

    def load(self) -> Recovered:
        # One transaction: a snapshot taken between the two reads would otherwise hide events.
        snap, entries = self._redis.pipeline(transaction=True).hgetall(self._snap_key).xrange(self._log_key).execute()
        snap_seq = int(snap[b"seq"]) if snap else 0
        data = json.loads(snap[b"data"]) if snap else None
        events = tuple((seq, json.loads(fields[b"e"])) for seq, fields in
                       ((int(eid.split(b"-")[1]), fields) for eid, fields in entries) if seq > snap_seq)
        return Recovered(data, snap_seq, events)

    def log_length(self) -> int:
        return int(self._redis.xlen(self._log_key))

    def clear(self) -> None:
        self._redis.delete(self._seq_key, self._log_key, self._snap_key)
