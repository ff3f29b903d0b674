"""Exposure, P&L and open-order totals per strategy, book, firm, sector and region, kept up to date as the
OMS's orders and positions change, so a check costs the same whatever the OMS holds.

Groups. An order or position of book B (its account), strategy S, symbol X counts in six groups:
("position", (B, S)) (its own position, for "does it reduce"), ("strategy", S), ("book", B), ("firm", ""),
("sector", X's sector), ("region", X's region). Each group holds one cell per symbol with

    pos       position quantity (signed)             cost      sum of position qty x average price
    buy/sell  working quantity of its open orders     realized  realised P&L and dividends (price currency)

and the group's totals are sums over its cells of terms at each symbol's mark (mid x conversion rate):

    gross  max(|pos + buy|, |pos - sell|) x value     long   (pos + buy) x value
    pnl    (realized + pos x px - cost) x rate        short  (pos - sell) x value

so gross is the worst case of all working buys or all working sells filling, and net exposure is
max(|long|, |short|). An order counts from the moment it is in the blotter (PendingNew) until it is
done: its working quantity is its leaves, or, while a replace is pending, the larger of its leaves and the
replace's new quantity less what is filled (either may end up working).

Feeding (see the package docstring): `sync_order(order)` and `sync_position(...)` recompute one
order's or position's contribution from the OMS's live objects and apply the difference (so calling
them twice changes nothing); `mark(symbol, px, rate)` re-marks one symbol's cells. `figures()` is what a
from-scratch `Aggregates.build(...)` must equal.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from vigil.reference import Instrument

GroupKey = tuple[str, Any]
FIRM: GroupKey = ("firm", "")
EPSILON = 1e-6
"""Quantities and amounts below this are what float sums leave of nothing."""


def label(key: GroupKey) -> str:
    """How a denial names a group: "mean-rev", "book main", "firm", "sector fx", "region us"."""
    kind, name = key
    if kind == "strategy":
        return name
    if kind == "firm":
        return "firm"
    if kind == "position":
        return f"{name[1]} in book {name[0]}"
    return f"{kind} {name}"


def baseline_key(key: GroupKey) -> str:
    return f"{key[0]}:{key[1]}"


class Mark:
    """A symbol's price (its currency) and the rate to the base currency; value = px x rate."""

    __slots__ = ("px", "rate", "value")

    def __init__(self) -> None:
        self.px: float | None = None
        self.rate: float | None = None
        self.value: float | None = None


class Totals:
    __slots__ = ("key", "label", "gross", "long", "short", "pnl", "open", "unmarked", "baseline", "cells")

    def __init__(self, key: GroupKey, baseline: float) -> None:
        self.key, self.label = key, label(key)
        self.gross = self.long = self.short = self.pnl = 0.0
        self.open = 0
        self.unmarked: set[str] = set()
        """Symbols with something in this group and no mark: its money totals are unknown."""
        self.baseline = baseline
        """P&L when the trading day started."""
        self.cells: dict[str, Cell] = {}

    @property
    def net(self) -> float:
        return max(abs(self.long), abs(self.short))


class Cell:
    __slots__ = ("symbol", "totals", "mark", "pos", "buy", "sell", "cost", "realized", "gross", "long", "short",
                 "pnl")

    def __init__(self, symbol: str, totals: Totals, mark: Mark) -> None:
        self.symbol, self.totals, self.mark = symbol, totals, mark
        self.pos = self.buy = self.sell = self.cost = self.realized = 0.0
        self.gross = self.long = self.short = self.pnl = 0.0

    def retotal(self) -> None:
        """Recompute this cell's terms and move its group's totals by the difference."""
        t, m = self.totals, self.mark
        value = m.value
        pos = self.pos
        if value is None:
            g = lo = sh = p = 0.0
            if self.holds():
                t.unmarked.add(self.symbol)
            else:
                t.unmarked.discard(self.symbol)
        else:
            if t.unmarked:
                t.unmarked.discard(self.symbol)
            up, down = pos + self.buy, pos - self.sell
            lo, sh = up * value, down * value
            g = (up if up > -down else -down) * value  # max(|up|, |down|), as up >= down
            p = (self.realized + pos * m.px - self.cost) * m.rate
        t.gross += g - self.gross
        t.long += lo - self.long
        t.short += sh - self.short
        t.pnl += p - self.pnl
        self.gross, self.long, self.short, self.pnl = g, lo, sh, p

    def holds(self) -> bool:
        """Anything in it (beyond what adding and taking away floats leaves behind)."""
        return (abs(self.pos) > EPSILON or self.buy > EPSILON or self.sell > EPSILON or abs(self.cost) > EPSILON
                or abs(self.realized) > EPSILON)

    def worst(self, d_buy: float = 0.0, d_sell: float = 0.0) -> tuple[float, float]:
        """(pos + buy, pos - sell) with extra working quantity: the position if all buys fill, if all sells do."""
        return self.pos + self.buy + d_buy, self.pos - self.sell - d_sell


def gross_of(up: float, down: float) -> float:
    """Worst-case |position| given the all-buys-filled and all-sells-filled positions (up >= down)."""
    return max(abs(up), abs(down))


def working(order: Any) -> float:
    """What of an open order may still trade (the larger terms while a replace is pending)."""
    qty = order.leaves_qty
    pending = order.pending
    if pending:
        cum = None
        for request in pending:
            if request.kind == "replace" and request.qty is not None:
                cum = order.cum_qty if cum is None else cum
                qty = max(qty, request.qty - cum)
    return float(qty) if qty > 0 else 0.0


class Aggregates:
    def __init__(self, instruments: Mapping[str, Instrument], baselines: Mapping[str, float] | None = None,
                 marks: dict[str, Mark] | None = None) -> None:
        self.instruments = instruments
        self.groups: dict[GroupKey, Totals] = {}
        self.marks: dict[str, Mark] = marks if marks is not None else {}
        self.by_symbol: dict[str, list[Cell]] = {}
        self.baselines: dict[str, float] = dict(baselines or {})
        self._cells: dict[tuple[str, str, str], tuple[Cell, ...]] = {}
        self._orders: dict[str, list[Any]] = {}  # root ClOrdID -> [cells, sign, working qty]
        self._positions: dict[tuple[str, str, str], tuple[float, float, float]] = {}

    @classmethod
    def build(cls, instruments: Mapping[str, Instrument], orders: Iterable[Any], positions: Iterable[Any],
              baselines: Mapping[str, float] | None = None, marks: dict[str, Mark] | None = None) -> Aggregates:
        """From scratch: every open order of a blotter and every position (PositionViews)."""
        agg = cls(instruments, baselines, marks)
        for order in orders:
            agg.sync_order(order)
        for view in positions:
            agg.sync_position(view.account, view.strategy, view.symbol, view)
        return agg

    # ---- the cells an order or position counts in ------------------------------------------
    def cells(self, book: str, strategy: str, symbol: str) -> tuple[Cell, ...]:
        """(position, strategy, book, firm, sector, region) cells of `symbol`."""
        found = self._cells.get((book, strategy, symbol))
        if found is None:
            instrument = self.instruments.get(symbol)
            sector = instrument.sector if instrument else ""
            region = instrument.region if instrument else ""
            keys = (("position", (book, strategy)), ("strategy", strategy), ("book", book), FIRM,
                    ("sector", sector), ("region", region))
            found = self._cells[(book, strategy, symbol)] = tuple(self._cell(key, symbol) for key in keys)
        return found

    def group(self, key: GroupKey) -> Totals:
        totals = self.groups.get(key)
        if totals is None:
            totals = self.groups[key] = Totals(key, self.baselines.get(baseline_key(key), 0.0))
        return totals

    def _cell(self, key: GroupKey, symbol: str) -> Cell:
        totals = self.group(key)
        cell = totals.cells.get(symbol)
        if cell is None:
            mark = self.marks.get(symbol)
            if mark is None:
                mark = self.marks[symbol] = Mark()
            cell = totals.cells[symbol] = Cell(symbol, totals, mark)
            self.by_symbol.setdefault(symbol, []).append(cell)
        return cell

    # ---- feeding ------------------------------------------------------------------------
    def sync_order(self, order: Any) -> None:
        """Bring one order's contribution in line with what it is now (idempotent)."""
        root = order.root_cl_ord_id
        entry = self._orders.get(root)
        is_open = order.is_open
        qty = working(order) if is_open else 0.0
        if entry is None:
            if not is_open:
                return
            try:
                sign = order.side.sign
            except ValueError:  # a side with no direction (Cross...): counted as a buy, never not at all
                sign = 1
            entry = self._orders[root] = [self.cells(order.account, order.strategy, order.symbol), sign, 0.0]
            opened = 1
        else:
            if entry[2] == qty and is_open:
                return
            opened = 0 if is_open else -1
        cells, sign, before = entry
        delta = qty - before
        for cell in cells:
            if sign > 0:
                cell.buy += delta
            else:
                cell.sell += delta
            cell.totals.open += opened
            cell.retotal()
        if is_open:
            entry[2] = qty
        else:
            del self._orders[root]  # a bust may reopen it: it then comes back as new

    def sync_position(self, book: str, strategy: str, symbol: str, view: Any) -> None:
        """Bring one position's contribution in line with `view` (a PositionView; idempotent)."""
        key = (book, strategy, symbol)
        qty = float(view.qty)
        now = (qty, float(view.qty * view.avg_px), float(view.realized_pnl + view.dividends))
        before = self._positions.get(key, (0.0, 0.0, 0.0))
        if now == before:
            return
        self._positions[key] = now
        dq, dc, dr = now[0] - before[0], now[1] - before[1], now[2] - before[2]
        for cell in self.cells(book, strategy, symbol):
            cell.pos += dq
            cell.cost += dc
            cell.realized += dr
            cell.retotal()

    def mark(self, symbol: str, px: float, rate: float) -> bool:
        """Re-mark `symbol`'s cells at `px` (its currency) x `rate`; False when that is its mark already."""
        mark = self.marks.get(symbol)
        if mark is None:
            mark = self.marks[symbol] = Mark()
        if mark.px == px and mark.rate == rate:
            return False
        known = mark.value is not None
        mark.px, mark.rate, mark.value = px, rate, px * rate
        cells = self.by_symbol.get(symbol, ())
        if not known:
            for cell in cells:
                cell.retotal()
            return True
        value = px * rate
        for cell in cells:  # Cell.retotal, inline: only the price moved (the hot path of a moving market)
            t, pos = cell.totals, cell.pos
            up, down = pos + cell.buy, pos - cell.sell
            lo, sh = up * value, down * value
            g = (up if up > -down else -down) * value
            p = (cell.realized + pos * px - cell.cost) * rate
            t.gross += g - cell.gross
            t.long += lo - cell.long
            t.short += sh - cell.short
            t.pnl += p - cell.pnl
            cell.gross, cell.long, cell.short, cell.pnl = g, lo, sh, p
        return True

    def set_baselines(self, baselines: Mapping[str, float]) -> None:
        self.baselines = dict(baselines)
        for key, totals in self.groups.items():
            totals.baseline = self.baselines.get(baseline_key(key), 0.0)

    def pnl_by_group(self, kinds: tuple[str, ...] = ("strategy", "book", "firm")) -> dict[str, float]:
        return {baseline_key(key): t.pnl for key, t in self.groups.items() if key[0] in kinds}

    # ---- reading, for VaR and tests ------------------------------------------------------
    def holds_any(self, key: GroupKey) -> bool:
        """Whether a group has a position in some symbol, marked or not."""
        totals = self.groups.get(key)
        return totals is not None and any(c.pos for c in totals.cells.values())

    def positions_of(self, key: GroupKey) -> dict[str, float]:
        """{symbol: position value in the base currency} of one group (symbols with a mark and a position)."""
        totals = self.groups.get(key)
        if totals is None:
            return {}
        return {s: c.pos * c.mark.value for s, c in totals.cells.items() if c.pos and c.mark.value is not None}

    def figures(self) -> dict[GroupKey, dict[str, Any]]:
        """Every non-empty group's totals and cells, to compare two Aggregates."""
        out: dict[GroupKey, dict[str, Any]] = {}
        for key, t in self.groups.items():
            cells = {s: (c.pos, c.buy, c.sell, c.cost, c.realized) for s, c in t.cells.items() if c.holds()}
            if cells or t.open:
                out[key] = {"gross": t.gross, "long": t.long, "short": t.short, "pnl": t.pnl, "open": t.open,
                            "unmarked": sorted(t.unmarked), "cells": cells}
        return out
