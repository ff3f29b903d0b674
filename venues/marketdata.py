"""The venue's market-data publisher: numbers quotes and trades per symbol and sends them on one or two
lines, in the wire format of vocabulary/market_data.py."""
from __future__ import annotations

import zmq

from venues.faults import MdCorruption
from vocabulary.market_data import Quote, Trade, encode

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
        self._numbering()

    def _numbering(self) -> None:
        self._seq: dict[str, int] = {}
        self._silenced: set[str] = set()
        self.skip_next = 0
        """Fault injection: numbers to skip before the next message (a sequence gap)."""
        self.silent = False
        """Fault injection: publish nothing, on any line."""
        self.corruption: MdCorruption | None = None
        """Fault injection (md_corrupt): the next messages go out corrupted, on every line."""

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

    def _send(self, frames: list[bytes]) -> None:
        for line, socket in self._lines.items():  # primary first; encoded once, every line the same bytes
            if line not in self._silenced:
                socket.send_multipart(frames)  # small: zero-copy would cost more than the copy

    def quote(self, symbol: str, ts_ns: int, bid_px: float, bid_qty: float, ask_px: float, ask_qty: float) -> None:
        if self.silent:
            return
        if self.corruption is not None:
            self._corrupt(Quote(symbol, 0, ts_ns, bid_px, bid_qty, ask_px, ask_qty))
        else:
            self._send(encode(Quote(symbol, self._next(symbol), ts_ns, bid_px, bid_qty, ask_px, ask_qty)))

    def trade(self, symbol: str, ts_ns: int, px: float, qty: float, aggressor: int) -> None:
        if self.silent:
            return
        if self.corruption is not None:
            self._corrupt(Trade(symbol, 0, ts_ns, px, qty, aggressor))
        else:
            self._send(encode(Trade(symbol, self._next(symbol), ts_ns, px, qty, aggressor)))

    def _corrupt(self, item: Quote | Trade) -> None:
        """Off the hot path: `item` (numbered 0 so far) goes out as the pending corruption makes it."""
        corruption = self.corruption
        if corruption.numbered:
            item = item._replace(seq=self._next(item.symbol))
        self._send(corruption.corrupt(item))
        if not corruption.left:
            self.corruption = None

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


class RecordingPublisher(Publisher):
    """Market data kept in memory, in order, instead of sent (the in-process runner opens no socket):
    `sent` holds each message's frames and the lines it went out on."""

    def __init__(self, config=None) -> None:  # a VenueConfig: only whether it has a backup line matters
        self._lines = {"primary": None}
        if config is not None and config.md_backup_endpoint is not None:
            self._lines["backup"] = None
        self.endpoint, self.backup_endpoint = "memory://primary", "memory://backup" if "backup" in self._lines else None
        self._numbering()
        self.sent: list[tuple[list[bytes], tuple[str, ...]]] = []

    def _send(self, frames: list[bytes]) -> None:
        self.sent.append((frames, tuple(line for line in self._lines if line not in self._silenced)))

    def close(self) -> None:
        pass
