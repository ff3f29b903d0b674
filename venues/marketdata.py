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

A venue can publish on two lines, A/B as real exchanges do: the primary on
one endpoint and a backup on another, carrying byte-identical messages (the
same seq and ts_ns), so a subscriber can fail over from one to the other and
carry on from the seq it had reached.
"""
from __future__ import annotations

import struct
from typing import NamedTuple

import zmq

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
    if len(frames) != 2:
        raise ValueError(f"expected 2 frames, got {len(frames)}")
    topic, payload = frames
    kind, symbol = topic[:1], topic[1:].decode("ascii", errors="replace")
    if kind == b"Q" and len(payload) == QUOTE.size:
        return _make(Quote, (symbol, *QUOTE.unpack(payload)))
    if kind == b"T" and len(payload) == TRADE.size:
        return _make(Trade, (symbol, *TRADE.unpack(payload)))
    raise ValueError(f"topic {topic[:16]!r} with a {len(payload)}-byte payload is neither a quote nor a trade")


LINES = ("primary", "backup")


class Publisher:
    """Numbers and publishes quotes and trades per symbol, on a primary line and optionally a backup."""

    def __init__(self, endpoint: str, context: zmq.Context | None = None, hwm: int = 100_000, *,
                 backup_endpoint: str | None = None) -> None:
        context = context or zmq.Context.instance()
        self._lines = {"primary": _bind(context, endpoint, hwm)}
        if backup_endpoint is not None:
            try:
                self._lines["backup"] = _bind(context, backup_endpoint, hwm)
            except zmq.ZMQError:
                self.close()  # the primary is bound already: free its port for the next try
                raise
        self.endpoint = _bound(self._lines["primary"])
        self.backup_endpoint = _bound(self._lines["backup"]) if "backup" in self._lines else None
        self._seq: dict[str, int] = {}
        self._silenced: set[str] = set()
        self.skip_next = 0
        """Fault injection: numbers to skip before the next message (a sequence gap)."""
        self.silent = False
        """Fault injection: publish nothing, on any line."""

    def silence(self, line: str, on: bool = True) -> None:
        """Fault injection: stop (or resume) sending on one line. The numbering goes on, so the other
        line carries what this one misses and a subscriber of this line sees a gap when it resumes."""
        if line not in self._lines:
            raise ValueError(f"no {line!r} market-data line (this publisher has {', '.join(self._lines)})")
        if on:
            self._silenced.add(line)
        else:
            self._silenced.discard(line)

    @property
    def silenced(self) -> frozenset[str]:
        """The lines silenced one by one (`silent` is apart: it silences all)."""
        return frozenset(self._silenced)

    def _next(self, symbol: str) -> int:
        seq = self._seq.get(symbol, 0) + 1 + self.skip_next
        self.skip_next = 0
        self._seq[symbol] = seq
        return seq

    def _send(self, item: Quote | Trade) -> None:
        frames = encode(item)  # once: every line carries the very same bytes
        for line, socket in self._lines.items():  # primary first
            if line not in self._silenced:
                socket.send_multipart(frames)  # small: zero-copy would cost more than the copy

    def quote(self, symbol: str, ts_ns: int, bid_px: float, bid_qty: float, ask_px: float, ask_qty: float) -> None:
        if not self.silent:
            self._send(Quote(symbol, self._next(symbol), ts_ns, bid_px, bid_qty, ask_px, ask_qty))

    def trade(self, symbol: str, ts_ns: int, px: float, qty: float, aggressor: int) -> None:
        if not self.silent:
            self._send(Trade(symbol, self._next(symbol), ts_ns, px, qty, aggressor))

    def close(self) -> None:
        for socket in self._lines.values():
            socket.close(linger=0)


def _bind(context: zmq.Context, endpoint: str, hwm: int) -> zmq.Socket:
    socket = context.socket(zmq.PUB)
    socket.setsockopt(zmq.SNDHWM, hwm)
    socket.setsockopt(zmq.LINGER, 0)
    try:
        socket.bind(endpoint)
    except zmq.ZMQError:
        socket.close(linger=0)
        raise
    return socket


def _bound(socket: zmq.Socket) -> str:
    """The endpoint as bound: a wildcard port (tcp://127.0.0.1:*) resolved to the one the OS chose."""
    return socket.getsockopt_string(zmq.LAST_ENDPOINT)
