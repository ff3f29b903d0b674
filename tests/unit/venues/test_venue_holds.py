"""Holding a client's reports or requests at the venue until released (VenueCommand hold_* / release_*)."""
from __future__ import annotations

import itertools
import time

import pytest

from venues.config import VenueConfig
from venues.engine import VenueError
from venues.faults import Gate
from venues.participant import RawFixClient
from venues.venue import VenueCore
from vigil.clock import LiveClock
from vigil.config import build_config
from vigil.procs import free_port
from vocabulary.venue import VenueCommand

# ---- the gate itself ---------------------------------------------------------------------------

def test_a_gate_holds_only_the_chosen_client_and_releases_in_order():
    gate = Gate()
    assert not gate.offer("A", 1)
    gate.hold("A")
    assert gate.offer("A", 1) and gate.offer("A", 2) and not gate.offer("B", 3)
    assert gate.count("A") == 2 and gate.count("B") == 0 and gate.count() == 2
    assert gate.release("A") == [1, 2]
    assert gate.count() == 0 and not gate.offer("A", 4)


def test_a_gate_closed_for_everyone_releases_clients_one_by_one():
    gate = Gate()
    gate.hold()
    for item in (("A", 1), ("B", 2), ("A", 3)):
        assert gate.offer(*item)
    assert gate.release("A") == [1, 3]
    assert not gate.offer("A", 4)  # let through from now on
    assert gate.offer("C", 5)  # everyone else still held, even a client not seen before
    assert gate.release() == [2, 5]
    assert not gate.offer("B", 6)


# ---- the venue, over a real FIX session ----------------------------------------------------------

_venues = itertools.count(1)


@pytest.fixture
def venue(tmp_path):
    # QuickFIX keeps sessions in a process-wide registry: every venue here gets clients of its own.
    n = next(_venues)
    config = build_config(VenueConfig, {
        "port": free_port(), "md_endpoint": f"tcp://127.0.0.1:{free_port()}", "fix_log": False,
        "clients": [{"comp_id": f"A{n}"}, {"comp_id": f"B{n}"}, {"comp_id": f"K{n}"}],
        "symbols": {"ACME": {"tick_size": 0.01, "reference_price": 100}}})
    core = VenueCore(config, LiveClock(), tmp_path)
    core.start()
    try:
        yield core
    finally:
        _pump_until(core, lambda: not core.logged_on, "the clients' logouts")
        # QuickFIX's Acceptor::stop can crash when no client is logged on (see VenueCore.stop): a
        # client of the fixture's own stays logged on until the venue has stopped.
        with RawFixClient(config.port, f"K{n}"):
            _pump_until(core, lambda: core.logged_on, "the keeper's logon")
            core.stop()


def _pump_until(core: VenueCore, predicate, what: str, timeout: float = 10.0):
    """Run the venue's loop (as its actor does) until predicate() holds."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        core.pump()
        core.tick()
        time.sleep(0.005)
    return value


def _next(core: VenueCore, client: RawFixClient, what: str) -> str:
    box: list[str] = []

    def got():
        if not box and not client.app.inbox.empty():
            box.append(client.app.inbox.get_nowait())
        return box
    return _pump_until(core, got, what)[0]


def _clients(core: VenueCore) -> tuple[str, str]:
    return tuple(c.comp_id for c in core.config.clients[:2])  # the third is the fixture's


def _held(core: VenueCore, what: str, comp_id: str) -> int:
    return int(core.command(VenueCommand("held", {"what": what, "comp_id": comp_id})))


def test_held_reports_reach_only_that_client_and_only_when_released(venue):
    A, B = _clients(venue)
    with RawFixClient(venue.config.port, A) as a, RawFixClient(venue.config.port, B) as b:
        _pump_until(venue, lambda: len(venue.logged_on) == 2, "both clients logged on")
        venue.command(VenueCommand("hold_reports", {"comp_id": A}))
        a.new_order("ACME", "1", 5, "100.00")
        _pump_until(venue, lambda: _held(venue, "reports", A) == 1, "A's acknowledgement held")
        b.new_order("ACME", "2", 2, "100.00")  # trades with A's order at once
        assert "150=0" in _next(venue, b, "B's acknowledgement")  # B is not held
        assert "150=F" in _next(venue, b, "B's fill")
        _pump_until(venue, lambda: _held(venue, "reports", A) == 2, "A's fill held")
        assert a.app.inbox.empty()
        venue.command(VenueCommand("release_reports", {"comp_id": A}))
        first, second = _next(venue, a, "A's acknowledgement"), _next(venue, a, "A's fill")
        assert "150=0" in first and "150=F" in second and "14=2" in second  # in the order they happened
        assert _held(venue, "reports", A) == 0


def test_held_requests_wait_unprocessed_and_are_processed_in_order_or_dropped(venue):
    A, _ = _clients(venue)
    with RawFixClient(venue.config.port, A) as a:
        _pump_until(venue, lambda: len(venue.logged_on) == 1, "logged on")
        venue.command(VenueCommand("hold_requests", {"comp_id": A}))
        a.new_order("ACME", "1", 5, "99.00")
        a.new_order("ACME", "1", 6, "98.00")
        _pump_until(venue, lambda: _held(venue, "requests", A) == 2, "both orders held")
        assert venue.exchange.open_orders(f"FIX.4.4:VENUE->{A}") == [] and venue.counts["orders"] == 0
        venue.command(VenueCommand("release_requests", {"comp_id": A}))
        assert "38=5" in _next(venue, a, "the first order's acknowledgement")
        assert "38=6" in _next(venue, a, "the second order's acknowledgement")

        venue.command(VenueCommand("hold_requests", {"comp_id": A}))
        a.new_order("ACME", "1", 7, "97.00")
        _pump_until(venue, lambda: _held(venue, "requests", A) == 1, "the order held")
        venue.command(VenueCommand("release_requests", {"comp_id": A, "drop": True}))
        a.new_order("ACME", "1", 8, "96.00")
        assert "38=8" in _next(venue, a, "the next order's acknowledgement")  # 7 was lost on the way
        assert [o.order_qty for o in venue.exchange.open_orders(f"FIX.4.4:VENUE->{A}")] == [5, 6, 8]


def test_held_needs_to_know_what_to_count(venue):
    with pytest.raises(VenueError, match="'reports' or 'requests'"):
        venue.command(VenueCommand("held", {"what": "orders"}))
