"""ClOrdIDs that stay unique across OMS restarts: <prefix><epoch>-<counter>, base 36.

The counter alone is not enough: ids handed out after the last snapshot are only
known again if their order events were logged, and a crash can lose the last one.
So every start opens a new epoch (logged before the first id of it is used); ids
from a lost tail of the previous epoch cannot collide with the new epoch's.
`begin_epoch(floor)` takes a floor, normally the clock's seconds, so that even a
wiped store does not reuse yesterday's epochs. Pure: no clock is read here.
"""
from __future__ import annotations

import string
from typing import Any

_DIGITS = string.digits + string.ascii_uppercase
EPOCH_STARTED = "id_epoch_started"


def _b36(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _DIGITS[r] + out
        if n == 0:
            return out


class ClOrdIdGenerator:
    def __init__(self, prefix: str = "VG", epoch: int = 0, counter: int = 0) -> None:
        if not prefix or "-" in prefix or not prefix.isalnum():
            raise ValueError(f"ClOrdID prefix must be letters and digits, got {prefix!r}")
        self.prefix, self.epoch, self.counter = prefix, epoch, counter

    def begin_epoch(self, floor: int = 0) -> dict[str, Any]:
        """Open a new epoch; log the returned event before using any id from it."""
        event = {"event": EPOCH_STARTED, "prefix": self.prefix, "epoch": max(self.epoch + 1, int(floor))}
        self.apply(event)
        return event

    def next(self) -> str:
        if self.epoch == 0:
            raise RuntimeError("ClOrdIdGenerator: begin_epoch() before the first id")
        self.counter += 1
        return f"{self._stem()}{_b36(self.counter)}"

    def peek(self) -> str:
        """The id `next()` will hand out (for the spans of an order's checks, made before it has one)."""
        return f"{self._stem()}{_b36(self.counter + 1)}"

    def observe(self, cl_ord_id: str) -> None:
        """Advance past an id seen in a replayed event, so it is never handed out again."""
        stem = self._stem()
        if self.epoch and cl_ord_id.startswith(stem):
            tail = cl_ord_id[len(stem):]
            if tail and all(c in _DIGITS for c in tail):
                self.counter = max(self.counter, int(tail, 36))

    def apply(self, event: dict[str, Any]) -> bool:
        if event.get("event") != EPOCH_STARTED or event.get("prefix", self.prefix) != self.prefix:
            return False
        if event["epoch"] <= self.epoch:  # replayed: already in this or a later epoch
            return False
        self.epoch, self.counter = int(event["epoch"]), 0
        return True

    def _stem(self) -> str:
        return f"{self.prefix}{_b36(self.epoch)}-"

    def to_dict(self) -> dict[str, Any]:
        return {"prefix": self.prefix, "epoch": self.epoch, "counter": self.counter}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClOrdIdGenerator:
        return cls(data["prefix"], int(data["epoch"]), int(data["counter"]))
