"""Positions per (account, strategy, symbol), built from the OMS's fills.

A position is a fold over its fills in order: quantity (signed, + long), the
average price of what is open (reset when the position goes flat or crosses zero)
and realized P&L (in price units x quantity; no multipliers here). Keeping the
fills, not just the totals, makes a bust or correction of any fill exact: the
fill is removed or replaced and the fold rerun, so a fill followed by its bust
leaves the position exactly as it was. `compact()` folds the fills into an opening
balance (e.g. at the day's roll); a bust of a fill compacted away is booked as the
opposite trade.

A corporate action is an entry in the same sequence ("~ca:" + its id, so no
ClOrdID-based fill id can match): a split scales the quantity up and the
average price down by its ratio, a cash dividend adds qty x amount to
`dividends`. A bust of a fill from before a split then refolds exactly.
Fractional shares a split leaves are kept (no cash in lieu here).
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from actors.oms.fills import Fill, FillKind
from vigil.corporate_actions import CorporateAction
from vocabulary.numbers import ZERO, dec

Key = tuple[str, str, str]


@dataclass(frozen=True)
class PositionView:
    account: str
    strategy: str
    symbol: str
    qty: Decimal
    """Signed: positive long, negative short."""
    avg_px: Decimal
    """Average price of the open quantity; 0 when flat."""
    realized_pnl: Decimal
    dividends: Decimal = ZERO
    """Cash dividends earned (negative: owed on a short position)."""


State = tuple[Decimal, Decimal, Decimal, Decimal]  # qty, avg_px, realized, dividends
FLAT: State = (ZERO, ZERO, ZERO, ZERO)
ACTION_PREFIX = "~ca:"


def _step(state: State, signed: Decimal, px: Decimal) -> State:
    qty, avg, realized, dividends = state
    if signed == 0:
        return state
    if qty == 0:
        return signed, px, realized, dividends
    if (qty > 0) == (signed > 0):
        new = qty + signed
        return new, (avg * abs(qty) + px * abs(signed)) / abs(new), realized, dividends
    closed = min(abs(signed), abs(qty))
    realized += closed * (px - avg) * (1 if qty > 0 else -1)
    new = qty + signed
    if new == 0:
        return ZERO, ZERO, realized, dividends
    return new, (avg if (new > 0) == (qty > 0) else px), realized, dividends


def _corporate_action(state: State, ratio: Decimal, amount: Decimal) -> State:
    """ratio: new shares per old (1 for a dividend); amount: cash per share (0 for a split)."""
    qty, avg, realized, dividends = state
    return qty * ratio, avg / ratio, realized, dividends + qty * amount


def _fold(state: State, fill_id: str, signed: Decimal, px: Decimal) -> State:
    if fill_id.startswith(ACTION_PREFIX):
        return _corporate_action(state, signed, px)
    return _step(state, signed, px)


class _Position:
    def __init__(self) -> None:
        self.opening = FLAT
        self.fills: list[tuple[str, Decimal, Decimal]] = []
        self.state = self.opening
        self.seen: set[str] = set()  # every fill_id booked here, busted and compacted ones too

    def _index(self, fill_id: str | None) -> int | None:
        return next((i for i, (fid, _, _) in enumerate(self.fills) if fid == fill_id), None)

    def add(self, fill_id: str, signed: Decimal, px: Decimal) -> None:
        self.fills.append((fill_id, signed, px))
        self.state = _fold(self.state, fill_id, signed, px)

    def refold(self) -> None:
        state = self.opening
        for fill_id, signed, px in self.fills:
            state = _fold(state, fill_id, signed, px)
        self.state = state


class Positions:
    def __init__(self) -> None:
        self._positions: dict[Key, _Position] = {}
        self._seen: set[str] = set()
        self._changed: set[Key] = set()  # since the last changed_rows()

    def apply(self, fill: Fill) -> bool:
        """Book one fill; returns False when it was applied before (same fill_id)."""
        if fill.fill_id in self._seen:
            return False
        pos = self._positions.setdefault((fill.account, fill.strategy, fill.symbol), _Position())
        sign = fill.side.sign
        if fill.kind in (FillKind.TRADE, FillKind.MISSED):
            pos.add(fill.fill_id, sign * fill.qty, fill.price)
        else:
            i = pos._index(fill.ref_fill_id)
            if i is not None and fill.kind is FillKind.BUST:
                del pos.fills[i]
                pos.refold()
            elif i is not None:
                pos.fills[i] = (fill.fill_id, sign * fill.qty, fill.price)
                pos.refold()
            else:  # the original was compacted away: undo it as an opposite trade
                reversal_px = fill.ref_price if fill.ref_price is not None else fill.price
                pos.add(f"{fill.fill_id}:reversal", -sign * fill.ref_qty, reversal_px)
                if fill.kind is FillKind.CORRECT:
                    pos.add(fill.fill_id, sign * fill.qty, fill.price)
        self._seen.add(fill.fill_id)
        pos.seen.add(fill.fill_id)
        self._changed.add((fill.account, fill.strategy, fill.symbol))
        return True

    def apply_corporate_action(self, action: CorporateAction) -> list[Key]:
        """Book `action` on every position in its symbol, once; returns the keys it changed."""
        fill_id = ACTION_PREFIX + action.id
        ratio = Decimal(action.ratio.numerator) / Decimal(action.ratio.denominator)
        changed = []
        for key, pos in self._positions.items():
            if key[2] == action.symbol and fill_id not in pos.seen:
                pos.add(fill_id, ratio, action.amount)
                pos.seen.add(fill_id)
                changed.append(key)
        self._changed.update(changed)
        return changed

    def get(self, account: str, strategy: str, symbol: str) -> PositionView:
        pos = self._positions.get((account, strategy, symbol))
        qty, avg, realized, dividends = pos.state if pos else FLAT
        return PositionView(account, strategy, symbol, qty, avg, realized, dividends)

    def __iter__(self):
        return (self.get(*key) for key in self._positions)

    def compact(self) -> None:
        for pos in self._positions.values():
            pos.opening, pos.fills = pos.state, []
        self._changed.update(self._positions)

    # ---- persistence: a row per position ----------------------------------------
    def _row(self, key: Key) -> dict[str, Any]:
        pos = self._positions[key]
        return {"key": list(key), "opening": [str(v) for v in pos.opening],
                "fills": [[fid, str(q), str(p)] for fid, q, p in pos.fills], "seen": sorted(pos.seen)}

    def changed_rows(self) -> dict[str, dict[str, Any]]:
        """The positions changed since the last call, as snapshot rows."""
        rows = {"position:" + json.dumps(list(key)): self._row(key) for key in self._changed}
        self._changed.clear()
        return rows

    @classmethod
    def from_rows(cls, rows: Iterable[dict[str, Any]]) -> Positions:
        positions = cls()
        for row in rows:
            pos = _Position()
            opening = [dec(v) for v in row["opening"]]
            pos.opening = (*opening, *FLAT[len(opening):])  # type: ignore[assignment]  # rows before dividends had 3
            pos.fills = [(fid, dec(q), dec(p)) for fid, q, p in row["fills"]]
            pos.seen = set(row["seen"])
            pos.refold()
            positions._positions[tuple(row["key"])] = pos  # type: ignore[index]
            positions._seen |= pos.seen
        return positions

    def to_dict(self) -> dict[str, Any]:
        return {"positions": [self._row(key) for key in self._positions]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Positions:
        return cls.from_rows(data["positions"])
