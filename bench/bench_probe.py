"""The strategy tick_to_trade.py runs (imported by its actors from this directory): one order for every
quote, far from the market, so nothing fills and each quote's order can be timed."""
from decimal import Decimal

from strategies.api import Strategy

FAR = Decimal("1.00000")


class Probe(Strategy):
    def on_start(self, ctx):
        self.ctx = ctx

    def on_quote(self, quote):
        self.ctx.submit(quote.symbol, "buy", 1000, FAR)
