"""Replay pacing on a simulated clock; the publisher and its command line over real ZeroMQ."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import zmq

from actors.feed.recording import Frame, Recorder
from actors.feed.replay import Pacer, ReplayPublisher, check_speed
from vigil.clock import SimClock
from vigil.procs import free_port
from vocabulary.market_data import Quote, decode, encode

NS = 1_000_000_000
T0 = 1_577_836_800 * NS
REPO = Path(__file__).resolve().parents[3]


def quotes(n: int, step_s: float = 0.001) -> list[Frame]:
    return [Frame(T0 + round(i * step_s * NS),
                  *encode(Quote("EURUSD", i + 1, T0 + round(i * step_s * NS), 1.1, 1e6, 1.2, 1e6)))
            for i in range(n)]


def endpoint() -> str:
    return f"tcp://127.0.0.1:{free_port()}"


@pytest.fixture
def context():
    ctx = zmq.Context()
    yield ctx
    ctx.destroy(linger=0)


def receive(sock: zmq.Socket, n: int, deadline_s: float = 10.0) -> list[list[bytes]]:
    got, deadline = [], time.monotonic() + deadline_s
    while len(got) < n and time.monotonic() < deadline:
        if sock.poll(100):
            got.append(sock.recv_multipart())
    return got


# --- pacing, on a simulated clock


@pytest.mark.parametrize("bad", [-1, -0.5, float("nan"), float("inf"), "fast", True])
def test_speed_must_be_a_finite_non_negative_number(bad):
    with pytest.raises(ValueError, match=f"got {bad!r}".replace("(", r"\(")):
        check_speed(bad)


def test_zero_or_none_means_as_fast_as_possible():
    assert check_speed(None) is None and check_speed(0) is None and check_speed(2) == 2.0


@pytest.mark.parametrize("speed, factor", [(1.0, 1.0), (10.0, 0.1), (0.5, 2.0)])
def test_frames_are_due_at_their_recorded_offset_divided_by_speed(speed, factor):
    clock = SimClock(123 * NS)
    pacer = Pacer(speed, clock)
    offsets_s = [0.0, 1.0, 1.5, 1.5, 4.0]
    assert pacer.wait_s(T0) == 0.0  # the first frame anchors the replay: due now
    clock.advance(0.25 * factor)
    for offset in offsets_s[1:]:
        wait = pacer.wait_s(T0 + round(offset * NS))
        assert wait == pytest.approx(offset * factor - (clock.monotonic() - 123), abs=1e-9)
        clock.advance(wait)
        assert pacer.wait_s(T0 + round(offset * NS)) == pytest.approx(0.0, abs=1e-9)


def test_as_fast_as_possible_never_waits():
    clock = SimClock()
    for speed in (None, 0):
        pacer = Pacer(speed, clock)
        assert [pacer.wait_s(T0 + i * 3600 * NS) for i in range(5)] == [0.0] * 5


def test_a_late_replay_catches_up_and_older_frames_are_due_at_once():
    clock = SimClock()
    pacer = Pacer(1.0, clock)
    pacer.anchor(T0)
    clock.advance(5.0)  # a consumer held us back
    assert pacer.wait_s(T0 + 2 * NS) == 0.0
    assert pacer.wait_s(T0 + 6 * NS) == pytest.approx(1.0)
    assert pacer.wait_s(T0 - 10 * NS) == 0.0


def test_a_frame_with_no_time_is_due_at_once_and_does_not_anchor_the_pace():
    clock = SimClock()
    pacer = Pacer(1.0, clock)
    assert pacer.wait_s(0) == 0.0 and not pacer.anchored  # a CSV header line, say
    assert pacer.wait_s(T0) == 0.0 and pacer.anchored  # the first real stamp starts the replay
    assert pacer.wait_s(T0 + 2 * NS) == pytest.approx(2.0)


# --- the publisher over real ZeroMQ


def test_lossless_replay_at_max_speed_delivers_every_frame_in_order(context):
    frames = quotes(5_000) + [Frame(T0, b"QEURUSD", b"corrupt")]
    pull = context.socket(zmq.PULL)
    with ReplayPublisher(frames, endpoint(), speed=None, lossless=True) as pub:
        pull.connect(pub.endpoint)
        got = receive(pull, len(frames))
        assert pub.join(10.0)
    assert got == [f.parts for f in frames]
    assert pub.sent == pub.total == len(frames) and pub.error is None and not pub.stopped


def test_a_pub_replay_waiting_for_its_subscriber_loses_nothing_at_the_start(context):
    frames = quotes(200)
    sub = context.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"QEURUSD")
    with ReplayPublisher(iter(frames), endpoint(), speed=0, wait_for_subscriber=True) as pub:
        assert pub.total is None  # a stream
        sub.connect(pub.endpoint)
        got = receive(sub, len(frames))
        assert pub.join(10.0)
    assert [decode(parts).seq for parts in got] == list(range(1, 201))


def test_a_held_replay_starts_on_release(context):
    pull = context.socket(zmq.PULL)
    with ReplayPublisher(quotes(3), endpoint(), speed=None, lossless=True, hold=True) as pub:
        pull.connect(pub.endpoint)
        assert pull.poll(200) == 0 and pub.sent == 0
        pub.release()
        assert len(receive(pull, 3)) == 3
        assert pub.join(10.0)


def test_paced_replay_never_sends_early(context):
    frames = quotes(3, step_s=1.0)  # two recorded seconds, 0.2 s at 10x
    pull = context.socket(zmq.PULL)
    began = time.monotonic()  # before the replay is anchored, so the bound below holds however late we read
    with ReplayPublisher(frames, endpoint(), speed=10.0, lossless=True) as pub:
        pull.connect(pub.endpoint)
        got = receive(pull, 3)
        last = time.monotonic()
        assert pub.join(10.0)
    assert got == [f.parts for f in frames]
    assert last - began >= 0.2  # a lower bound only: late is the machine, early is a bug


def test_stop_during_a_slow_replay_returns_promptly(context):
    frames = quotes(5, step_s=3600.0)
    pull = context.socket(zmq.PULL)
    pub = ReplayPublisher(frames, endpoint(), speed=1.0, lossless=True).start()
    try:
        pull.connect(pub.endpoint)
        assert len(receive(pull, 1)) == 1
        began = time.monotonic()
        pub.stop()
        assert pub.join(2.0), "stop() did not end a replay waiting for its next frame"
        assert time.monotonic() - began < 2.0
        assert pub.stopped and pub.sent == 1 and pub.error is None
    finally:
        pub.close()


def test_stop_while_blocked_without_a_consumer_returns_promptly():
    pub = ReplayPublisher(quotes(3), endpoint(), speed=None, lossless=True).start()
    try:
        pub.stop()
        assert pub.join(2.0)
        assert pub.stopped and pub.sent == 0
    finally:
        pub.close()


def test_a_failing_source_is_kept_in_error_not_lost(context):
    def frames():
        yield from quotes(2)
        raise OSError("disk went away")

    pull = context.socket(zmq.PULL)
    with ReplayPublisher(frames(), endpoint(), speed=None, lossless=True) as pub:
        pull.connect(pub.endpoint)
        assert pub.join(10.0)
    assert isinstance(pub.error, OSError) and pub.sent == 2


def test_a_bad_endpoint_fails_in_the_caller():
    with pytest.raises(ValueError, match="cannot bind replay socket at tcp://nowhere"):
        ReplayPublisher([], "tcp://nowhere", speed=None)
    with pytest.raises(ValueError, match="got -2"):
        ReplayPublisher([], endpoint(), speed=-2)


# --- the command line


def run_cli(*args: str, timeout: float = 30.0) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "actors.feed.replay", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def small_csv(tmp_path):
    path = tmp_path / "quotes.csv"
    path.write_text("20200101 170000065,1.121200,1.121720,0\n"
                    "garbage\n"
                    "20200101 170010447,1.121200,1.121920,0\n")
    return path


@pytest.mark.parametrize("args, problem", [
    (["missing.vrec"], "no such file: missing.vrec"),
    (["{csv}", "--speed", "-1"], "got -1.0"),
    (["{csv}", "--speed", "nan"], "got nan"),
    (["{csv}"], "needs a symbol"),
    (["{txt}"], "neither a Vigil recording"),
    (["{csv}", "--symbol", "EURUSD", "--speed", "2", "--max"], "not allowed with argument"),
    (["{csv}", "--symbol", "EURUSD", "--endpoint", "tcp://nowhere"], "cannot bind"),
])
def test_cli_bad_arguments_give_one_line_and_exit_2(tmp_path, small_csv, args, problem):
    txt = tmp_path / "notes.txt"
    txt.write_text("hello\n")
    argv = [a.format(csv=small_csv, txt=txt) for a in args]
    if "--endpoint" not in argv:
        argv += ["--endpoint", endpoint()]
    done = run_cli(*argv)
    assert done.returncode == 2, done.stderr
    assert problem in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def _run_cli(context, path, count: int, *args: str) -> tuple[list[list[bytes]], str]:
    """Run the replay CLI on `path` into a PULL socket until it exits 0; what came, and its stderr."""
    where = endpoint()
    pull = context.socket(zmq.PULL)
    pull.connect(where)
    proc = subprocess.Popen([sys.executable, "-m", "actors.feed.replay", str(path), "--endpoint", where, *args],
                            cwd=REPO, stderr=subprocess.PIPE, text=True)
    try:
        got = receive(pull, count, deadline_s=20.0)
        _, err = proc.communicate(timeout=20.0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    return got, err


def test_cli_replays_a_csv_losslessly_and_exits_0(context, small_csv):
    got, err = _run_cli(context, small_csv, 3, "--symbol", "EURUSD", "--max", "--lossless")
    assert [parts[1] for parts in got][1] == b"garbage"
    assert [decode(got[i]).seq for i in (0, 2)] == [1, 3]
    assert "sent 3/3" in err and "quotes.csv:2" in err


def test_cli_replays_a_recording(context, tmp_path):
    path = tmp_path / "day.vrec"
    with Recorder(path) as recorder:
        for frame in quotes(10):
            recorder.write(frame)
    got, err = _run_cli(context, path, 10, "--speed", "100", "--lossless")
    assert got == [f.parts for f in quotes(10)]
    assert "at 100x" in err and "sent 10/10" in err
