"""A recorded file as a feed's source: its config, pacing on a simulated clock, the recording's clock,
and the shared EUR/USD quotes (clean, and with corruption injected) through the validator."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from actors.feed.config import FeedConfig
from actors.feed.file_source import FAILED, FINISHED, REPLAYING, WAITING, FileSource, FileSourceConfig, FileSourceError
from actors.feed.recording import Frame, Recorder, read_csv_quotes
from actors.feed.validation import Validator
from tests.support.market_files import corrupted_copy, eurusd_quotes
from vigil.clock import SimClock
from vigil.config import ConfigError, build_config
from vigil.reference import load_master
from vocabulary.market_data import Quote, decode, encode

NS = 1_000_000_000
MS = 1_000_000
T0 = 1_577_898_000 * NS  # 2020-01-01 17:00:00 (the shared file's first hour, read as UTC)
WHERE = "root/feed: primary"


def csv_file(path: Path, offsets_ms: list[int], bid: str = "1.121200", ask: str = "1.121720") -> Path:
    """A HistData quote CSV whose rows are stamped offsets_ms after 2020-01-01 17:00:00.000."""
    path.write_text("".join(f"20200101 {17 + off // 3_600_000:02d}{off // 60_000 % 60:02d}{off // 1000 % 60:02d}"
                            f"{off % 1000:03d},{bid},{ask},0\n" for off in offsets_ms))
    return path


def file_config(raw: dict, base: Path | None = None) -> FileSourceConfig:
    """The `primary: {file: ...}` of a feed config, as `vigil check` builds it (files beside `base`)."""
    config = build_config(FeedConfig, {"primary": raw, "symbols": ["EURUSD"]}, "root/feed")
    problems = config.check_references(base or Path.cwd())
    if problems:
        raise ConfigError(problems, "root/feed")
    return config.primary


def source(path: Path, speed: float | str = "max", clock: SimClock | None = None, **extra) -> FileSource:
    raw = {"file": str(path), "speed": speed, "wait_for_subscriber": False, **extra}
    if path.suffix == ".csv":
        raw.setdefault("symbol", "EURUSD")
    return FileSource(file_config(raw), clock or SimClock(T0), WHERE)


def taken(src: FileSource, limit: int = 10_000) -> list[tuple[int, int]]:
    """(the recording's time, seq) of each frame due now."""
    return [(now, decode(parts).seq) for now, parts in src.due(limit)]


# ---- config --------------------------------------------------------------------------------------

def test_config_defaults_and_forms(tmp_path):
    path = csv_file(tmp_path / "q.csv", [0])
    config = file_config({"file": str(path), "symbol": "EURUSD"})
    assert (config.file, config.pace, config.symbol, config.wait_for_subscriber) == (str(path), 1.0, "EURUSD", True)
    assert file_config({"file": str(path), "symbol": "EURUSD", "speed": "max"}).pace is None
    assert file_config({"file": str(path), "symbol": "EURUSD", "speed": 20}).pace == 20.0
    assert "at 1x" in config.describe() and str(path) in config.describe()


def test_a_relative_file_is_found_beside_the_topology(tmp_path):
    csv_file(tmp_path / "q.csv", [0])
    config = file_config({"file": "q.csv", "symbol": "EURUSD"}, base=tmp_path)
    assert FileSource(config, SimClock(T0), WHERE, base=tmp_path).path == tmp_path / "q.csv"
    assert str(tmp_path / "q.csv") in config.describe(tmp_path)


@pytest.mark.parametrize("raw, names", [
    ({"file": "q.csv", "symbol": "EURUSD", "sped": 2}, ("primary.sped", "unknown setting", "speed")),
    ({"symbol": "EURUSD"}, ("primary.file", "missing")),
    ({"file": "nowhere.csv", "symbol": "EURUSD"}, ("primary.file", "no such file", "nowhere.csv")),
    ({"file": "q.csv", "symbol": "EURUSD", "speed": 0}, ("primary.speed", "got 0")),
    ({"file": "q.csv", "symbol": "EURUSD", "speed": -2}, ("primary.speed", "-2")),
    ({"file": "q.csv", "symbol": "EURUSD", "speed": math.inf}, ("primary.speed", "finite", "inf")),
    ({"file": "q.csv", "symbol": "EURUSD", "speed": "fast"}, ("primary.speed", "'fast'", "max")),
    ({"file": "q.csv", "symbol": "EURUSD", "speed": True}, ("primary.speed", "true")),
    ({"file": "q.csv"}, ("primary.symbol", ".csv", "needs the symbol")),
    ({"file": "q.csv", "symbol": "GBPUSD"}, ("primary.symbol", "'GBPUSD'", "not one of the feed's symbols")),
    ({"file": "q.rec", "symbol": "EURUSD"}, ("primary.symbol", "a recording names its symbols")),
    ({"file": "q.csv", "symbol": "EURUSD", "wait_for_subscriber": "yes"}, ("primary.wait_for_subscriber", "'yes'")),
], ids=["unknown", "no-file", "missing-file", "speed-0", "speed-negative", "speed-inf", "speed-text", "speed-bool",
        "csv-without-symbol", "symbol-not-the-feeds", "symbol-for-a-recording", "wait-not-bool"])
def test_config_errors_name_the_setting(tmp_path, raw, names):
    csv_file(tmp_path / "q.csv", [0])
    Recorder(tmp_path / "q.rec").close()
    with pytest.raises(ConfigError) as err:
        file_config(raw, base=tmp_path)
    message = str(err.value)
    assert message.startswith("root/feed: primary"), message
    for name in names:
        assert name in message, message


@pytest.mark.parametrize("raw", [42, "", None, ["tcp://x"]])
def test_a_source_setting_is_an_endpoint_or_a_file(raw):
    with pytest.raises(ConfigError, match=r"root/feed: primary: (expected a string or a mapping|must have at least)"):
        build_config(FeedConfig, {"primary": raw}, "root/feed")


def test_a_file_that_is_neither_format_is_refused_when_opened(tmp_path):
    (tmp_path / "q.txt").write_text("hello\n")
    config = file_config({"file": str(tmp_path / "q.txt")})
    with pytest.raises(FileSourceError, match=r"primary\.file: .*neither a Vigil recording"):
        FileSource(config, SimClock(), WHERE)


# ---- pacing and the recording's clock -----------------------------------------------------------------

def test_as_fast_as_possible_everything_is_due_batch_by_batch_on_the_recorded_clock(tmp_path):
    src = source(csv_file(tmp_path / "q.csv", [0, 10, 2_000, 60_000, 60_001]))
    assert src.state == REPLAYING and src.clock.now_ns() == 0  # nothing read: no time yet
    assert taken(src, limit=2) == [(T0, 1), (T0 + 10 * MS, 2)]
    assert src.wait_s() == 0.0 and src.read == 2
    assert taken(src) == [(T0 + 2_000 * MS, 3), (T0 + 60_000 * MS, 4), (T0 + 60_001 * MS, 5)]
    assert src.state == FINISHED and src.wait_s() is None
    assert src.clock.now_ns() == T0 + 60_001 * MS  # a finished replay's clock stops at its last frame
    assert taken(src) == []


@pytest.mark.parametrize("speed", [1.0, 4.0])
def test_paced_frames_come_due_at_recorded_speed_or_n_times_it(tmp_path, speed):
    clock = SimClock(5 * NS)
    src = source(csv_file(tmp_path / "q.csv", [0, 400, 1_000]), speed=speed, clock=clock)
    assert taken(src) == [(T0, 1)]  # the first frame at once: it anchors the replay
    assert src.wait_s() == pytest.approx(0.4 / speed)
    clock.advance(0.1 / speed)
    assert taken(src) == [] and src.clock.now_ns() == T0 + 100 * MS  # the clock runs between frames
    clock.advance(0.3 / speed)
    assert taken(src) == [(T0 + 400 * MS, 2)]
    clock.advance(5.0 / speed)  # the feed fell behind: the late frame goes at once...
    assert src.clock.now_ns() == T0 + 1_000 * MS  # ...and the clock waits for it, at its time
    assert taken(src) == [(T0 + 1_000 * MS, 3)]
    assert src.state == FINISHED


def test_a_frame_due_within_the_resolution_goes_now(tmp_path):
    clock = SimClock(0)
    src = source(csv_file(tmp_path / "q.csv", [0, 1]), speed=1.0, clock=clock)
    assert [seq for _, seq in taken(src)] == [1, 2]  # 1 ms apart: never a wake-up that short


def test_a_header_line_neither_waits_nor_sets_the_pace(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text("date,bid,ask,volume\n" + csv_file(tmp_path / "rows.csv", [0, 500]).read_text())
    src = source(path, speed=1.0, clock=SimClock(0))
    first = list(src.due(10))
    assert first[0] == (0, [b"QEURUSD", b"date,bid,ask,volume"])  # passed on raw, for the feed to quarantine
    assert len(first) == 2 and decode(first[1][1]).seq == 2  # the first quote at once: it sets the pace
    assert src.wait_s() == pytest.approx(0.5)


def test_the_recorded_clock_never_goes_backwards(tmp_path):
    src = source(csv_file(tmp_path / "q.csv", [1_000, 500, 2_000]))
    assert taken(src) == [(T0 + 1_000 * MS, 1), (T0 + 1_000 * MS, 2), (T0 + 2_000 * MS, 3)]


def test_a_waiting_source_hands_out_nothing_until_started(tmp_path):
    src = source(csv_file(tmp_path / "q.csv", [0, 10]), wait_for_subscriber=True)
    assert src.state == WAITING and taken(src) == [] and src.wait_s() is None
    src.start()
    assert [seq for _, seq in taken(src)] == [1, 2]


def test_an_empty_file_finishes_at_once(tmp_path):
    (tmp_path / "q.csv").write_text("")
    src = source(tmp_path / "q.csv", wait_for_subscriber=True)
    src.start()
    assert src.state == FINISHED and taken(src) == [] and src.read == 0


def test_a_recording_is_judged_at_its_receive_times(tmp_path):
    with Recorder(tmp_path / "day.rec") as rec:
        for i, received in enumerate((T0, T0 + 5 * MS, T0 + 9 * MS), start=1):
            rec.write(Frame(received, *encode(Quote("EURUSD", i, T0 - 3 * MS, 1.1, 1e6, 1.10002, 1e6))))
    src = source(tmp_path / "day.rec")
    assert [now for now, _ in src.due(10)] == [T0, T0 + 5 * MS, T0 + 9 * MS]


def test_a_read_error_fails_the_source_and_keeps_what_was_read(tmp_path):
    src = source(csv_file(tmp_path / "q.csv", [0, 10, 20]))

    def broken():
        yield Frame(T0, b"QEURUSD", b"")
        raise OSError(5, "Input/output error")
    src._frames = broken()  # the disk fails after the frame already peeked and one more
    assert len(list(src.due(10))) == 2
    assert src.state == FAILED and "Input/output error" in src.error and src.wait_s() is None


# ---- the shared EUR/USD day through the validator ----------------------------------------------------

def judged(path: Path) -> tuple[list[int], dict[int, tuple[str, list[bytes]]]]:
    """A file through a FileSource and a Validator as the feed runs them: (seqs delivered, in order;
    seq -> (rule, frames) of each quarantined)."""
    src = source(path)
    validator = Validator(load_master())
    delivered, quarantined = [], {}
    while src.wait_s() == 0.0:
        for now_ns, parts in src.due(2_000):
            verdict = validator.check(parts, "primary", now_ns)
            if verdict.ok:
                delivered.append(verdict.message.seq)
            else:
                quarantined[src.read] = (verdict.rejection.rule, parts)
    assert src.state == FINISHED
    return delivered, quarantined


def test_the_shared_eurusd_day_passes_clean_on_its_own_clock():
    path = eurusd_quotes()
    delivered, quarantined = judged(path)
    assert quarantined == {}  # on the wall clock every one of these 2020 quotes would be stale_ts
    assert delivered == list(range(1, 9_501))


def test_corruption_injected_into_the_shared_day_is_caught_line_by_line(tmp_path):
    injected = corrupted_copy(eurusd_quotes(), tmp_path / "corrupt.csv")
    delivered, quarantined = judged(tmp_path / "corrupt.csv")
    frames = list(read_csv_quotes(tmp_path / "corrupt.csv", "EURUSD"))
    bad = {i.line: i.rule for i in injected if i.rule}
    assert {seq: rule for seq, (rule, _) in quarantined.items()} == bad
    for seq, (_, parts) in quarantined.items():
        assert parts == frames[seq - 1].parts
    assert quarantined[next(i.line for i in injected if i.rule == "unparseable")][1][1] == \
        next(i.text for i in injected if i.rule == "unparseable").encode()
    assert delivered == [seq for seq in range(1, len(frames) + 1) if seq not in bad]


def test_a_recording_of_the_day_catches_what_only_sequence_numbers_and_receive_times_show(tmp_path):
    """A Vigil recording keeps the publisher's numbers, and the receive time apart from the stamp: a
    message received twice is a duplicate, a late one out_of_order, one stamped a minute after it
    arrived future_ts, one stamped ten seconds before it arrived stale_ts."""
    frames = {decode(f.parts).seq: f for f in list(read_csv_quotes(eurusd_quotes(), "EURUSD"))[:2_000]}

    def restamped(seq: int, shift_s: int) -> Frame:
        quote = decode(frames[seq].parts)
        return Frame(frames[seq].ts_ns, *encode(quote._replace(ts_ns=quote.ts_ns + shift_s * NS)))
    frames[1_500], frames[1_700] = restamped(1_500, 60), restamped(1_700, -10)
    order = [seq for seq in frames if seq != 1_001]
    order.insert(order.index(500) + 1, 500)      # received twice
    order.insert(order.index(1_003) + 1, 1_001)  # received after 1002 and 1003
    received = 0
    with Recorder(tmp_path / "day.rec") as rec:
        for seq in order:
            received = max(received, frames[seq].ts_ns)  # a late message is received after the ones before it
            rec.write(Frame(received, *frames[seq].parts))
    delivered, quarantined = judged(tmp_path / "day.rec")
    caught = sorted((decode(parts).seq, rule) for rule, parts in quarantined.values())
    assert caught == [(500, "duplicate"), (1_001, "out_of_order"), (1_500, "future_ts"), (1_700, "stale_ts")]
    assert delivered == [seq for seq in range(1, 2_001) if seq not in (1_001, 1_500, 1_700)]
