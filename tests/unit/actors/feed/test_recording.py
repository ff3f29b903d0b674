"""Vigil recordings and the HistData quote CSV reader, on real files."""
from __future__ import annotations

import logging
import math
from pathlib import Path

import pytest

from actors.feed.recording import MAGIC, Frame, Recorder, open_source_file, read_csv_quotes, read_recording
from vocabulary.market_data import QUOTE, Quote, Trade, decode, encode

REAL_CSV = Path("/work/shared/data/eurusd-quotes-20200101.csv")
NS = 1_000_000_000
T0 = 1_577_836_800 * NS  # 2020-01-01T00:00:00Z


def sample_frames() -> list[Frame]:
    return [
        Frame(T0, *encode(Quote("EURUSD", 1, T0, 1.1212, 1e6, 1.1213, 2e6))),
        Frame(T0 + 1_500, *encode(Trade("EURUSD", 2, T0 + 1_000, 1.1213, 5e5, 1))),
        Frame(T0 + 2_000, b"QEURUSD", b"\x00\xffnot a quote"),  # corrupt on the wire: kept as it came
        Frame(T0 + 2_000, b"", b""),
        Frame(-5, b"QGBPUSD", bytes(range(256)) * 40),  # a body above the reader's "big body" check
    ]


def test_round_trip_is_byte_exact_including_corrupt_frames(tmp_path):
    path = tmp_path / "day.vrec"
    with Recorder(path) as recorder:
        for frame in sample_frames():
            recorder.write(frame)
    assert recorder.written == 5
    assert path.read_bytes().startswith(MAGIC)
    reader = read_recording(path)
    assert list(reader) == sample_frames()
    assert not reader.truncated and reader.count == 5
    with pytest.raises(ValueError, match="neither a quote nor a trade"):
        decode(sample_frames()[2].parts)


def test_recorder_appends_to_an_existing_recording(tmp_path):
    path = tmp_path / "day.vrec"
    frames = sample_frames()
    with Recorder(path) as recorder:
        recorder.write(frames[0])
    with Recorder(path) as recorder:
        for frame in frames[1:]:
            recorder.write(frame)
    assert list(read_recording(path)) == frames
    assert path.read_bytes().count(MAGIC) == 1


def test_truncated_tail_keeps_good_records_and_is_reported(tmp_path, caplog):
    path = tmp_path / "crash.vrec"
    with Recorder(path) as recorder:
        for frame in sample_frames()[:3]:
            recorder.write(frame)
    good = path.read_bytes()
    for cut in (1, 10, 20):  # inside the payload, inside the topic, inside the record header
        path.write_bytes(good[:-cut])
        with caplog.at_level(logging.WARNING, logger="vigil.feed.recording"):
            reader = read_recording(path)
            assert list(reader) == sample_frames()[:2]
        assert reader.truncated and reader.count == 2
        assert reader.truncated_at == len(good) - len(sample_frames()[2].topic + sample_frames()[2].payload) - 16
        assert "truncated" in caplog.text and str(path) in caplog.text
        caplog.clear()


def test_a_damaged_length_is_truncation_not_a_huge_read(tmp_path):
    path = tmp_path / "damaged.vrec"
    with Recorder(path) as recorder:
        recorder.write(sample_frames()[0])
    with open(path, "ab") as f:
        f.write(b"\x00" * 8 + b"\xff\xff\xff\xff" * 2 + b"tail")
    reader = read_recording(path)
    assert list(reader) == sample_frames()[:1]
    assert reader.truncated


def test_recorder_cuts_a_partial_tail_before_appending(tmp_path):
    path = tmp_path / "crash.vrec"
    frames = sample_frames()
    with Recorder(path) as recorder:
        recorder.write(frames[0])
        recorder.write(frames[1])
    path.write_bytes(path.read_bytes()[:-7])
    with Recorder(path) as recorder:
        assert recorder.dropped_tail_bytes > 0
        recorder.write(frames[2])
    reader = read_recording(path)
    assert list(reader) == [frames[0], frames[2]]
    assert not reader.truncated


def test_a_file_without_the_header_is_not_a_recording(tmp_path):
    path = tmp_path / "notes.bin"
    path.write_bytes(b"hello, world\n" * 3)
    with pytest.raises(ValueError, match=r"notes\.bin.*not a Vigil recording"):
        read_recording(path)
    with pytest.raises(ValueError, match=r"notes\.bin.*not a Vigil recording"):
        Recorder(path)
    assert path.read_bytes() == b"hello, world\n" * 3  # the recorder did not touch it
    with pytest.raises(ValueError, match=r"notes\.bin.*neither a Vigil recording"):
        open_source_file(path)


def test_recorder_rejects_an_unrecordable_frame(tmp_path):
    with Recorder(tmp_path / "r.vrec") as recorder:
        with pytest.raises(ValueError, match="ts_ns"):
            recorder.write(Frame(2**63, b"Q", b""))
    assert list(read_recording(tmp_path / "r.vrec")) == []


def test_real_histdata_file_reads_as_9500_ordered_quotes():
    if not REAL_CSV.exists():
        pytest.skip(f"{REAL_CSV} not present")
    frames = list(read_csv_quotes(REAL_CSV, "EURUSD"))
    assert len(frames) == 9_500
    quotes = [decode(frame.parts) for frame in frames]
    assert all(isinstance(q, Quote) and q.symbol == "EURUSD" for q in quotes)
    assert [q.seq for q in quotes] == list(range(1, 9_501))
    assert all(q.bid_px < q.ask_px and q.bid_qty == q.ask_qty == 1.0 for q in quotes)
    assert all(a.ts_ns <= b.ts_ns for a, b in zip(frames, frames[1:]))
    assert all(frame.ts_ns == q.ts_ns for frame, q in zip(frames, quotes))
    # the first row, 20200101 170000065, read as UTC without shifting
    assert quotes[0].ts_ns == T0 + 17 * 3600 * NS + 65_000_000
    assert (quotes[0].bid_px, quotes[0].ask_px) == (1.1212, 1.12172)


def test_a_garbage_row_passes_through_raw_with_its_own_seq(tmp_path, caplog):
    path = tmp_path / "quotes.csv"
    lines = [
        b"20200101 170000065,1.121200,1.121720,0",
        b"20200101 170010447,1.121200,1.121920,0",
        b"20200101 1700104xx,1.121170,1.121610,0",  # a damaged timestamp
        b"20200101 170012579,1.121200,1.121610,0",
        b"\xff\xfe garbage that is not even ASCII",
        b"x" * QUOTE.size,  # the one length that would decode as a quote
        b"20200101 170012630,nan,1.121720,0",  # parses: judging prices is the feed's job
    ]
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    with caplog.at_level(logging.WARNING, logger="vigil.feed.recording"):
        frames = list(read_csv_quotes(path, "EURUSD", size=250_000.0))
    assert len(frames) == 7
    assert all(frame.topic == b"QEURUSD" for frame in frames)
    assert frames[2].payload == lines[2] and frames[4].payload == lines[4]
    assert frames[5].payload == lines[5] + b"\n"
    for bad in (2, 4, 5):
        with pytest.raises(ValueError):
            decode(frames[bad].parts)
    assert frames[2].ts_ns == frames[1].ts_ns  # keeps the last good time: pacing is undisturbed
    good = [decode(frames[i].parts) for i in (0, 1, 3, 6)]
    assert [q.seq for q in good] == [1, 2, 4, 7]
    assert all(q.bid_qty == q.ask_qty == 250_000.0 for q in good)
    assert math.isnan(good[3].bid_px)
    assert f"{path}:3" in caplog.text and f"{path}:5" in caplog.text


def test_open_source_file_picks_the_reader(tmp_path):
    csv = tmp_path / "q.CSV"
    csv.write_bytes(b"20200101 170000065,1.121200,1.121720,0\n")
    rec = tmp_path / "q.csv"  # a recording is recognised by content, whatever its name
    with Recorder(rec) as recorder:
        recorder.write(sample_frames()[0])
    assert [f.payload for f in open_source_file(csv, "EURUSD")] == [
        QUOTE.pack(1, T0 + 17 * 3600 * NS + 65_000_000, 1.1212, 1.0, 1.12172, 1.0)]
    assert list(open_source_file(rec)) == sample_frames()[:1]
    with pytest.raises(ValueError, match=r"q\.CSV.*needs a symbol"):
        open_source_file(csv)
    with pytest.raises(FileNotFoundError):
        open_source_file(tmp_path / "missing.csv", "EURUSD")
    with pytest.raises(ValueError, match="symbol"):
        read_csv_quotes(csv, "EUR USD")
