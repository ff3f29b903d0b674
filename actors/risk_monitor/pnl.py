"""Positions marked to the market: P&L per position, strategy and book, realised and unrealised, in the
base currency, and a book's position values (what its VaR is of). Plain Python, fed by the risk monitor.

Unrealised P&L is qty x (mid - avg_px); a price in another currency is converted at the mid of its pair
(actors/oms/risk/market.py Conversion), realised P&L too, at the current rate (an approximation that
keeps no history of rates). A position with no mark yet has no unrealised figure (None), and neither has
its strategy or book: a loss that cannot be known is not taken for none.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from actors.oms.risk.market import Conversion, QuoteBoard, mid
from vigil.reference import Instrument

Key = tuple[str, str, str]  # account (book), strategy, symbol


def total_of(realized: float | None, unrealized: float | None) -> float | None:
    """Realised plus unrealised; None if either is not known."""
    return None if realized is None or unrealized is None else realized + unrealized


class Position:
    __slots__ = ("qty", "avg_px", "realized")

    def __init__(self, qty: float, avg_px: float, realized: float) -> None:
        self.qty, self.avg_px, self.realized = qty, avg_px, realized


class PnlBook:
    def __init__(self, instruments: Mapping[str, Instrument], base_currency: str = "USD") -> None:
        self.instruments, self.base = instruments, base_currency
        self.board = QuoteBoard()
        self.positions: dict[Key, Position] = {}
        self._conversions: dict[str, Conversion] = {}
        self._holders: dict[str, set[Key]] = {}
        """symbol -> the positions whose P&L it moves (in it, or priced in a currency it converts)."""

    # ---- input -------------------------------------------------------------------------
    def set_position(self, row: Mapping[str, Any]) -> Key:
        """A position as the OMS has it (account, strategy, symbol, qty, avg_px, realized_pnl, dividends)."""
        key = (row["account"], row["strategy"], row["symbol"])
        self.positions[key] = Position(float(row["qty"]), float(row["avg_px"]),
                                       float(row["realized_pnl"]) + float(row.get("dividends") or 0))
        symbol = key[2]
        self._holders.setdefault(symbol, set()).add(key)
        conversion = self._conversion(symbol)
        if conversion.symbol is not None:
            self._holders.setdefault(conversion.symbol, set()).add(key)
        return key

    def reset(self, rows: list[Mapping[str, Any]]) -> None:
        self.positions.clear()
        self._holders.clear()
        for row in rows:
            self.set_position(row)

    def quote(self, symbol: str, bid: float | None, ask: float | None, ts_ns: int) -> set[Key]:
        """A new quote: the positions whose P&L it moves."""
        self.board.set(symbol, bid, ask, ts_ns)
        return self._holders.get(symbol, set())

    # ---- figures -------------------------------------------------------------------------
    def pnl(self, key: Key) -> tuple[float | None, float | None]:
        """(realised, unrealised) of one position in the base currency; None where a price is missing."""
        p = self.positions[key]
        rate = self._rate(key[2])
        if rate is None:
            return None, None
        if not p.qty:
            return p.realized * rate, 0.0
        quote = self.board.quote(key[2])
        px = mid(quote) if quote is not None else None
        return p.realized * rate, None if px is None else p.qty * (px - p.avg_px) * rate

    def totals(self, *, strategy: str | None = None, book: str | None = None) -> tuple[float | None, float | None]:
        """(realised, unrealised) summed over a strategy's or a book's positions (both None: the firm's)."""
        realized = unrealized = 0.0
        for key in self.positions:
            if (strategy is not None and key[1] != strategy) or (book is not None and key[0] != book):
                continue
            r, u = self.pnl(key)
            realized = None if r is None or realized is None else realized + r
            unrealized = None if u is None or unrealized is None else unrealized + u
        return realized, unrealized

    def total(self, strategy: str) -> float | None:
        return total_of(*self.totals(strategy=strategy))

    def values(self, book: str) -> dict[str, float] | None:
        """{symbol: signed position value in the base currency} of a book; None if one is not priced."""
        out: dict[str, float] = {}
        for (account, _, symbol), p in self.positions.items():
            if account != book or not p.qty:
                continue
            quote = self.board.quote(symbol)
            px, rate = (mid(quote) if quote is not None else None), self._rate(symbol)
            if px is None or rate is None:
                return None
            out[symbol] = out.get(symbol, 0.0) + p.qty * px * rate
        return out

    def strategies(self) -> dict[str, str]:
        """strategy -> its book (the account of its latest position)."""
        return {strategy: account for account, strategy, _ in self.positions}

    def books(self) -> set[str]:
        return {account for account, _, _ in self.positions}

    def _conversion(self, symbol: str) -> Conversion:
        instrument = self.instruments.get(symbol)
        currency = instrument.currency if instrument is not None else self.base
        found = self._conversions.get(currency)
        if found is None:
            found = self._conversions[currency] = Conversion(currency, self.base, self.instruments)
        return found

    def _rate(self, symbol: str) -> float | None:
        return self._conversion(symbol).rate(self.board)[0]
