"""What the gateway needs of the market: the latest quote per symbol. The OMS implements `MarketView`
(from the feed it subscribes to); `QuoteBoard` is the plain in-memory one, for tests and replays.

The gateway reads quotes, it never waits for them: a missing or stale quote is a denial (fail closed),
not a pause.
"""
from __future__ import annotations

from typing import Protocol

Quote = tuple[float | None, float | None, int]
"""(bid, ask, ts_ns): a side with no price is None (or <= 0); ts_ns the quote's stamp, ns since the epoch
on the same clock as the gateway's."""


class MarketView(Protocol):
    def quote(self, symbol: str) -> Quote | None:
        """The latest quote of `symbol`, or None if there has been none."""


class QuoteBoard:
    """A MarketView from quotes given to it."""

    def __init__(self) -> None:
        self._quotes: dict[str, Quote] = {}

    def set(self, symbol: str, bid: float | None, ask: float | None, ts_ns: int) -> None:
        self._quotes[symbol] = (bid, ask, ts_ns)

    def clear(self, symbol: str) -> None:
        self._quotes.pop(symbol, None)

    def quote(self, symbol: str) -> Quote | None:
        return self._quotes.get(symbol)


def mid(quote: Quote) -> float | None:
    """The mid of a two-sided quote, else the one side there is, else None."""
    bid, ask, _ = quote
    bid = bid if bid is not None and bid > 0 else None
    ask = ask if ask is not None and ask > 0 else None
    if bid is not None and ask is not None:
        return (bid + ask) / 2
    return bid if bid is not None else ask


class Conversion:
    """How a price in `currency` becomes the base currency: 1, or the mid of a pair (inverted for
    BASE+CCY)."""

    __slots__ = ("currency", "symbol", "inverted")

    def __init__(self, currency: str, base: str, symbols: object) -> None:
        self.currency = currency
        if currency == base:
            self.symbol, self.inverted = None, False
        elif currency + base in symbols:  # type: ignore[operator]
            self.symbol, self.inverted = currency + base, False
        elif base + currency in symbols:  # type: ignore[operator]
            self.symbol, self.inverted = base + currency, True
        else:
            self.symbol, self.inverted = currency + base, False  # unknown: no quote will come, fail closed

    def rate(self, market: MarketView) -> tuple[float | None, int | None]:
        """(rate, stamp of the quote it came from): (1.0, None) for the base currency, (None, None) with no quote."""
        if self.symbol is None:
            return 1.0, None
        quote = market.quote(self.symbol)
        if quote is None:
            return None, None
        m = mid(quote)
        if m is None:
            return None, None
        return (1.0 / m if self.inverted else m), quote[2]
