"""Mean reversion: buy when the mid falls a few basis points below its recent mean, sell when it rises above.

One order at a time per symbol, an immediate-or-cancel limit at the far touch (it takes what is there,
or nothing), and a position cap either way.
"""
from __future__ import annotations

from collections import deque
from decimal import Decimal
from typing import Annotated

from msgspec import Meta

from strategies.api import Context, OrderUpdate, Quote, Strategy
from vigil.config import Config, Positive, PositiveInt


class MeanReversion(Strategy):
    class Params(Config):
        window: Annotated[int, Meta(ge=2)] = 50
        """Quotes in the rolling mean of the mid."""
        entry_bps: Positive = 1.0
        """How far from the mean (basis points) the mid must be to trade."""
        qty: PositiveInt = 1000
        max_position: PositiveInt = 5000
        """Never long or short more than this."""

    def on_start(self, ctx: Context) -> None:
        self.ctx = ctx
        self.mids = {symbol: deque(maxlen=self.params.window) for symbol in ctx.symbols}
        self.working: dict[str, str] = {}  # symbol -> the order in flight

    def on_quote(self, q: Quote) -> None:
        if not (q.bid_px > 0 and q.ask_px > 0):
            return
        mids = self.mids[q.symbol]
        mid = (q.bid_px + q.ask_px) / 2
        mids.append(mid)
        if len(mids) < mids.maxlen or q.symbol in self.working:
            return
        mean = sum(mids) / len(mids)
        deviation_bps = (mid - mean) / mean * 10_000
        p, position = self.params, self.ctx.position(q.symbol)
        if deviation_bps <= -p.entry_bps and position + p.qty <= p.max_position:
            self.working[q.symbol] = self.ctx.submit(q.symbol, "buy", p.qty, Decimal(str(q.ask_px)), tif="IOC")
        elif deviation_bps >= p.entry_bps and position - p.qty >= -p.max_position:
            self.working[q.symbol] = self.ctx.submit(q.symbol, "sell", p.qty, Decimal(str(q.bid_px)), tif="IOC")

    def on_order(self, update: OrderUpdate) -> None:
        # An operator's order in its book (a flatten's) has no client id of the strategy's: not the one in flight
        if not update.is_open and update.client_id and self.working.get(update.symbol) == update.client_id:
            del self.working[update.symbol]
