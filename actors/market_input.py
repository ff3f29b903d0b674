"""A component's market data from one feed, live and in one process alike.

Live, the feed's ZeroMQ endpoint (vocabulary.subscriber: the newest quote per symbol, every trade),
found by the feed's advertised `md` field; in one process (no sockets), MarketFrames messages handed
to the component. Either way the component hears each quote and trade through its callbacks.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from vocabulary.market_data import MarketFrames, Quote, Trade, decode, traceparent_of

RETRY = timedelta(milliseconds=200)
SUBSCRIBE = "market-input:subscribe"
"""The wakeup payload of a retry: the component hands it to `on_wakeup` of this input."""


class MarketInput:
    def __init__(self, component: Any, feed: str, symbols: Iterable[str] | None,
                 on_quote: Callable[[Quote], None], on_trade: Callable[[Trade], None] | None = None) -> None:
        """symbols None: every symbol the feed publishes."""
        self.component, self.feed = component, feed
        self.symbols = None if symbols is None else list(symbols)
        self.on_quote, self.on_trade = on_quote, on_trade
        self._subscriber: Any = None
        self.context: str | None = None
        """While a quote is handed over: the traceparent it came with (where the feed published it)."""

    def start(self) -> None:
        """Subscribe (live); a feed that has not advertised its endpoint yet is tried again after RETRY."""
        component = self.component
        if not component.runtime.sockets or self._subscriber is not None:
            return  # in one process, market data comes as MarketFrames
        endpoint = component.runtime.advertised(self.feed, "md")
        if endpoint is None:
            component.wakeup_after(RETRY, SUBSCRIBE)
            return
        from vocabulary.subscriber import FeedSubscriber  # here: ZeroMQ and numpy only where they are used

        self._subscriber = FeedSubscriber(endpoint, self.symbols)

    def on_wakeup(self, payload: Any) -> bool:
        """True if the payload was this input's own (a retry)."""
        if payload != SUBSCRIBE:
            return False
        self.start()
        return True

    def fds(self) -> list[int]:
        return [self._subscriber.fd] if self._subscriber is not None else []

    def ready(self) -> None:
        """The subscriber's socket woke the component: take all that is waiting."""
        update = self._subscriber.latest()
        for symbol, quote in update.quotes.items():
            self.context = update.contexts.get(symbol)
            self.on_quote(quote)
        self.context = None
        if self.on_trade is not None:
            for trade in update.trades:
                self.on_trade(trade)

    def frames(self, msg: MarketFrames) -> None:
        """Market data handed over in one process."""
        wanted = self.symbols
        for frames in msg.messages:
            item = decode(list(frames))
            if wanted is not None and item.symbol not in wanted:
                continue
            if isinstance(item, Quote):
                self.context = traceparent_of(frames)
                self.on_quote(item)
                self.context = None
            elif self.on_trade is not None:
                self.on_trade(item)

    def close(self) -> None:
        if self._subscriber is not None:
            self._subscriber.close()
            self._subscriber = None
