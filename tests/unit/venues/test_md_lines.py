"""The venue's two market-data lines (A/B): byte-identical messages on both, and one line silenced
(VenueCommand md_silent) while the other, FIX and order flow go on, so a feed can fail over.

Real ZeroMQ sockets on free ports. A SUB that has just connected misses what is published before
its subscription reaches the publisher (the slow joiner): `_join` publishes probes until every
subscriber has seen one, and the tests read only what comes after.
"""
from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
import zmq

# A venue with one FIX client logged on, and a turn of its loop, as the bulk-work tests run them
from tests.unit.venues.test_venue_bulk_work import Inbox, _turns_until, running_venue
from venues.config import VenueConfig
from venues.engine import VenueError
from venues.marketdata import Publisher
from vigil.config import ConfigError, build_config
from vigil.procs import free_port
from vocabulary.market_data import decode
from vocabulary.venue import VenueCommand

PROBE = "PROBE"
DEADLINE_S = 10.0


def _endpoint() -> str:
    return f"tcp://127.0.0.1:{free_port()}"


@contextmanager
def _subscribers(*endpoints: str):
    context = zmq.Context.instance()
    subs = []
    try:
        for endpoint in endpoints:
            sub = context.socket(zmq.SUB)
            sub.setsockopt(zmq.LINGER, 0)
            sub.setsockopt(zmq.SUBSCRIBE, b"")
            sub.connect(endpoint)
            subs.append(sub)
        yield subs
    finally:
        for sub in subs:
            sub.close()


def _join(publisher: Publisher, *subs: zmq.Socket) -> None:
    """Publish probes until every subscriber has received one."""
    poller = zmq.Poller()
    for sub in subs:
        poller.register(sub, zmq.POLLIN)
    waiting, deadline = set(subs), time.monotonic() + DEADLINE_S
    while waiting:
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(waiting)} subscriber(s) never joined")
        publisher.quote(PROBE, 0, 0, 0, 0, 0)
        for sub, _ in poller.poll(20):
            waiting.discard(sub)


def _take(sub: zmq.Socket, n: int) -> list[list[bytes]]:
    """The next n messages on sub that are not probes, as raw frames (told apart by topic: a corrupt one
    does not decode)."""
    got, deadline = [], time.monotonic() + DEADLINE_S
    while len(got) < n:
        left_ms = int((deadline - time.monotonic()) * 1000)
        if left_ms <= 0 or not sub.poll(left_ms):
            raise AssertionError(f"timed out with {len(got)} of {n} messages")
        frames = sub.recv_multipart()
        if frames[0] != b"Q" + PROBE.encode():
            got.append(frames)
    return got


def _seqs(messages: list[list[bytes]]) -> list[int]:
    return [decode(m).seq for m in messages]


@pytest.fixture
def ab():
    """A publisher on two lines, with a joined subscriber on each, as (publisher, primary, backup)."""
    publisher = Publisher(_endpoint(), backup_endpoint=_endpoint())
    try:
        with _subscribers(publisher.endpoint, publisher.backup_endpoint) as (primary, backup):
            _join(publisher, primary, backup)
            yield publisher, primary, backup
    finally:
        publisher.close()


# ---- the publisher ---------------------------------------------------------------------------------

def test_both_lines_carry_byte_identical_messages(ab):
    publisher, primary, backup = ab
    publisher.quote("ACME", 111, 99.5, 10, 100.5, 20)
    publisher.trade("ACME", 222, 100.0, 5, -1)
    publisher.skip_next = 3  # a gap is the same gap on both lines
    publisher.quote("ACME", 333, 99.5, 10, 100.5, 15)

    on_primary, on_backup = _take(primary, 3), _take(backup, 3)
    assert on_primary == on_backup
    assert _seqs(on_primary) == [1, 2, 6]
    assert [decode(m).ts_ns for m in on_primary] == [111, 222, 333]


def test_a_silenced_primary_leaves_the_backup_flowing_and_resumes_with_a_gap(ab):
    publisher, primary, backup = ab
    publisher.quote("ACME", 1, 99.5, 10, 100.5, 20)
    publisher.silence("primary")
    assert publisher.silenced == {"primary"}
    for ts in (2, 3, 4):
        publisher.quote("ACME", ts, 99.5, 10, 100.5, 20 + ts)
    publisher.silence("primary", False)
    publisher.quote("ACME", 5, 99.5, 10, 100.5, 30)

    # A connection delivers in order: anything sent on the primary while silenced would come before 5
    on_primary, on_backup = _take(primary, 2), _take(backup, 5)
    assert _seqs(on_primary) == [1, 5]
    assert _seqs(on_backup) == [1, 2, 3, 4, 5]
    assert on_primary == [on_backup[0], on_backup[-1]]


def test_a_silenced_backup_leaves_the_primary_flowing(ab):
    publisher, primary, backup = ab
    publisher.silence("backup")
    publisher.trade("ACME", 1, 100.0, 1, 1)
    publisher.silence("backup", False)
    publisher.trade("ACME", 2, 100.0, 1, 1)
    assert _seqs(_take(primary, 2)) == [1, 2]
    assert _seqs(_take(backup, 1)) == [2]


def test_silent_silences_both_lines(ab):
    publisher, primary, backup = ab
    publisher.silent = True
    publisher.quote("ACME", 1, 99.5, 10, 100.5, 20)
    publisher.trade("ACME", 2, 100.0, 1, 1)
    publisher.silent = False
    publisher.quote("ACME", 3, 99.5, 10, 100.5, 20)
    # Nothing went out while silent, on either line: the first message after is the one sent at 3
    for sub in (primary, backup):
        assert [decode(m).ts_ns for m in _take(sub, 1)] == [3]


def test_one_line_publishes_as_before_and_has_no_backup_to_silence():
    publisher = Publisher(_endpoint())
    try:
        assert publisher.backup_endpoint is None
        with pytest.raises(ValueError, match="'backup'"):
            publisher.silence("backup")
        with _subscribers(publisher.endpoint) as (sub,):
            _join(publisher, sub)
            publisher.quote("ACME", 1, 99.5, 10, 100.5, 20)
            assert _seqs(_take(sub, 1)) == [1]
    finally:
        publisher.close()


# ---- configuration ---------------------------------------------------------------------------------

def _config(**settings) -> VenueConfig:
    return build_config(VenueConfig, {"port": 1, "md_endpoint": "tcp://127.0.0.1:5000", "clients": [{"comp_id": "C"}],
                                      "symbols": {"ACME": {"tick_size": 0.01}}, **settings}, "root/venue")


def test_the_backup_line_is_optional():
    assert _config().md_backup_endpoint is None
    assert _config(md_backup_endpoint="tcp://127.0.0.1:5001").md_backup_endpoint == "tcp://127.0.0.1:5001"


def test_a_backup_endpoint_equal_to_the_primary_is_refused_naming_both():
    with pytest.raises(ConfigError) as err:
        _config(md_backup_endpoint="tcp://127.0.0.1:5000")
    assert str(err.value) == ("root/venue: md_backup_endpoint: 'tcp://127.0.0.1:5000' is the same as md_endpoint: "
                              "the backup line needs an endpoint of its own")


def test_identical_wildcard_endpoints_bind_two_ports_and_are_accepted():
    config = _config(md_endpoint="tcp://127.0.0.1:*", md_backup_endpoint="tcp://127.0.0.1:*")
    publisher = Publisher(config.md_endpoint, backup_endpoint=config.md_backup_endpoint)
    try:
        assert publisher.endpoint != publisher.backup_endpoint
    finally:
        publisher.close()


# ---- the venue: VenueCommand md_silent ----------------------------------------------------------------

def test_md_silent_silences_one_line_while_fix_and_the_other_line_go_on(tmp_path):
    with running_venue(tmp_path, md_backup_endpoint=_endpoint()) as (core, client):
        inbox = Inbox(client)
        with _subscribers(core.publisher.endpoint, core.publisher.backup_endpoint) as (primary, backup):
            _join(core.publisher, primary, backup)

            def order(price: str, acks: int) -> None:
                """A resting bid: acknowledged over FIX, and a new top of book on market data."""
                client.new_order("ACME", "1", 1, price)
                _turns_until(core, lambda: len(inbox()) == acks, f"acknowledgement {acks}")

            order("99.00", 1)
            status = core.command(VenueCommand("md_silent", {"line": "primary"}))
            assert "market-data lines silenced: primary" in status
            order("99.50", 2)  # the FIX session is not silenced
            core.command(VenueCommand("md_silent", {"line": "primary", "on": False}))
            order("99.75", 3)

            on_primary, on_backup = _take(primary, 2), _take(backup, 3)
            assert _seqs(on_backup) == [1, 2, 3]
            assert [decode(m).bid_px for m in on_backup] == pytest.approx([99.0, 99.5, 99.75])
            assert _seqs(on_primary) == [1, 3]  # the gap a feed fills from the backup
            assert on_primary == [on_backup[0], on_backup[2]]
            assert [m["150"] for m in inbox.messages] == ["0", "0", "0"]


def test_silent_still_silences_both_lines_of_the_venue(tmp_path):
    with running_venue(tmp_path, md_backup_endpoint=_endpoint()) as (core, _):
        with _subscribers(core.publisher.endpoint, core.publisher.backup_endpoint) as (primary, backup):
            _join(core.publisher, primary, backup)
            core.command(VenueCommand("silent"))
            core.publisher.quote("ACME", 1, 99.5, 10, 100.5, 20)
            core.command(VenueCommand("silent", {"on": False}))
            core.publisher.quote("ACME", 2, 99.5, 10, 100.5, 20)
            for sub in (primary, backup):
                assert [decode(m).ts_ns for m in _take(sub, 1)] == [2]


def test_md_silent_refuses_a_bad_line_or_on_and_a_backup_the_venue_has_not(tmp_path):
    # One venue for every case: each takes seconds to stop (see VenueCore.stop)
    with running_venue(tmp_path) as (core, _):
        for args, problem in [
            ({}, "md_silent needs line: 'primary' or 'backup'"),
            ({"line": "A"}, "line is 'primary' or 'backup', not 'A'"),
            ({"line": None}, "line is 'primary' or 'backup', not None"),
            ({"line": "primary", "on": "false"}, "on is true or false, not 'false'"),
            ({"line": "backup"}, "the venue has no backup line (md_backup_endpoint is not set)"),
        ]:
            with pytest.raises(VenueError) as err:
                core.command(VenueCommand("md_silent", args))
            assert problem in str(err.value), args
            assert core.publisher.silenced == set()
        core.command(VenueCommand("md_silent", {"line": "primary"}))  # the one line it has
        assert core.publisher.silenced == {"primary"}
