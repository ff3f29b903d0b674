"""Replay recorded market data onto a ZeroMQ socket: at recorded speed, N x, or as fast as possible.

Pacing is plain logic on an injected clock (`Pacer`); `ReplayPublisher` is the thin
shell that sleeps and sends on a background thread.

    python -m actors.feed.replay FILE --endpoint tcp://127.0.0.1:PORT [--speed N | --max]
                                      [--symbol SYM] [--lossless] [--wait-for-subscriber]

Slow joiners: a PUB socket drops whatever it sends before a subscriber's subscription
has reached it, and connect() returning does not mean it has. Three ways to lose nothing
at the start, simplest first:
  - lossless=True: a PUSH socket (the consumer connects a PULL). Sends wait for a
    consumer and a slow consumer slows the replay down instead of losing messages.
  - wait_for_subscriber=True: an XPUB socket (a PUB that also hears subscriptions); the
    replay starts when the first subscription arrives.
  - hold=True: the replay waits until the caller calls release(), e.g. after its
    subscriber has received a probe or after its own deadline.
Past the start a PUB still drops past its high-water mark (`hwm`) when a subscriber is
slower than the replay; the wire format's sequence numbers show the loss.
"""
from __future__ import annotations

import argparse
import logging
import math
import signal
import sys
import threading
from collections.abc import Iterable, Sized

import zmq

from actors.feed.recording import Frame, open_source_file
from vigil.clock import Clock, LiveClock

log = logging.getLogger("vigil.feed.replay")

_SEND_POLL_MS = 50
"""How often a send blocked by back-pressure looks at stop()."""
_MAX_WAIT_S = 0.2
"""Longest single sleep while pacing, so a simulated clock moved by another thread is noticed."""


def check_speed(speed: float | None) -> float | None:
    """The speed as a multiple of recorded speed, or None for as fast as possible (None or 0)."""
    if speed is None or speed == 0:
        return None
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not math.isfinite(speed) or speed < 0:
        raise ValueError(f"replay speed must be a finite number >= 0 (0 = as fast as possible), got {speed!r}")
    return float(speed)


class Pacer:
    """When each frame is due, relative to the first frame's timestamp and the replay's start.

    `anchor(ts_ns)` marks the start: the frame stamped ts_ns is due now. A frame stamped
    t is then due at start + (t - first_ts) / speed on the clock's monotonic time. A replay
    that falls behind (a slow consumer) sends late frames at once and catches up to the
    recorded timeline; frames stamped before the first one are due at once too. A frame with
    no time (stamp 0: a CSV line that does not parse, such as a header) is due at once and
    anchors nothing, or the first real stamp would be due decades after it.
    """

    def __init__(self, speed: float | None, clock: Clock) -> None:
        self.speed = check_speed(speed)
        self.clock = clock
        self._first_ts: int | None = None
        self._start = 0.0

    @property
    def anchored(self) -> bool:
        return self._first_ts is not None

    def anchor(self, ts_ns: int) -> None:
        if ts_ns:
            self._first_ts, self._start = ts_ns, self.clock.monotonic()

    def due_s(self, ts_ns: int) -> float:
        """Seconds after the start at which a frame stamped ts_ns is due (anchors on first use)."""
        if self._first_ts is None:
            self.anchor(ts_ns)
        if self.speed is None or self._first_ts is None:
            return 0.0
        return max(0.0, (ts_ns - self._first_ts) / 1e9 / self.speed)

    def wait_s(self, ts_ns: int) -> float:
        """Seconds from now until a frame stamped ts_ns is due; 0 when it is due already."""
        due = self.due_s(ts_ns)
        return max(0.0, self._start + due - self.clock.monotonic())

    def position_ns(self) -> int | None:
        """The recorded time the replay has reached by now: the first frame's stamp plus the time
        since the start times the speed. None before the anchor, and as fast as possible (there the
        frames themselves are the only clock)."""
        if self._first_ts is None or self.speed is None:
            return None
        return self._first_ts + round((self.clock.monotonic() - self._start) * self.speed * 1e9)


class ReplayPublisher:
    """Publishes frames as 2-frame ZeroMQ messages on a socket bound at `endpoint`, paced.

    The socket is bound when the publisher is made (so a bad endpoint fails in the caller,
    `endpoint` holds the resolved address, and consumers may connect before start()).
    `start()` runs the replay on a daemon thread. Progress: `sent`, `total` (len(frames) if
    it has one, or the `total` given; None for a stream), `done` (an Event set when the
    replay ends for any reason), `error` (the exception that ended it, if one did),
    `stopped` (True if stop() ended it early).

    At the end the socket is closed with `linger_s` so queued messages still leave; `done`
    is set once they have (or linger_s has passed). stop() discards what is queued.
    See the module docstring for `lossless`, `wait_for_subscriber` and `hold`.
    """

    def __init__(self, frames: Iterable[Frame], endpoint: str, speed: float | None = 1.0,
                 clock: Clock | None = None, lossless: bool = False, *, wait_for_subscriber: bool = False,
                 hold: bool = False, hwm: int = 100_000, linger_s: float = 5.0, total: int | None = None) -> None:
        if lossless and wait_for_subscriber:
            raise ValueError("wait_for_subscriber is for PUB replays; a lossless (PUSH) replay already waits")
        self._pacer = Pacer(speed, clock or LiveClock())
        self.speed = self._pacer.speed
        self._frames = frames
        self.total = total if total is not None else len(frames) if isinstance(frames, Sized) else None
        self.sent = 0
        self.error: BaseException | None = None
        self.stopped = False
        self.done = threading.Event()
        self._stop = threading.Event()
        self._released = threading.Event()
        if not hold:
            self._released.set()
        self._wait_for_subscriber = wait_for_subscriber
        self._linger_ms = round(linger_s * 1000)
        self._context = zmq.Context()
        kind = zmq.PUSH if lossless else zmq.XPUB if wait_for_subscriber else zmq.PUB
        self._socket = self._context.socket(kind)
        try:
            self._socket.setsockopt(zmq.SNDHWM, hwm)
            if wait_for_subscriber:
                self._socket.setsockopt(zmq.XPUB_VERBOSE, 1)
            self._socket.bind(endpoint)
        except zmq.ZMQError as exc:
            self._socket.close(linger=0)
            self._context.term()
            raise ValueError(f"cannot bind replay socket at {endpoint}: {exc}") from None
        self.endpoint = self._socket.getsockopt_string(zmq.LAST_ENDPOINT)
        self._thread = threading.Thread(target=self._run, name=f"replay {self.endpoint}", daemon=True)

    def start(self) -> "ReplayPublisher":
        self._thread.start()
        return self

    def release(self) -> None:
        """Let a replay made with hold=True begin."""
        self._released.set()

    def stop(self) -> None:
        """Ask the replay to end; it does so within about 50 ms, wherever it is waiting."""
        self._stop.set()
        self._released.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the replay to end; True if it has."""
        return self.done.wait(timeout)

    def close(self) -> None:
        """Stop and release the socket (also when never started)."""
        self.stop()
        if self._thread.is_alive():
            self._thread.join()
        elif not self._thread.ident:
            self._finish(linger_ms=0)

    def __enter__(self) -> "ReplayPublisher":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        linger_ms = 0
        try:
            self._released.wait()
            if self._wait_for_subscriber:
                self._await_subscription()
            for frame in self._frames:
                if self._stop.is_set() or not self._pace(frame) or not self._send(frame):
                    break
                self.sent += 1
            linger_ms = self._linger_ms
        except BaseException as exc:  # kept for the owner to read: a replay thread never dies silently
            self.error = exc
            log.exception("replay to %s failed after %d frame(s)", self.endpoint, self.sent)
        finally:
            self.stopped = self._stop.is_set()
            self._finish(0 if self.stopped else linger_ms)

    def _finish(self, linger_ms: int) -> None:
        if not self._socket.closed:
            self._socket.close(linger=linger_ms)
            self._context.term()  # returns once queued messages have left or the linger has passed
        self.done.set()

    def _await_subscription(self) -> None:
        while not self._stop.is_set():
            if self._socket.poll(_SEND_POLL_MS, zmq.POLLIN) and self._socket.recv()[:1] == b"\x01":
                return

    def _pace(self, frame: Frame) -> bool:
        """Sleep until the frame is due; False if stopped meanwhile."""
        if not self._pacer.anchored:
            return True  # the first frame is anchored once it has actually left (a PUSH may wait for a peer)
        while (wait := self._pacer.wait_s(frame.ts_ns)) > 0:
            if self._stop.wait(min(wait, _MAX_WAIT_S)):
                return False
        return True

    def _send(self, frame: Frame) -> bool:
        """Send without blocking past a stop(); False if stopped before it left."""
        while True:
            try:
                self._socket.send_multipart(frame.parts, flags=zmq.NOBLOCK)
            except zmq.Again:
                if self._stop.is_set():
                    return False
                self._socket.poll(_SEND_POLL_MS, zmq.POLLOUT)
                continue
            if not self._pacer.anchored:
                self._pacer.anchor(frame.ts_ns)
            return True


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not usage + error
        self.exit(2, f"replay: error: {message}\n")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = _Parser(prog="python -m actors.feed.replay",
                     description="Replay a Vigil recording or a HistData quote CSV onto ZeroMQ.")
    parser.add_argument("file", help="a Vigil recording, or a .csv of HistData quotes (needs --symbol)")
    parser.add_argument("--endpoint", required=True, help="where to bind, e.g. tcp://127.0.0.1:5601")
    pace = parser.add_mutually_exclusive_group()
    pace.add_argument("--speed", type=float, default=1.0, help="N x recorded speed (default 1; 0 = --max)")
    pace.add_argument("--max", action="store_true", help="as fast as possible")
    parser.add_argument("--symbol", help="the symbol of a CSV file's quotes")
    parser.add_argument("--lossless", action="store_true",
                        help="bind a PUSH socket (consumers connect PULL): back-pressure instead of loss")
    parser.add_argument("--wait-for-subscriber", action="store_true",
                        help="PUB only: start when the first subscription arrives")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="replay: %(message)s")
    try:
        speed = None if args.max else check_speed(args.speed)
        total = _count(args.file, args.symbol)
        publisher = ReplayPublisher(open_source_file(args.file, args.symbol), args.endpoint, speed,
                                    lossless=args.lossless, wait_for_subscriber=args.wait_for_subscriber,
                                    total=total)
    except FileNotFoundError:
        return _fail(f"no such file: {args.file}")
    except (OSError, ValueError) as exc:
        return _fail(str(exc))
    signals: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        signals.append(signum)
        publisher.stop()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        pace = "max speed" if speed is None else f"{speed:g}x"
        print(f"replay: {total} frame(s) from {args.file} to {publisher.endpoint} at {pace}", file=sys.stderr)
        publisher.start()
        while not publisher.join(1.0):
            print(f"replay: sent {publisher.sent}/{total}", file=sys.stderr)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print(f"replay: sent {publisher.sent}/{total}{' (stopped)' if publisher.stopped else ''}", file=sys.stderr)
    if publisher.error is not None:
        print(f"replay: failed: {publisher.error}", file=sys.stderr)
        return 1
    return 128 + signals[0] if signals else 0


def _count(path: str, symbol: str | None) -> int:
    """A first pass over the file, so progress can say sent/total; its warnings come on the real pass."""
    frames = open_source_file(path, symbol)
    logging.disable(logging.WARNING)
    try:
        return sum(1 for _ in frames)
    finally:
        logging.disable(logging.NOTSET)


def _fail(message: str) -> int:
    print(f"replay: error: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
