"""The market-data wire format on ZeroMQ, what every publisher and subscriber of Vigil speaks.

Documented in the README so any publisher can feed Vigil: a ZeroMQ PUB message of two frames (three
with a trace context).

    frame 1, topic:   b"Q" or b"T", then the symbol in ASCII  (b"QEURUSD")
    frame 2, payload: little-endian, fixed size
        quote (b"Q"): seq u64, ts_ns i64, bid_px f64, bid_qty f64, ask_px f64, ask_qty f64   (48 bytes)
        trade (b"T"): seq u64, ts_ns i64, px f64, qty f64, aggressor i8 (1 buy, -1 sell, 0 auction)  (33 bytes)
    frame 3, optional: the W3C traceparent (55 ASCII bytes) of the publishing span: where the message
        was made, for a consumer's span to link to (a feed sends it when tracing is on; a venue does not)

`seq` counts per symbol across quotes and trades together, from 1, so a
subscriber sees every gap and duplicate. A side with no price has px and
qty 0. Subscribing to b"Q" gets every quote; to b"QEURUSD" one symbol's.

A venue can publish on two lines, A/B as real exchanges do: the primary on
one endpoint and a backup on another, carrying byte-identical messages (the
same seq and ts_ns), so a subscriber can fail over from one to the other and
carry on from the seq it had reached (venues/marketdata.py publishes them).

Quotes and trades are NamedTuples, not Messages: they never travel as objects, only as these
bytes, and a feed decodes every one on its hot path (MarketFrames carries the bytes as a message,
where there is no socket).
"""
from __future__ import annotations

import struct
from typing import NamedTuple

from vigil.wire import Message

QUOTE = struct.Struct("<Qqdddd")
TRADE = struct.Struct("<Qqddb")


# NamedTuples, not frozen dataclasses: as immutable, and built four times faster (a feed decodes
# every message on its hot path; a frozen dataclass's __init__ alone cost it 1.4 us a quote).
class Quote(NamedTuple):
    symbol: str
    seq: int
    ts_ns: int
    bid_px: float
    bid_qty: float
    ask_px: float
    ask_qty: float


class Trade(NamedTuple):
    symbol: str
    seq: int
    ts_ns: int
    px: float
    qty: float
    aggressor: int


def encode(item: Quote | Trade) -> list[bytes]:
    if isinstance(item, Quote):
        return [b"Q" + item.symbol.encode(),
                QUOTE.pack(item.seq, item.ts_ns, item.bid_px, item.bid_qty, item.ask_px, item.ask_qty)]
    return [b"T" + item.symbol.encode(), TRADE.pack(item.seq, item.ts_ns, item.px, item.qty, item.aggressor)]


_make = tuple.__new__  # a NamedTuple from a ready tuple, skipping its keyword-handling __new__


def decode(frames: list[bytes]) -> Quote | Trade:
    """Raises ValueError naming what is wrong with a message that does not parse."""
    if not 2 <= len(frames) <= 3:
        raise ValueError(f"expected 2 frames (3 with a traceparent), got {len(frames)}")
    topic, payload = frames[0], frames[1]
    kind, symbol = topic[:1], topic[1:].decode("ascii", errors="replace")
    if kind == b"Q" and len(payload) == QUOTE.size:
        return _make(Quote, (symbol, *QUOTE.unpack(payload)))
    if kind == b"T" and len(payload) == TRADE.size:
        return _make(Trade, (symbol, *TRADE.unpack(payload)))
    raise ValueError(f"topic {topic[:16]!r} with a {len(payload)}-byte payload is neither a quote nor a trade")


def traceparent_of(frames: list[bytes] | tuple[bytes, ...]) -> str | None:
    """The optional third frame: where the message was published (None: sent without one)."""
    return frames[2].decode("ascii", errors="replace") if len(frames) > 2 else None


class MarketFrames(Message, frozen=True):
    """Market-data messages as a feed publishes them (each its frames), handed over as a message: how a
    runner without sockets (vigil.inprocess, a replay) gives a strategy its market data."""

    messages: tuple[tuple[bytes, ...], ...]
