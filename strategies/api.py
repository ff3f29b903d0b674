"""What a strategy is written against: plain Python, no Thespian, Redis or ZeroMQ.

A strategy subclasses `Strategy` and overrides what it needs; its host (actors/strategy: one process
live, or the in-process runner on a simulated clock for replays and backtests) calls it and gives it a
`Context`. The same class runs in both, unchanged.

    class MyStrategy(Strategy):
        class Params(Config):              # its `params:` in topology.yaml, checked by `vigil check`
            qty: PositiveInt = 1000

        def on_start(self, ctx):  ...      # ctx.submit/cancel/replace, ctx.position, ctx.clock, ...
        def on_quote(self, q):  ...        # vocabulary.market_data.Quote: symbol, seq, ts_ns, bid_px ...
        def on_trade(self, t):  ...
        def on_order(self, update):  ...   # vocabulary.orders.OrderUpdate: acks, fills, cancels, rejects
        def on_timer(self, name):  ...     # ctx.set_timer(name, every=seconds)
        def on_stop(self):  ...
        def snapshot(self) / restore(state)   # optional: state that must survive a restart

Orders are named by the strategy's own ids (what `ctx.submit` returns): the host logs each before it
sends it, so a strategy restarted mid-order never sends one twice. A strategy never reads the wall
clock: `ctx.clock` is the host's (a simulated one in replays). An exception in strategy code restarts
its host under its supervisor; a strategy that keeps raising is halted, with an alert.
"""
from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any, Protocol

from vigil.clock import Clock
from vigil.config import Config
from vocabulary.market_data import Quote, Trade
from vocabulary.orders import OrderUpdate

__all__ = ["Context", "NoParams", "OrderUpdate", "Quote", "Strategy", "Trade"]


class NoParams(Config):
    """A strategy without parameters."""


class Context(Protocol):
    name: str
    """The strategy's id in the topology (its orders' `strategy`)."""
    book: str
    """The book (account) its orders and positions are in."""
    symbols: tuple[str, ...]
    clock: Clock
    log: logging.Logger

    def submit(self, symbol: str, side: str, qty: Decimal | int | str, price: Decimal | str | None = None, *,
               ord_type: str = "limit", tif: str = "DAY") -> str:
        """Send a new order ("buy"/"sell") in one of the strategy's symbols; returns its id. A price is taken
        to the instrument's tick (a quote's float as it is will do). What becomes of it arrives in on_order."""

    def cancel(self, order_id: str) -> None:
        """Cancel an order (one not acknowledged yet is cancelled as soon as the OMS tells of it)."""

    def replace(self, order_id: str, qty: Decimal | int | str | None = None,
                price: Decimal | str | None = None) -> None:
        """New quantity and/or price; KeyError for an order the OMS has not told of yet."""

    def position(self, symbol: str) -> Decimal:
        """Signed quantity held in the book (+ long), fills up to the last update included."""

    def open_orders(self) -> list[OrderUpdate]:
        """The strategy's orders still working (or not yet answered), as last updated."""

    def quote(self, symbol: str) -> Quote | None:
        """The latest quote of a symbol."""

    def set_timer(self, name: str, every: float) -> None:
        """on_timer(name) every `every` seconds of the clock, from now on."""


class Strategy:
    Params: type[Config] = NoParams

    def __init__(self, params: Config) -> None:
        self.params = params

    def on_start(self, ctx: Context) -> None:
        pass

    def on_quote(self, quote: Quote) -> None:
        pass

    def on_trade(self, trade: Trade) -> None:
        pass

    def on_order(self, update: OrderUpdate) -> None:
        pass

    def on_timer(self, name: str) -> None:
        pass

    def on_stop(self) -> None:
        pass

    def snapshot(self) -> Any:
        """State to keep across a restart (JSON-compatible), or None."""
        return None

    def restore(self, state: Any) -> None:
        pass
