"""The fills of one order, by ExecID: what CumQty and AvgPx are computed from.

Kept per execution (not as running totals) because a bust or a correction names
the execution it undoes, possibly long after later fills. Synthetic entries stand
for quantity the venue says filled while we heard nothing; a real report arriving
later retracts them rather than counting the same quantity twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from vocabulary.numbers import ZERO, dec

SYNTHETIC = "~missed"


@dataclass(frozen=True)
class Change:
    """One ledger change: kind is "trade", "bust", "correct" or "missed"."""
    kind: str
    exec_id: str
    qty: Decimal
    price: Decimal
    ref_exec_id: str | None = None
    ref_qty: Decimal = ZERO
    ref_price: Decimal | None = None


class Ledger:
    def __init__(self) -> None:
        self._entries: list[tuple[str, Decimal, Decimal]] = []
        self._synthetic_seq = 0

    def copy(self) -> Ledger:
        twin = Ledger()
        twin._entries, twin._synthetic_seq = list(self._entries), self._synthetic_seq  # entries are tuples
        return twin

    @property
    def cum_qty(self) -> Decimal:
        return sum((qty for _, qty, _ in self._entries), ZERO)

    @property
    def notional(self) -> Decimal:
        return sum((qty * px for _, qty, px in self._entries), ZERO)

    @property
    def avg_px(self) -> Decimal:
        cum = self.cum_qty
        return self.notional / cum if cum else ZERO

    @property
    def synthetic_qty(self) -> Decimal:
        return sum((qty for eid, qty, _ in self._entries if eid.startswith(SYNTHETIC)), ZERO)

    def __contains__(self, exec_id: str) -> bool:
        return self._find(exec_id) is not None

    def _find(self, exec_id: str | None) -> int | None:
        for i, (eid, _, _) in enumerate(self._entries):
            if eid == exec_id:
                return i
        return None

    def add(self, exec_id: str, qty: Decimal, price: Decimal) -> Change:
        self._entries.append((exec_id, qty, price))
        return Change("trade", exec_id, qty, price)

    def remove(self, ref_exec_id: str | None, exec_id: str) -> Change | None:
        """Bust `ref_exec_id`; `exec_id` names the bust itself."""
        i = self._find(ref_exec_id)
        if i is None:
            return None
        eid, qty, px = self._entries.pop(i)
        return Change("bust", exec_id, ZERO, px, eid, qty, px)

    def replace(self, ref_exec_id: str | None, exec_id: str, qty: Decimal, price: Decimal) -> Change | None:
        i = self._find(ref_exec_id)
        if i is None:
            return None
        # In place: a corrected fill keeps its position in time, and later
        # corrections name the correction's own ExecID (Appendix D J.1.a).
        old_id, old_qty, old_px = self._entries[i]
        self._entries[i] = (exec_id, qty, price)
        return Change("correct", exec_id, qty, price, old_id, old_qty, old_px)

    def synthesize(self, qty: Decimal, price: Decimal) -> Change:
        self._synthetic_seq += 1
        exec_id = f"{SYNTHETIC}{self._synthetic_seq}"
        self._entries.append((exec_id, qty, price))
        return Change("missed", exec_id, qty, price)

    def retract_synthetic(self, qty: Decimal) -> list[Change]:
        """Take back `qty` of synthetic fills, newest first. The caller checks there is enough."""
        changes: list[Change] = []
        for i in range(len(self._entries) - 1, -1, -1):
            if qty <= 0:
                break
            eid, have, px = self._entries[i]
            if not eid.startswith(SYNTHETIC):
                continue
            take = min(have, qty)
            qty -= take
            if take == have:
                del self._entries[i]
                changes.append(Change("bust", f"{eid}-retracted", ZERO, px, eid, have, px))
            else:
                self._synthetic_seq += 1
                new_id = f"{SYNTHETIC}{self._synthetic_seq}"
                self._entries[i] = (new_id, have - take, px)
                changes.append(Change("correct", new_id, have - take, px, eid, have, px))
        return changes

    def to_dict(self) -> dict[str, Any]:
        return {"entries": [[eid, str(qty), str(px)] for eid, qty, px in self._entries],
                "synthetic_seq": self._synthetic_seq}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Ledger:
        ledger = cls()
        ledger._entries = [(eid, dec(qty), dec(px)) for eid, qty, px in data["entries"]]
        ledger._synthetic_seq = int(data["synthetic_seq"])
        return ledger
