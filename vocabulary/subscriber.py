"""Reading a feed: what strategies and risk monitors use to take its messages (not imported by
`vocabulary` itself: it needs ZeroMQ and numpy).

A feed publishes on ZeroMQ PUB and never waits for anyone. A subscriber that
falls behind must not work through an ever-growing backlog of old prices, so
`latest()` drains everything waiting and keeps only the newest quote per
symbol (conflation, counted); trades are events, not state, and are all kept.
What ZeroMQ itself dropped past its high-water mark shows as a sequence gap,
also counted.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import zmq

from vocabulary.market_batch import BATCH_PREFIX, QUOTES
from vocabulary.market_data import Quote, Trade, decode, traceparent_of


@dataclass
class Update:
    quotes: dict[str, Quote] = field(default_factory=dict)
    """The newest quote per symbol."""
    trades: list[Trade] = field(default_factory=list)
    """Every trade, oldest first."""
    contexts: dict[str, str] = field(default_factory=dict)
    """The traceparent the newest quote per symbol came with (where the feed published it), if any."""

    def __bool__(self) -> bool:
        return bool(self.quotes or self.trades)


def _context(update: Update, symbol: str, frames: list[bytes]) -> None:
    context = traceparent_of(frames)
    if context is not None:
        update.contexts[symbol] = context
    else:
        update.contexts.pop(symbol, None)


class FeedSubscriber:
    def __init__(self, endpoint: str, symbols: list[str] | None = None, hwm: int = 100_000) -> None:
        self._ctx = zmq.Context()
        self._sock = self._ctx.socket(zmq.SUB)
        self._sock.setsockopt(zmq.LINGER, 0)
        self._sock.setsockopt(zmq.RCVHWM, hwm)
        for symbol in symbols or [""]:
            for kind in (b"Q", b"T", BATCH_PREFIX):
                self._sock.setsockopt(zmq.SUBSCRIBE, kind + symbol.encode())
        self._sock.connect(endpoint)
        self._last_seq: dict[str, int] = {}
        self.received = 0
        self.conflated = 0
        """Quotes replaced by a newer one of the same symbol before they were taken."""
        self.missed = 0
        """Sequence numbers never received (the feed's gaps, and what ZeroMQ dropped for a slow reader)."""

    @property
    def fd(self) -> int:
        """Edge-triggered: after it wakes you, call `latest()` (which reads until empty)."""
        return self._sock.getsockopt(zmq.FD)

    def wait(self, timeout_s: float) -> bool:
        return bool(self._sock.poll(int(timeout_s * 1000), zmq.POLLIN))

    def latest(self, limit: int = 1_000_000) -> Update:
        update = Update()
        for _ in range(limit):
            try:
                frames = self._sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                break
            if frames[0][:1] == BATCH_PREFIX:  # many quotes of one symbol: only the newest is kept
                records = np.frombuffer(frames[1], dtype=QUOTES)
                symbol = frames[0][1:].decode()
                self._count(symbol, int(records["seq"][0]), int(records["seq"][-1]), len(records))
                self.conflated += len(records) - 1 + (symbol in update.quotes)
                update.quotes[symbol] = Quote(symbol, *records[-1].tolist())
                _context(update, symbol, frames)
                continue
            msg = decode(frames)
            self._count(msg.symbol, msg.seq, msg.seq, 1)
            if isinstance(msg, Trade):
                update.trades.append(msg)
            else:
                self.conflated += msg.symbol in update.quotes
                update.quotes[msg.symbol] = msg
                _context(update, msg.symbol, frames)
        return update

    def _count(self, symbol: str, first: int, last: int, n: int) -> None:
        self.received += n
        before = self._last_seq.get(symbol)
        if before is not None and first > before + 1:
            self.missed += first - before - 1
        self._last_seq[symbol] = last

    def close(self) -> None:
        self._sock.close(0)
        self._ctx.term()

    def __enter__(self) -> "FeedSubscriber":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
