"""What the running tree looks like, kept in Redis for `vigil status`.

One hash per actor at NS:actor:PATH, the tree order at NS:tree, and the
tree's history at NS:events (a capped stream: every lifecycle change,
every exit and why, every decision to give up). A
supervisor writes what it knows of a child (pid, restarts, why it last
restarted, its address); the actor writes its own lifecycle state and, when
it exits on purpose, why. An actor killed by a signal writes nothing, and
that silence is how its supervisor tells a crash from a normal exit.
"""
from __future__ import annotations

import base64
import json
import pickle
from typing import Any

import redis

EVENTS_KEPT = 10_000


class Registry:
    def __init__(self, client: redis.Redis, namespace: str) -> None:
        self._redis = client
        self._ns = namespace

    def _key(self, path: str) -> str:
        return f"{self._ns}:actor:{path}"

    def declare_tree(self, records: list[dict[str, Any]]) -> None:
        """Start of a run: the tree in order, every actor not yet started."""
        pipe = self._redis.pipeline()
        for old in self._redis.lrange(f"{self._ns}:tree", 0, -1):  # actors dropped from the topology
            pipe.delete(self._key(old.decode()))
        pipe.delete(f"{self._ns}:tree", f"{self._ns}:outcome", f"{self._ns}:events")
        for rec in records:
            pipe.delete(self._key(rec["path"]))
            pipe.hset(self._key(rec["path"]), mapping={"state": "stopped", "restarts": 0, **rec})
            pipe.rpush(f"{self._ns}:tree", rec["path"])
        pipe.execute()

    def event(self, path: str, what: str, **detail: Any) -> None:
        """Append to the tree's history (what `vigil status` and drill reports replay)."""
        entry = {"path": path, "what": what, **{k: as_stored(v) for k, v in detail.items()}}
        self._redis.xadd(f"{self._ns}:events", entry, maxlen=EVENTS_KEPT, approximate=True)

    def events(self) -> list[dict[str, str]]:
        return [{k.decode(): v.decode() for k, v in fields.items()}
                for _, fields in self._redis.xrange(f"{self._ns}:events")]

    def events_after(self, after: str | None, count: int) -> list[tuple[str, dict[str, str]]]:
        """Entries after the one with id `after` (None: from the first), oldest first: (id, fields)."""
        entries = self._redis.xrange(f"{self._ns}:events", min=f"({after}" if after else "-", count=count)
        return [(entry_id.decode(), {k.decode(): v.decode() for k, v in fields.items()})
                for entry_id, fields in entries]

    def update(self, path: str, **fields: Any) -> None:
        self._redis.hset(self._key(path), mapping={k: as_stored(v) for k, v in fields.items()})

    def clear_field(self, path: str, field: str) -> None:
        self._redis.hdel(self._key(path), field)

    def set_address(self, path: str, address: Any) -> None:
        self._redis.hset(self._key(path), "address", base64.b64encode(pickle.dumps(address)))

    def address(self, path: str) -> Any:
        raw = self._redis.hget(self._key(path), "address")
        return pickle.loads(base64.b64decode(raw)) if raw else None

    def lane(self, path: str) -> str | None:
        """The endpoint of the actor's fast lane (vigil.lane), if it has one."""
        raw = self._redis.hget(self._key(path), "lane")
        return raw.decode() if raw else None

    def get(self, path: str) -> dict[str, str]:
        raw = self._redis.hgetall(self._key(path))
        return {k.decode(): v.decode() for k, v in raw.items() if k != b"address"}

    def paths(self) -> list[str]:
        return [p.decode() for p in self._redis.lrange(f"{self._ns}:tree", 0, -1)]

    def path_of(self, actor_id: str) -> str | None:
        """The path of the actor with this id (ids are unique across the tree)."""
        return next((p for p in self.paths() if p.rsplit("/", 1)[-1] == actor_id), None)

    def advertised(self, actor_id: str, field: str) -> str | None:
        """What the actor with this id advertised under `field` (an endpoint, a certificate), or None."""
        path = self.path_of(actor_id)
        return self.get(path).get(field) if path else None

    def tree(self) -> list[dict[str, str]]:
        return [self.get(p) for p in self.paths()]

    def record_outcome(self, reason: str) -> None:
        """The root supervisor gave up: say why, for the daemon and the operator."""
        self._redis.set(f"{self._ns}:outcome", reason)

    def outcome(self) -> str | None:
        raw = self._redis.get(f"{self._ns}:outcome")
        return raw.decode() if raw else None


def as_stored(value: Any) -> Any:
    """A value as a Redis hash or stream field takes it (and gives it back, as text)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (list, tuple, dict)):  # an alert's orders, what failed: JSON in the stream
        return json.dumps(value)
    return "" if value is None else value

