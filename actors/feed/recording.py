"""Recorded market data: Vigil's own recording format and the HistData quote CSV reader.

A recording keeps every message exactly as it came off the wire, with the
time it was received, so that replaying an incident replays the corrupt
messages too (that is usually the point of replaying it).

Format (little-endian):

    b"VIGILREC1\\n"                                   magic header, once
    then per message:  ts_ns i64, topic_len u32, payload_len u32, topic bytes, payload bytes

A writer that crashes mid-record leaves a partial last record. Readers keep
every complete record before it and report the damage (`RecordingReader.truncated`
and a logged warning); `Recorder` cuts the partial tail off before appending.

Public:
    Frame(ts_ns, topic, payload)                          .parts -> [topic, payload]
    Recorder(path)                                        .write(frame), .flush(), .close(); a context manager
    read_recording(path) -> RecordingReader               an iterator of Frame; .truncated, .count
    read_csv_quotes(path, symbol, size=1.0) -> Iterator[Frame]
    open_source_file(path, symbol=None) -> Iterator[Frame]
"""
from __future__ import annotations

import logging
import math
import os
import struct
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import BinaryIO, Iterator, NamedTuple

from vocabulary.market_data import QUOTE, Quote, encode

log = logging.getLogger("vigil.feed.recording")

MAGIC = b"VIGILREC1\n"
_RECORD = struct.Struct("<qII")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_BIG_BODY = 1 << 16  # above this, check the file really holds the body before reading it


class Frame(NamedTuple):
    ts_ns: int
    """When the message was received (a recording) or stamped (a CSV row), ns since the Unix epoch."""
    topic: bytes
    """The first ZeroMQ frame, exactly as it came."""
    payload: bytes
    """The second ZeroMQ frame, exactly as it came (it may not parse; that is kept too)."""

    @property
    def parts(self) -> list[bytes]:
        """The two frames to send as one ZeroMQ multipart message."""
        return [self.topic, self.payload]


def _not_a_recording(path: Path) -> ValueError:
    return ValueError(f"{path}: not a Vigil recording (it does not start with the {MAGIC.strip().decode()} header)")


def _records(f: BinaryIO, read_bodies: bool = True) -> Iterator[Frame | None]:
    """Each complete record from the current offset (None for each without read_bodies);
    a partial or damaged record raises _Truncated with the offset where it starts."""
    while True:
        start = f.tell()
        head = f.read(_RECORD.size)
        if not head:
            return
        if len(head) < _RECORD.size:
            raise _Truncated(start)
        ts_ns, topic_len, payload_len = _RECORD.unpack(head)
        body_len = topic_len + payload_len
        # a damaged length would make read() allocate gigabytes, and seek() would run past the end
        if (body_len > _BIG_BODY or not read_bodies) and os.fstat(f.fileno()).st_size - f.tell() < body_len:
            raise _Truncated(start)
        if not read_bodies:
            f.seek(body_len, os.SEEK_CUR)
            yield None
            continue
        body = f.read(body_len)
        if len(body) < body_len:
            raise _Truncated(start)
        yield Frame(ts_ns, body[:topic_len], body[topic_len:])


class _Truncated(Exception):
    def __init__(self, good_end: int) -> None:
        super().__init__(good_end)
        self.good_end = good_end


def _check_header(f: BinaryIO, path: Path) -> None:
    if f.read(len(MAGIC)) != MAGIC:
        raise _not_a_recording(path)


class RecordingReader:
    """Iterates the frames of a recording. The header is checked when it is created
    (ValueError naming the file if it is not a recording); the file is read lazily.

    A partial last record (a crash while writing) ends the iteration after the good
    records: `truncated` becomes True, `truncated_at` holds the byte offset where the
    damage starts, and a warning is logged."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.truncated = False
        self.truncated_at: int | None = None
        self.count = 0
        """Frames read so far."""
        with open(self.path, "rb") as f:
            _check_header(f, self.path)
        self._frames = self._read()

    def __iter__(self) -> "RecordingReader":
        return self

    def __next__(self) -> Frame:
        return next(self._frames)

    def _read(self) -> Iterator[Frame]:
        with open(self.path, "rb") as f:
            f.seek(len(MAGIC))
            try:
                for frame in _records(f):
                    self.count += 1
                    yield frame
            except _Truncated as damage:
                self.truncated, self.truncated_at = True, damage.good_end
                log.warning("%s: recording truncated or damaged at byte %d: kept the %d complete record(s) "
                            "before it", self.path, damage.good_end, self.count)


def read_recording(path: str | os.PathLike) -> RecordingReader:
    return RecordingReader(path)


class Recorder:
    """Appends frames to a recording; creates the file (with its header) if it is missing or empty.

    Opening an existing file checks its header (ValueError if it is not a recording) and cuts
    off a partial last record left by a crash, so new records follow the last good one
    (`dropped_tail_bytes` says how much was cut). Writes are buffered: `flush()` when the
    records must be on disk, `close()` flushes. Not thread-safe: one writer per file.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.written = 0
        self.dropped_tail_bytes = 0
        self._file = open(self.path, "a+b")
        try:
            self._prepare()
        except BaseException:
            self._file.close()
            raise

    def _prepare(self) -> None:
        f = self._file
        size = f.seek(0, os.SEEK_END)
        if size == 0:
            f.write(MAGIC)
            return
        f.seek(0)
        _check_header(f, self.path)
        good_end = size
        try:
            for _ in _records(f, read_bodies=False):
                pass
        except _Truncated as damage:
            good_end = damage.good_end
        if good_end < size:
            self.dropped_tail_bytes = size - good_end
            log.warning("%s: cut a partial last record (%d bytes at byte %d) before appending",
                        self.path, self.dropped_tail_bytes, good_end)
            f.truncate(good_end)
        f.seek(0, os.SEEK_END)

    def write(self, frame: Frame) -> None:
        topic, payload = bytes(frame.topic), bytes(frame.payload)
        try:
            head = _RECORD.pack(frame.ts_ns, len(topic), len(payload))
        except struct.error as exc:
            raise ValueError(f"cannot record frame with ts_ns={frame.ts_ns!r}, {len(topic)}-byte topic, "
                             f"{len(payload)}-byte payload: {exc}") from None
        self._file.write(head + topic + payload)
        self.written += 1

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _parse_row(line: str) -> tuple[int, float, float] | None:
    """(ts_ns, bid, ask) of a HistData tick row, or None if it does not parse."""
    fields = line.split(",")
    if len(fields) != 4:
        return None
    stamp, bid, ask, volume = fields
    if len(stamp) != 18 or stamp[8] != " " or not (stamp[:8] + stamp[9:]).isdigit():
        return None
    try:
        when = datetime(int(stamp[0:4]), int(stamp[4:6]), int(stamp[6:8]), int(stamp[9:11]),
                        int(stamp[11:13]), int(stamp[13:15]), tzinfo=timezone.utc)
        bid_px, ask_px = float(bid), float(ask)
        float(volume)
    except ValueError:
        return None
    ts_ns = (when - _EPOCH) // timedelta(microseconds=1) * 1_000 + int(stamp[15:18]) * 1_000_000
    return ts_ns, bid_px, ask_px


def read_csv_quotes(path: str | os.PathLike, symbol: str, size: float = 1.0) -> Iterator[Frame]:
    """Quote frames from a HistData tick CSV (`YYYYMMDD HHMMSSmmm,bid,ask,volume`, no header).

    Timestamps: HistData files are in EST without daylight saving (UTC-5 all year). The
    reader does not shift them: it reads them as if they were UTC, so a replay keeps the
    file's own clock face. Shift downstream if wall-clock truth matters.

    Each row becomes a quote encoded with venues.marketdata.encode, numbered 1..n in file
    order, bid_qty = ask_qty = `size` (the file has no sizes). The volume column is ignored.
    Prices are not judged here (NaN, crossed, zero): that is the feed's validation.

    A row that does not parse does not stop the reader and is not repaired: it passes
    through as a frame with topic b"Q"+symbol whose payload is the raw line bytes (line
    ending removed), so the feed quarantines it as unparseable; it still takes its sequence
    number, so seq N is always row N. It keeps the timestamp of the last good row (0 before
    one) so pacing is undisturbed, and a warning naming file and line is logged. A raw line
    of exactly a quote's size (48 bytes) would decode as a quote, so it keeps a b"\\n".

    The symbol, size and file are checked now; rows are read lazily.
    """
    if not symbol or not symbol.isascii() or not symbol.isprintable() or " " in symbol:
        raise ValueError(f"symbol {symbol!r}: expected a non-empty ASCII symbol such as EURUSD")
    if not math.isfinite(size) or size <= 0:
        raise ValueError(f"quote size must be a positive number, got {size!r}")
    path = Path(path)
    open(path, "rb").close()  # a missing or unreadable file is reported now, not at the first row
    return _csv_frames(path, symbol, size)


def _csv_frames(path: Path, symbol: str, size: float) -> Iterator[Frame]:
    topic = b"Q" + symbol.encode("ascii")
    last_ts = 0
    with open(path, "rb") as f:
        for seq, raw in enumerate(f, start=1):
            line = raw.rstrip(b"\r\n")
            try:
                parsed = _parse_row(line.decode("ascii"))
            except UnicodeDecodeError:
                parsed = None
            if parsed is None:
                log.warning("%s:%d: row does not parse; passed through raw as seq %d", path, seq, seq)
                yield Frame(last_ts, topic, line + b"\n" if len(line) == QUOTE.size else line)
                continue
            last_ts, bid_px, ask_px = parsed
            yield Frame(last_ts, *encode(Quote(symbol, seq, last_ts, bid_px, size, ask_px, size)))


def open_source_file(path: str | os.PathLike, symbol: str | None = None) -> Iterator[Frame]:
    """The frames of a recording (recognised by its header) or of a HistData .csv (needs `symbol`).

    Raises FileNotFoundError for a missing file and ValueError naming the file for anything else."""
    path = Path(path)
    with open(path, "rb") as f:
        is_recording = f.read(len(MAGIC)) == MAGIC
    if is_recording:
        return read_recording(path)
    if path.suffix.lower() == ".csv":
        if not symbol:
            raise ValueError(f"{path}: a CSV quote file needs a symbol (its rows do not name one)")
        return read_csv_quotes(path, symbol)
    raise ValueError(f"{path}: neither a Vigil recording (no {MAGIC.strip().decode()} header) nor a .csv file")
