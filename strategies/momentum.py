"""Momentum: an EMA cross. Buy when the fast average of the mid crosses above the slow one, sell when it
crosses below; immediate-or-cancel limits at the far touch, a position cap either way."""
from __future__ import annotations

from decimal import Decimal

from strategies.api import Context, OrderUpdate, Quote, Strategy
from vigil.config import Config, PositiveInt


class EmaCross(Strategy):
    class Params(Config):
        fast: PositiveInt = 10
        """Quotes in the fast average (its span)."""
        slow: PositiveInt = 40
        qty: PositiveInt = 1000
        max_position: PositiveInt = 3000

        def __post_init__(self) -> None:
            if self.fast >= self.slow:
                raise ValueError(f"fast: must be below slow ({self.slow}), got {self.fast}")

    def on_start(self, ctx: Context) -> None:
        self.ctx = ctx
        self.averages: dict[str, tuple[float, float, int]] = {}  # symbol -> (fast, slow, quotes seen)
        self.working: dict[str, str] = {}

    def on_quote(self, q: Quote) -> None:
        if not (q.bid_px > 0 and q.ask_px > 0):
            return
        mid, p = (q.bid_px + q.ask_px) / 2, self.params
        fast, slow, seen = self.averages.get(q.symbol, (mid, mid, 0))
        was_above = fast > slow
        fast += (mid - fast) * 2 / (p.fast + 1)
        slow += (mid - slow) * 2 / (p.slow + 1)
        self.averages[q.symbol] = (fast, slow, seen + 1)
        if seen < p.slow or q.symbol in self.working or (fast > slow) == was_above:
            return
        position = self.ctx.position(q.symbol)
        if fast > slow and position + p.qty <= p.max_position:
            self.working[q.symbol] = self.ctx.submit(q.symbol, "buy", p.qty, Decimal(str(q.ask_px)), tif="IOC")
        elif fast < slow and position - p.qty >= -p.max_position:
            self.working[q.symbol] = self.ctx.submit(q.symbol, "sell", p.qty, Decimal(str(q.bid_px)), tif="IOC")

    def on_order(self, update: OrderUpdate) -> None:
        # An operator's order in its book (a flatten's) has no client id of the strategy's: not the one in flight
        if not update.is_open and update.client_id and self.working.get(update.symbol) == update.client_id:
            del self.working[update.symbol]
