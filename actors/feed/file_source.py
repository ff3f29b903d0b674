"""A recorded file as a feed's source, judged on the recording's own clock.

    primary: {file: PATH, speed: 1.0 | N | max, symbol: SYM, wait_for_subscriber: true}

`file` is a Vigil recording or a HistData quote CSV, read by actors/feed/recording.py
(a CSV needs `symbol`). `speed` paces the frames: 1.0 at recorded speed, N times
it, or "max" as fast as the feed validates. The feed publishes nothing before its
first subscriber has subscribed (`wait_for_subscriber`, default true): a replay
that ran before its strategy subscribed would be lost to it.

The clock every frame is judged on (stale_ts, future_ts, the feed's health) is the
recording's: a frame's own time, which is when the message was received for a
recording, and the quote's stamp for a CSV (it has no receive time, so a CSV row
stamped in the future is not caught as future_ts: it moves the clock). It never
goes backwards, whatever the frames do. So a file replays to the same verdicts at
any speed, on any day. Between frames of a paced replay the clock runs on at the
replay's speed, up to the next frame's time, so a quiet stretch of the recording
is as quiet (stale) as it was.

Plain code on an injected clock (the pacing is replay.py's `Pacer`): no sockets.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from actors.feed.recording import Frame, open_source_file
from actors.feed.replay import Pacer
from vigil.clock import Clock
from vigil.config import Config, NonEmpty, Positive
from vigil.errors import VigilError
from vigil.reference import find_file

WAITING, REPLAYING, FINISHED, FAILED = "waiting", "replaying", "finished", "failed"
PACE_RESOLUTION_S = 0.001
"""Frames due within this are handed out now: a paced replay never asks for a shorter wake-up."""


class FileSourceError(VigilError):
    """A recorded file that cannot be read."""


class FileSourceConfig(Config):
    """A feed's `primary: {file: PATH, ...}`."""

    file: NonEmpty
    """A Vigil recording or a HistData quote .csv; relative: beside the topology."""
    speed: Positive | Literal["max"] = 1.0
    """N x recorded speed, or as fast as possible."""
    symbol: NonEmpty | None = None
    """The symbol of a CSV file's quotes (its rows do not name one)."""
    wait_for_subscriber: bool = True

    def __post_init__(self) -> None:
        is_csv = Path(self.file).suffix.lower() == ".csv"
        if is_csv and self.symbol is None:
            raise ValueError("symbol: a .csv quote file needs the symbol of its quotes (its rows do not name one)")
        if not is_csv and self.symbol is not None:
            raise ValueError("symbol: is for a .csv quote file; a recording names its symbols")

    @property
    def pace(self) -> float | None:
        """N x recorded speed; None: as fast as possible."""
        return None if self.speed == "max" else self.speed

    def describe(self, base: Path | None = None) -> str:
        pace = "as fast as possible" if self.pace is None else f"at {self.pace:g}x"
        return f"file {find_file(self.file, base)} {pace}"


class FileSource:
    """Hands out a file's frames as they come due, each with the recording's time at it.

    `state`: waiting (for `start()`), replaying, finished (the end of the file) or failed
    (the file could not be read on; `error` says why). `read`: frames handed out so far.
    `clock`: the recording's clock, for everything the feed judges by time.
    """

    def __init__(self, config: FileSourceConfig, clock: Clock, where: str = "file", base: Path | None = None) -> None:
        self.config = config
        self.path = find_file(config.file, base)
        try:
            self._frames: Iterator[Frame] = iter(open_source_file(self.path, config.symbol))
        except (OSError, ValueError) as err:
            raise FileSourceError(f"{where}.file: {err}") from None
        self._pacer = Pacer(config.pace, clock)
        self.state = WAITING if config.wait_for_subscriber else REPLAYING
        self.error: str | None = None
        self.read = 0
        self.latest_ns = 0
        """The newest frame time handed out: the recording's clock as the last frame saw it."""
        self._next: Frame | None = None
        self._advance()
        self.clock = RecordedClock(self)

    def start(self) -> None:
        if self.state == WAITING:
            self.state = REPLAYING if self._next is not None else FINISHED

    def due(self, limit: int) -> Iterator[tuple[int, list[bytes]]]:
        """Up to `limit` frames that are due now, oldest first, as (the recording's time, frames)."""
        if self.state != REPLAYING:
            return
        paced = self._pacer.speed is not None
        for _ in range(limit):
            frame = self._next
            if frame is None or (paced and self._pacer.wait_s(frame.ts_ns) > PACE_RESOLUTION_S):
                return
            self.read += 1
            if frame.ts_ns > self.latest_ns:
                self.latest_ns = frame.ts_ns
            self._advance()
            yield self.latest_ns, frame.parts

    def wait_s(self) -> float | None:
        """Seconds until the next frame is due (0.0: now); None when none will come until start()
        or ever (waiting, finished, failed)."""
        if self.state != REPLAYING or self._next is None:
            return None
        if self._pacer.speed is None:
            return 0.0
        wait = self._pacer.wait_s(self._next.ts_ns)
        return 0.0 if wait <= PACE_RESOLUTION_S else wait

    def recorded_now_ns(self) -> int:
        position = self._pacer.position_ns() if self.state == REPLAYING and self._next is not None else None
        if position is None:
            return self.latest_ns
        return max(self.latest_ns, min(position, self._next.ts_ns))

    def _advance(self) -> None:
        try:
            self._next = next(self._frames, None)
        except OSError as err:  # the file went away or the disk failed: say so, keep what was delivered
            self._next, self.state, self.error = None, FAILED, f"{self.path}: {err}"
            return
        if self._next is None and self.state == REPLAYING:
            self.state = FINISHED


class RecordedClock:
    """A FileSource's clock (vigil.clock.Clock): where the recording has got to."""

    def __init__(self, source: FileSource) -> None:
        self._source = source

    def now_ns(self) -> int:
        return self._source.recorded_now_ns()

    def monotonic(self) -> float:
        return self._source.recorded_now_ns() / 1e9
