"""Bulk work in the venue goes a bounded step per turn of its loop (venues.venue), so no turn is long
enough to miss a heartbeat (the venue would be killed as hung and lose its book): a mass status for
thousands of open orders, cancel on disconnect of thousands, a burst of held requests released.

The venue runs over real FIX sessions; the test is its loop, run as its actor runs it: pump when the
wake-up fd is readable, and only then.
"""
from __future__ import annotations

import itertools
import select
import time
from contextlib import contextmanager

import pytest
import quickfix as fix

from tests.support.harness import wait_for
from venues.config import VenueConfig
from venues.participant import RawFixClient
from venues.venue import MASS_STATUS_CHUNK, WORK_PER_TURN, VenueCore
from vigil.clock import LiveClock
from vigil.config import build_config
from vigil.fix.bridge import DRAIN_LIMIT
from vigil.fix.fields import new_message, set_fields
from vigil.procs import free_port
from vocabulary.venue import VenueCommand

_venues = itertools.count(1)


@pytest.fixture
def venue(tmp_path):
    with running_venue(tmp_path) as pair:
        yield pair


@contextmanager
def running_venue(tmp_path, **settings):
    """A venue and one client logged on to it, as (venue, client)."""
    # QuickFIX keeps sessions in a process-wide registry: every venue here gets a client of its own.
    config = build_config(VenueConfig, {
        "port": free_port(), "md_endpoint": f"tcp://127.0.0.1:{free_port()}", "fix_log": False,
        "clients": [{"comp_id": f"MS{next(_venues)}"}],
        "symbols": {"ACME": {"tick_size": 0.01, "reference_price": 100}}, **settings})
    core = VenueCore(config, LiveClock(), tmp_path)
    core.start()
    stopped = False
    try:
        with RawFixClient(config.port, config.clients[0].comp_id) as client:
            _turns_until(core, lambda: core.logged_on, "the client's logon")
            yield core, client
            core.stop()  # while the client is still logged on: see VenueCore.stop
            stopped = True
    finally:
        if not stopped:
            core.stop()


def _turn(core: VenueCore, timeout: float = 10.0) -> bool:
    """One turn of the venue's loop: pump if the wake-up fd is (or becomes) readable."""
    if not select.select(core.link.fds, [], [], timeout)[0]:
        return False
    core.pump()
    return True


def _turns_until(core: VenueCore, predicate, what: str, timeout: float = 15.0) -> list[int]:
    """Turn the loop until predicate() holds; the messages the venue sent in each turn."""
    deadline, sent = time.monotonic() + timeout, []
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        before = core.counts["reports"]
        if _turn(core, 0.05):
            sent.append(core.counts["reports"] - before)
    return sent


class Inbox:
    """What the client got, each message as {tag: value}."""

    def __init__(self, client: RawFixClient) -> None:
        self.client, self.messages = client, []

    def __call__(self) -> list[dict[str, str]]:
        while not self.client.app.inbox.empty():
            raw = self.client.app.inbox.get_nowait()
            self.messages.append(dict(f.split("=", 1) for f in raw.split("\x01") if f))
        return self.messages


def _send(core: VenueCore, client: RawFixClient, *messages: fix.Message) -> None:
    """Send, and wait until the venue's QuickFIX has taken them in (queued for its loop, not yet done)."""
    session = fix.Session.lookupSession(core.link.sessions[next(iter(core.logged_on))])
    expected = session.getExpectedTargetNum() + len(messages)
    for m in messages:
        fix.Session.sendToTarget(m, client.app.session)
    wait_for(lambda: session.getExpectedTargetNum() == expected, 10, "the venue to receive the messages")


def _mass_status_request(req_id: str) -> fix.Message:
    m = new_message("AF")
    set_fields(m, ((584, req_id), (585, 7)))  # 7: status of all orders
    return m


def _cancel(orig_cl_ord_id: str, qty: int) -> fix.Message:
    m = new_message("F")
    set_fields(m, ((11, f"C-{orig_cl_ord_id}"), (41, orig_cl_ord_id), (55, "ACME"), (54, "1"), (38, qty)))
    m.setField(fix.TransactTime())
    return m


def _rest_orders(core: VenueCore, client: RawFixClient, inbox: Inbox, n: int) -> list[str]:
    """n resting buy orders, sent in one burst; the venue takes at most DRAIN_LIMIT of them per turn."""
    ids = [client.new_order("ACME", "1", 1, "99.00") for _ in range(n)]
    per_turn, last = [], 0

    def taken():
        nonlocal last
        per_turn.append(core.counts["orders"] - last)
        last = core.counts["orders"]
        return last == n
    _turns_until(core, taken, f"{n} orders taken in")
    assert max(per_turn) <= DRAIN_LIMIT
    _turns_until(core, lambda: len(inbox()) == n, f"{n} acknowledgements")
    inbox.messages.clear()
    return ids


def test_a_mass_status_of_thousands_goes_out_a_chunk_per_turn_while_the_venue_serves_the_client(venue):
    core, client = venue
    n = 12 * MASS_STATUS_CHUNK - 10
    inbox = Inbox(client)
    ids = _rest_orders(core, client, inbox, n)

    _send(core, client, _mass_status_request("MS-1"))
    before = core.counts["reports"]
    assert _turn(core)
    assert core.counts["reports"] - before == MASS_STATUS_CHUNK  # a chunk, and the turn is over

    # While the answer is under way: a new order, and a cancel of an order the answer is still to report
    newcomer = new_message("D")
    set_fields(newcomer, ((11, "NEW-1"), (55, "ACME"), (54, "1"), (38, 2), (40, 2), (44, "98.00"), (59, 0)))
    newcomer.setField(fix.TransactTime())
    _send(core, client, newcomer, _cancel(ids[-1], 1))
    before = core.counts["reports"]
    assert _turn(core)
    assert core.counts["reports"] - before == 2 + MASS_STATUS_CHUNK  # both answered, then the next chunk

    sent = _turns_until(core, lambda: any(m.get("912") == "Y" for m in inbox()), "the last status report")
    assert sent and max(sent) <= MASS_STATUS_CHUNK  # every turn wakes the next: the fd stays readable
    _turns_until(core, lambda: len(inbox()) == n + 2, "every message")

    got = inbox.messages
    statuses = [m for m in got if m.get("584") == "MS-1"]
    # Every order open at the request, in the order accepted; the last under the ClOrdID of its cancel
    assert [m["11"] for m in statuses] == ids[:-1] + [f"C-{ids[-1]}"]
    assert {(m["35"], m["150"], m["911"]) for m in statuses} == {("8", "I", str(n))}
    assert [m.get("912") for m in statuses] == [None] * (n - 1) + ["Y"]
    # On the wire: the first chunk, then the newcomer's and the cancel's answers, then the rest of the answer
    assert got[MASS_STATUS_CHUNK]["11"] == "NEW-1" and got[MASS_STATUS_CHUNK]["150"] == "0"
    assert got[MASS_STATUS_CHUNK + 1]["41"] == ids[-1] and got[MASS_STATUS_CHUNK + 1]["150"] == "4"
    assert got[-1] is statuses[-1]
    # A status report tells the order's state when it is sent: never older than a report sent before it
    assert statuses[-1]["39"] == "4" and statuses[-1]["151"] == "0"
    assert all(m["39"] == "0" for m in statuses[:-1])


def test_mass_status_requests_of_a_session_are_answered_whole_and_in_turn(venue):
    core, client = venue
    n = MASS_STATUS_CHUNK + 1
    inbox = Inbox(client)
    ids = _rest_orders(core, client, inbox, n)
    _send(core, client, _mass_status_request("R1"), _mass_status_request("R2"))
    _turns_until(core, lambda: len(inbox()) == 2 * n, "both answers")
    # With every order canceled, the answer is the empty one (911=0, 912=Y), still in turn
    _send(core, client, *(_cancel(cl, 1) for cl in ids))
    _turns_until(core, lambda: len(inbox()) == 3 * n, "the cancels")
    _send(core, client, _mass_status_request("R3"))
    _turns_until(core, lambda: len(inbox()) == 3 * n + 1, "the empty answer")

    got = inbox.messages
    assert [m["584"] for m in got[:2 * n]] == ["R1"] * n + ["R2"] * n  # one answer, then the other
    assert [m["11"] for m in got[:2 * n]] == ids * 2
    assert [i for i, m in enumerate(got[:2 * n]) if m.get("912") == "Y"] == [n - 1, 2 * n - 1]
    assert {(m["584"], m["911"], m["912"]) for m in got[3 * n:]} == {("R3", "0", "Y")}


def test_cancel_on_disconnect_of_thousands_goes_a_step_per_turn_and_cancels_them_all(tmp_path):
    with running_venue(tmp_path, cancel_on_disconnect=True) as (core, client):
        session = next(iter(core.logged_on))
        n = 3 * WORK_PER_TURN + 5
        _rest_orders(core, client, Inbox(client), n)
        core.command(VenueCommand("drop_connection"))

        open_per_turn = []

        def all_cancelled():
            open_per_turn.append(len(core.exchange.open_orders(session)))
            return open_per_turn[-1] == 0
        _turns_until(core, all_cancelled, "every order cancelled")
        cancelled_per_turn = [a - b for a, b in zip(open_per_turn, open_per_turn[1:])]
        assert sum(cancelled_per_turn) == n
        assert max(cancelled_per_turn) == WORK_PER_TURN  # bounded, and so more than one turn
        assert all(o.status.name == "CANCELED" for o in core.exchange._orders.by_id.values())
        # stopping an acceptor with no client logged on can segfault (QuickFIX's Acceptor::stop race,
        # see VenueCore.stop): let the dropped client log on again first
        _turns_until(core, lambda: core.logged_on, "the client's logon again")


def test_held_requests_released_in_bulk_are_taken_in_a_step_per_turn_and_in_order(venue):
    core, client = venue
    inbox = Inbox(client)
    core.command(VenueCommand("hold_requests"))
    n = 2 * WORK_PER_TURN + 3
    ids = [client.new_order("ACME", "1", 1, "99.00") for _ in range(n)]
    fix.Session.sendToTarget(_cancel(ids[0], 1), client.app.session)
    _turns_until(core, lambda: core.faults.held_requests.count() == n + 1, "every request held")
    assert core.counts["orders"] == 0

    core.command(VenueCommand("release_requests"))
    late = new_message("D")  # sent after the release: must not overtake what was held
    set_fields(late, ((11, "LATE"), (55, "ACME"), (54, "1"), (38, 1), (40, 2), (44, "98.00"), (59, 0)))
    late.setField(fix.TransactTime())
    _send(core, client, late)
    taken = [0]

    def all_taken():
        taken.append(core.counts["orders"])
        return taken[-1] == n + 1
    _turns_until(core, all_taken, "every order taken in")
    assert max(b - a for a, b in zip(taken, taken[1:])) <= WORK_PER_TURN
    _turns_until(core, lambda: len(inbox()) == n + 2, "every answer")
    answered = [m["11"] for m in inbox.messages]
    assert answered == ids + [f"C-{ids[0]}", "LATE"]  # in the order sent: the cancel found its order
    assert inbox.messages[n]["150"] == "4"
