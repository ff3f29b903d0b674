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

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from actors.feed.recording import Frame, open_source_file
from actors.feed.replay import Pacer
from vigil.clock import Clock
from vigil.reference import find_file
from vigil.settings import is_positive_number, refuse_unknown

WAITING, REPLAYING, FINISHED, FAILED = "waiting", "replaying", "finished", "failed"
PACE_RESOLUTION_S = 0.001
"""Frames due within this are handed out now: a paced replay never asks for a shorter wake-up."""
_KNOWN = ("file", "speed", "symbol", "wait_for_subscriber")


class FileSourceError(ValueError):
    pass


@dataclass(frozen=True)
class FileSourceConfig:
    file: Path
    speed: float | None = 1.0
    """N x recorded speed; None: as fast as possible ("max")."""
    symbol: str | None = None
    """The symbol of a CSV file's quotes."""
    wait_for_subscriber: bool = True

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], where: str, base: Path | None = None,
                     symbols: Collection[str] | None = None) -> "FileSourceConfig":
        """`where` names the setting, e.g. "root/market/feed: primary"; `symbols` are the feed's."""
        refuse_unknown(raw, _KNOWN, where, FileSourceError)
        file = raw.get("file")
        if not isinstance(file, str) or not file:
            raise FileSourceError(f"{where}.file must be the path of a Vigil recording or a HistData .csv, "
                                  f"got {file!r}")
        path = find_file(file, base)
        if not path.is_file():
            raise FileSourceError(f"{where}.file: no such file {path}")
        speed = raw.get("speed", 1.0)
        if speed == "max":
            speed = None
        elif not is_positive_number(speed):
            raise FileSourceError(f"{where}.speed must be a positive number (N x recorded speed) or 'max', "
                                  f"got {speed!r}")
        symbol = raw.get("symbol")
        is_csv = path.suffix.lower() == ".csv"
        if is_csv and not symbol:
            raise FileSourceError(f"{where}.symbol: a .csv quote file needs the symbol of its quotes "
                                  f"(its rows do not name one)")
        if symbol is not None and not is_csv:
            raise FileSourceError(f"{where}.symbol is for a .csv quote file; a recording names its symbols")
        if symbol is not None and symbols is not None and symbol not in symbols:
            raise FileSourceError(f"{where}.symbol: {symbol!r} is not one of the feed's symbols")
        wait = raw.get("wait_for_subscriber", True)
        if not isinstance(wait, bool):
            raise FileSourceError(f"{where}.wait_for_subscriber must be true or false, got {wait!r}")
        return cls(path, None if speed is None else float(speed), symbol, wait)

    def describe(self) -> str:
        pace = "as fast as possible" if self.speed is None else f"at {self.speed:g}x"
        return f"file {self.file} {pace}"


def source_setting(raw: Any, where: str, base: Path | None = None,
                   symbols: Collection[str] | None = None) -> str | FileSourceConfig:
    """A `primary` (or `backup`) setting: a ZeroMQ endpoint, or a file (see the module docstring)."""
    if isinstance(raw, Mapping):
        return FileSourceConfig.from_mapping(raw, where, base, symbols)
    if isinstance(raw, str) and raw:
        return raw
    raise FileSourceError(f"{where} must be a ZeroMQ endpoint (tcp://HOST:PORT) or {{file: PATH, speed: ...}}, "
                          f"got {raw!r}")


class FileSource:
    """Hands out a file's frames as they come due, each with the recording's time at it.

    `state`: waiting (for `start()`), replaying, finished (the end of the file) or failed
    (the file could not be read on; `error` says why). `read`: frames handed out so far.
    `clock`: the recording's clock, for everything the feed judges by time.
    """

    def __init__(self, config: FileSourceConfig, clock: Clock, where: str = "file") -> None:
        self.config = config
        try:
            self._frames: Iterator[Frame] = iter(open_source_file(config.file, config.symbol))
        except (OSError, ValueError) as err:
            raise FileSourceError(f"{where}.file: {err}") from None
        self._pacer = Pacer(config.speed, clock)
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
            self._next, self.state, self.error = None, FAILED, f"{self.config.file}: {err}"
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
