"""FeedSubscriber on a real ZeroMQ PUB (tcp on 127.0.0.1, a free port): a reader that comes late gets
the newest quote per symbol and every trade, counts what it conflated, and counts sequence gaps.

The PUB/SUB slow joiner: a SUB that has just connected misses what is published before its
subscription reaches the publisher, so every test first publishes probes until the subscriber has
seen one (with a deadline), and judges only what comes after.

"Reads late" has to mean that everything was waiting in the subscriber's queue when it read. TCP
gives no way to see that without reading, so a second SUB (the witness) connected to the same PUB
is read first until the batch's last message; the batch is repeated (a bounded number of times)
in the rare case the subscriber's own queue was still filling when it read.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

import pytest
import zmq

from vigil.procs import free_port
from vocabulary.market_data import Quote, Trade, decode, encode
from vocabulary.subscriber import FeedSubscriber, Update

DEADLINE_S = 10.0
PROBE, END = "PROBE", "END"


class Wire:
    """A raw PUB that numbers messages per symbol (quotes and trades together), as a venue does."""

    def __init__(self, context: zmq.Context) -> None:
        self.socket = context.socket(zmq.PUB)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.SNDHWM, 100_000)
        for attempt in range(20):  # a free port can be taken before we bind it
            self.endpoint = f"tcp://127.0.0.1:{free_port()}"
            try:
                self.socket.bind(self.endpoint)
                break
            except zmq.ZMQError:
                if attempt == 19:
                    raise
        self.seq: dict[str, int] = {}

    def _next(self, symbol: str, skip: int) -> int:
        self.seq[symbol] = self.seq.get(symbol, 0) + 1 + skip
        return self.seq[symbol]

    def quote(self, symbol: str, bid: float = 1.1, ask: float = 1.10002, skip: int = 0) -> Quote:
        seq = self._next(symbol, skip)
        msg = Quote(symbol, seq, seq, bid, 1e6, ask, 1e6)
        self.socket.send_multipart(encode(msg))
        return msg

    def trade(self, symbol: str, px: float = 1.10001, skip: int = 0) -> Trade:
        seq = self._next(symbol, skip)
        msg = Trade(symbol, seq, seq, px, 5e5, 1)
        self.socket.send_multipart(encode(msg))
        return msg


@contextmanager
def bus(symbols: list[str] | None = None) -> Iterator[tuple[Wire, FeedSubscriber, zmq.Socket]]:
    """A PUB, a FeedSubscriber and a witness SUB, joined (each has seen a probe)."""
    context = zmq.Context()
    wire = witness = sub = None
    try:
        wire = Wire(context)
        witness = context.socket(zmq.SUB)
        witness.setsockopt(zmq.LINGER, 0)
        witness.setsockopt(zmq.RCVHWM, 100_000)
        witness.setsockopt(zmq.SUBSCRIBE, b"")
        witness.connect(wire.endpoint)
        sub = FeedSubscriber(wire.endpoint, symbols=symbols)
        _join(wire, sub, witness, probe=(symbols or [PROBE])[0])
        yield wire, sub, witness
    finally:
        if sub is not None:
            sub.close()
        if witness is not None:
            witness.close(0)
        if wire is not None:
            wire.socket.close(0)
        context.term()


def _join(wire: Wire, sub: FeedSubscriber, witness: zmq.Socket, probe: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    sub_joined = witness_joined = False
    while not (sub_joined and witness_joined):
        if time.monotonic() > deadline:
            raise AssertionError(f"subscriber joined: {sub_joined}, witness joined: {witness_joined}")
        wire.quote(probe)
        if sub.wait(0.02):
            sub_joined |= probe in sub.latest().quotes
        while witness.poll(0 if witness_joined else 20, zmq.POLLIN):
            witness.recv_multipart()
            witness_joined = True
    # a fence: once it is read, no probe is left in flight to either reader
    fence = wire.trade(probe)
    _drain_until(sub, probe, fence.seq, deadline)
    _witness_until(witness, probe, fence.seq, deadline)


def _witness_until(witness: zmq.Socket, symbol: str, seq: int, deadline: float) -> None:
    """Read the witness until it has the message `symbol`/`seq`."""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"the witness never got {symbol} seq {seq}")
        if witness.poll(int(remaining * 1000) + 1, zmq.POLLIN):
            msg = decode(witness.recv_multipart())
            if msg.symbol == symbol and msg.seq >= seq:
                return


def _drain_until(sub: FeedSubscriber, symbol: str, seq: int, deadline: float) -> list[Update]:
    updates = []
    while not any(t.symbol == symbol and t.seq >= seq for u in updates for t in u.trades):
        if time.monotonic() > deadline:
            raise AssertionError(f"{symbol} seq {seq} never arrived")
        if sub.wait(0.05):
            updates.append(sub.latest())
    return updates


def _counts(sub: FeedSubscriber) -> tuple[int, int, int]:
    return sub.received, sub.conflated, sub.missed


def _late_read(wire: Wire, sub: FeedSubscriber, witness: zmq.Socket, publish) -> tuple[Update, list, tuple]:
    """Publish a batch (ending with an END trade) while the subscriber does not read, then read it in one
    `latest()`. Returns the update, what was published, and the counts the batch added."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        before = _counts(sub)
        sent = publish()
        end = wire.trade(END)
        sent.append(end)
        _witness_until(witness, END, end.seq, deadline)
        update = sub.latest()
        if any(t.symbol == END and t.seq == end.seq for t in update.trades):
            after = _counts(sub)
            return update, sent, tuple(a - b for a, b in zip(after, before))
        _drain_until(sub, END, end.seq, deadline)  # the queue was still filling: once more


def test_late_reader_gets_newest_quote_per_symbol_and_every_trade():
    with bus() as (wire, sub, witness):
        def publish():
            sent = []
            for i in range(60):
                sent.append(wire.quote("EURUSD", bid=round(1.1 + i * 1e-5, 5), ask=round(1.10002 + i * 1e-5, 5)))
                if i % 7 == 0:
                    sent.append(wire.trade("EURUSD", px=round(1.10001 + i * 1e-5, 5)))
                if i % 2 == 0:
                    sent.append(wire.quote("GBPUSD", bid=round(1.27 + i * 1e-5, 5), ask=round(1.27003 + i * 1e-5, 5)))
                if i % 11 == 0:
                    sent.append(wire.trade("ACME", px=100.0 + i / 100))
            return sent

        update, sent, (received, conflated, missed) = _late_read(wire, sub, witness, publish)

    quotes = [m for m in sent if isinstance(m, Quote)]
    trades = [m for m in sent if isinstance(m, Trade)]
    newest = {}
    for q in quotes:
        newest[q.symbol] = q
    assert update.quotes == newest
    assert update.quotes["EURUSD"].seq == wire.seq["EURUSD"]  # the last EURUSD message was a quote
    assert update.trades == trades  # every trade, in order
    assert bool(update)
    assert received == len(sent)
    assert conflated == len(quotes) - len(newest)  # every quote but the newest of each symbol
    assert missed == 0


def test_quotes_read_one_at_a_time_are_not_conflated():
    with bus() as (wire, sub, witness):
        base = _counts(sub)
        deadline = time.monotonic() + DEADLINE_S
        for i in range(5):
            q = wire.quote("EURUSD", bid=round(1.1 + i * 1e-5, 5))
            got = Update()
            while not got.quotes:
                assert time.monotonic() < deadline, "quote never arrived"
                if sub.wait(0.05):
                    got = sub.latest()
            assert got.quotes == {"EURUSD": q}
        received, conflated, missed = (a - b for a, b in zip(_counts(sub), base))
    assert (received, conflated, missed) == (5, 0, 0)


def test_sequence_gaps_count_missed():
    with bus() as (wire, sub, witness):
        base = _counts(sub)
        for _ in range(3):
            wire.quote("EURUSD")                 # 1, 2, 3
        wire.quote("EURUSD", skip=3)             # 7: 4..6 missing
        wire.quote("EURUSD")                     # 8
        wire.trade("EURUSD", skip=2)             # 11: 9..10 missing (trades share the numbering)
        wire.quote("GBPUSD", skip=99)            # 100: the first GBPUSD we see, no gap
        wire.quote("GBPUSD")                     # 101
        wire.quote("GBPUSD", skip=1)             # 103: 102 missing
        end = wire.trade(END)
        updates = _drain_until(sub, END, end.seq, time.monotonic() + DEADLINE_S)
        received, conflated, missed = (a - b for a, b in zip(_counts(sub), base))
    assert missed == 3 + 2 + 1
    assert received == 10
    assert [t.seq for u in updates for t in u.trades if t.symbol == "EURUSD"] == [11]


def test_publisher_restart_is_not_counted_missed():
    with bus() as (wire, sub, witness):
        base_missed = sub.missed
        for _ in range(5):
            wire.quote("EURUSD")
        wire.seq["EURUSD"] = 0  # the venue restarted: numbering from 1 again
        wire.quote("EURUSD")
        wire.quote("EURUSD")
        end = wire.trade(END)
        _drain_until(sub, END, end.seq, time.monotonic() + DEADLINE_S)
        assert sub.missed == base_missed


def test_symbol_filter_gets_only_its_symbols():
    with bus(symbols=["EURUSD"]) as (wire, sub, witness):
        base = _counts(sub)

        sent = [wire.quote("GBPUSD"), wire.quote("EURUSD"), wire.trade("GBPUSD"), wire.trade("EURUSD"),
                wire.quote("EURUSD", bid=1.10001, ask=1.10003)]
        # END is not subscribed here: mark the end of the batch with an EURUSD trade instead
        deadline = time.monotonic() + DEADLINE_S
        last = wire.trade("EURUSD", px=1.2)
        _witness_until(witness, "EURUSD", last.seq, deadline)
        updates = _drain_until(sub, "EURUSD", last.seq, deadline)
        received = sub.received - base[0]
    assert received == 4  # 2 quotes and 2 trades of EURUSD
    assert all(s == "EURUSD" for u in updates for s in u.quotes)
    assert [t.seq for u in updates for t in u.trades] == [sent[3].seq, last.seq]
    assert sub.missed == base[2]


@pytest.mark.parametrize("limit", [1, 3])
def test_latest_limit_reads_at_most_limit_messages(limit):
    with bus() as (wire, sub, witness):
        deadline = time.monotonic() + DEADLINE_S
        sent = [wire.quote("EURUSD") for _ in range(10)]
        end = wire.trade(END)
        _witness_until(witness, END, end.seq, deadline)
        got = Update()
        while not got:
            assert time.monotonic() < deadline
            if sub.wait(0.05):
                got = sub.latest(limit=limit)
        assert got.quotes["EURUSD"].seq <= sent[limit - 1].seq
        _drain_until(sub, END, end.seq, deadline)
