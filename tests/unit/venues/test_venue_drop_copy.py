"""The venue's drop copy (VenueCommand drop_copy): one client's working orders, fills, arrivals and
positions as the venue itself has them, in the units of its FIX reports, which a fire drill checks
Vigil's books against. holdings, which a drill may still ask for, is a part of it.

Over real FIX sessions (QuickFIX on loopback, free ports); the venue's loop is turned as its actor
turns it. One venue for the module: each takes seconds to stop (see VenueCore.stop).
"""
from __future__ import annotations

import itertools
import json
from contextlib import ExitStack

import pytest
import quickfix as fix

from tests.unit.venues.test_venue_bulk_work import Inbox, _turns_until
from venues.config import VenueConfig
from venues.engine import VenueError
from venues.participant import RawFixClient
from venues.venue import VenueCore
from vigil.clock import LiveClock
from vigil.config import build_config
from vigil.fix.fields import new_message, set_fields
from vigil.procs import free_port
from vocabulary.venue import VenueCommand

_venues = itertools.count(1)


@pytest.fixture(scope="module")
def venue(tmp_path_factory):
    """(venue, {role: (comp_id, client, inbox)}): a buyer and a seller that trade with each other, and a
    client sending ClOrdIDs twice, each in a symbol of its own."""
    # QuickFIX keeps sessions in a process-wide registry: every venue gets clients of its own
    n = next(_venues)
    ids = {role: f"DC{role[0].upper()}{n}" for role in ("buyer", "seller", "dup")}
    config = build_config(VenueConfig, {
        "port": free_port(), "md_endpoint": f"tcp://127.0.0.1:{free_port()}", "fix_log": False,
        "clients": [{"comp_id": c} for c in ids.values()],
        "symbols": {"ACME": {"tick_size": 0.01, "reference_price": 100}, "DUPE": {"tick_size": 0.01}}})
    core = VenueCore(config, LiveClock(), tmp_path_factory.mktemp("venue"))
    core.start()
    stopped = False
    try:
        with ExitStack() as stack:
            clients = {role: stack.enter_context(RawFixClient(config.port, comp_id)) for role, comp_id in ids.items()}
            _turns_until(core, lambda: len(core.logged_on) == len(ids), "every client's logon")
            yield core, {role: (ids[role], clients[role], Inbox(clients[role])) for role in ids}
            core.stop()  # while the clients are logged on: see VenueCore.stop
            stopped = True
    finally:
        if not stopped:
            core.stop()


def _order(client: RawFixClient, cl_ord_id: str, symbol: str, side: str, qty: int, price: str) -> None:
    """A limit NewOrderSingle with the ClOrdID chosen here. (QuickFIX drops a PossDupFlag set on a message
    sent anew: only its own resends carry one.)"""
    m = new_message("D")
    set_fields(m, ((11, cl_ord_id), (55, symbol), (54, side), (38, qty), (40, "2"), (44, price), (59, "0")))
    m.setField(fix.TransactTime())
    fix.Session.sendToTarget(m, client.app.session)


def _forget_last_message_from(core: VenueCore, comp_id: str) -> None:
    """Make the venue's QuickFIX expect the client's last message again: the client's next one is a gap
    to it, so it asks for a resend, and the client's QuickFIX sends that message again, PossDupFlag 43=Y,
    as it would after a lost connection."""
    name = next(n for n in core.logged_on if n.endswith(f"->{comp_id}"))
    session = fix.Session.lookupSession(core.link.sessions[name])
    session.setNextTargetMsgSeqNum(session.getExpectedTargetNum() - 1)


def _drop_copy(core: VenueCore, comp_id: str) -> dict:
    return json.loads(core.command(VenueCommand("drop_copy", {"comp_id": comp_id})))


def _wait_reports(core: VenueCore, inbox: Inbox, n: int, what: str) -> list[dict[str, str]]:
    _turns_until(core, lambda: len(inbox()) >= n, what)
    return inbox.messages


def test_a_resting_order_is_working_and_after_a_cross_its_fill_and_the_position_are_there(venue):
    core, clients = venue
    buyer, b_client, b_inbox = clients["buyer"]
    seller, s_client, s_inbox = clients["seller"]

    _order(b_client, "BUY-1", "ACME", "1", 10, "100.07")
    ack = _wait_reports(core, b_inbox, 1, "the buy order's acknowledgement")[0]
    assert ack["150"] == "0"
    copy = _drop_copy(core, buyer)
    assert copy == {
        "working": [{"cl_ord_id": "BUY-1", "order_id": ack["37"], "symbol": "ACME", "side": "buy", "qty": 10,
                     "cum_qty": 0, "leaves_qty": 10, "price": 100.07}],  # 100.07, as on the wire, not 10007 ticks
        "fills": [], "orders_received": 1, "duplicated_cl_ord_ids": [], "duplicated_fills": [], "positions": {}}

    _order(s_client, "SELL-1", "ACME", "2", 4, "99.00")  # crosses, at the resting order's price
    buy_fill = _wait_reports(core, b_inbox, 2, "the buyer's fill")[1]
    sell_ack, sell_fill = _wait_reports(core, s_inbox, 2, "the seller's acknowledgement and fill")
    assert buy_fill["150"] == sell_fill["150"] == "F"

    copy = _drop_copy(core, buyer)
    assert copy["working"] == [{"cl_ord_id": "BUY-1", "order_id": ack["37"], "symbol": "ACME", "side": "buy",
                                "qty": 10, "cum_qty": 4, "leaves_qty": 6, "price": 100.07}]
    # The fill the buyer was sent, ExecID and all: what Vigil's books are checked against
    assert copy["fills"] == [{"exec_id": buy_fill["17"], "cl_ord_id": "BUY-1", "order_id": ack["37"],
                              "symbol": "ACME", "side": "buy", "qty": 4, "price": 100.07}]
    assert copy["positions"] == {"ACME": 4} and copy["duplicated_fills"] == []

    other = _drop_copy(core, seller)
    assert other["working"] == []  # filled in full
    assert other["fills"] == [{"exec_id": sell_fill["17"], "cl_ord_id": "SELL-1", "order_id": sell_ack["37"],
                               "symbol": "ACME", "side": "sell", "qty": 4, "price": 100.07}]
    assert other["positions"] == {"ACME": -4} and other["orders_received"] == 1

    # holdings, which a drill may still use, is the same account, cut down
    holdings = json.loads(core.command(VenueCommand("holdings", {"comp_id": buyer})))
    assert holdings == {"open_orders": [{"cl_ord_id": "BUY-1", "symbol": "ACME", "side": "buy", "leaves_qty": 6}],
                        "net_bought": {"ACME": 4}}


def test_a_cl_ord_id_sent_twice_is_a_duplicate_but_a_possdup_resend_is_not(venue):
    core, clients = venue
    dup, client, inbox = clients["dup"]

    _order(client, "D-1", "DUPE", "1", 1, "50.00")
    _order(client, "D-1", "DUPE", "1", 1, "50.00")  # the same ClOrdID, sent as a new order
    _order(client, "D-2", "DUPE", "1", 2, "49.00")
    _wait_reports(core, inbox, 3, "an answer to the first three orders")
    _forget_last_message_from(core, dup)
    _order(client, "D-3", "DUPE", "1", 3, "48.00")  # makes the client's QuickFIX send D-2 again, before it
    reports = _wait_reports(core, inbox, 5, "an answer to D-2 resent and to D-3")
    assert [(r["11"], r["150"]) for r in reports] == [("D-1", "0"), ("D-1", "8"), ("D-2", "0"), ("D-2", "8"),
                                                      ("D-3", "0")]  # the engine refused both second copies

    copy = _drop_copy(core, dup)
    assert copy["orders_received"] == 5
    assert copy["duplicated_cl_ord_ids"] == ["D-1"]
    assert [w["cl_ord_id"] for w in copy["working"]] == ["D-1", "D-2", "D-3"]
    assert copy["fills"] == [] and copy["positions"] == {}


def test_drop_copy_and_holdings_name_a_missing_or_unknown_client(venue):
    core, _ = venue
    for kind in ("drop_copy", "holdings"):
        with pytest.raises(VenueError, match=f"^{kind} needs comp_id$"):
            core.command(VenueCommand(kind, {}))
        with pytest.raises(VenueError, match=f"^{kind}: no client 'NOBODY'$"):
            core.command(VenueCommand(kind, {"comp_id": "NOBODY"}))
