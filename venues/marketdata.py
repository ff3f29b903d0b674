"""The venue's market data on ZeroMQ: the wire format, a publisher and a decoder.

Wire format (documented in the README so any publisher can feed Vigil): a
two-frame ZeroMQ PUB message.

    frame 1, topic:   b"Q" or b"T", then the symbol in ASCII  (b"QEURUSD")
    frame 2, payload: little-endian, fixed size
        quote (b"Q"): seq u64, ts_ns i64, bid_px f64, bid_qty f64, ask_px f64, ask_qty f64   (48 bytes)
        trade (b"T"): seq u64, ts_ns i64, px f64, qty f64, aggressor i8 (1 buy, -1 sell, 0 auction)  (33 bytes)

`seq` counts per symbol across quotes and trades together, from 1, so a
subscriber sees every gap and duplicate. A side with no price has px and
qty 0. Subscribing to b"Q" gets every quote; to b"QEURUSD" one symbol's.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

import zmq

QUOTE = struct.Struct("<Qqdddd")
TRADE = struct.Struct("<Qqddb")


@dataclass(frozen=True, slots=True)
class Quote:
    symbol: str
    seq: int
    ts_ns: int
    bid_px: float
    bid_qty: float
    ask_px: float
    ask_qty: float


@dataclass(frozen=True, slots=True)
class Trade:
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


def decode(frames: list[bytes]) -> Quote | Trade:
    """Raises ValueError naming what is wrong with a message that does not parse."""
    if len(frames) != 2:
        raise ValueError(f"expected 2 frames, got {len(frames)}")
    topic, payload = frames
    kind, symbol = topic[:1], topic[1:].decode("ascii", errors="replace")
    if kind == b"Q" and len(payload) == QUOTE.size:
        return Quote(symbol, *QUOTE.unpack(payload))
    if kind == b"T" and len(payload) == TRADE.size:
        return Trade(symbol, *TRADE.unpack(payload))
    raise ValueError(f"topic {topic[:16]!r} with a {len(payload)}-byte payload is neither a quote nor a trade")


class Publisher:
    """Numbers and publishes quotes and trades per symbol."""

    def __init__(self, endpoint: str, context: zmq.Context | None = None, hwm: int = 100_000) -> None:
        self._socket = (context or zmq.Context.instance()).socket(zmq.PUB)
        self._socket.setsockopt(zmq.SNDHWM, hwm)
        self._socket.setsockopt(zmq.LINGER, 0)
        self._socket.bind(endpoint)
        self.endpoint = self._socket.getsockopt_string(zmq.LAST_ENDPOINT)
        self._seq: dict[str, int] = {}
        self.skip_next = 0
        """Fault injection: numbers to skip before the next message (a sequence gap)."""
        self.silent = False
        """Fault injection: publish nothing."""

    def _next(self, symbol: str) -> int:
        seq = self._seq.get(symbol, 0) + 1 + self.skip_next
        self.skip_next = 0
        self._seq[symbol] = seq
        return seq

    def quote(self, symbol: str, ts_ns: int, bid_px: float, bid_qty: float, ask_px: float, ask_qty: float) -> None:
        if not self.silent:
            self._socket.send_multipart(encode(Quote(symbol, self._next(symbol), ts_ns, bid_px, bid_qty,
                                                     ask_px, ask_qty)), copy=False)

    def trade(self, symbol: str, ts_ns: int, px: float, qty: float, aggressor: int) -> None:
        if not self.silent:
            self._socket.send_multipart(encode(Trade(symbol, self._next(symbol), ts_ns, px, qty, aggressor)),
                                        copy=False)

    def close(self) -> None:
        self._socket.close(linger=0)
