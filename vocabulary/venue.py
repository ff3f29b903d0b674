"""What operators and drills tell the simulated venue: faults to produce, and venue operations."""
from __future__ import annotations

from typing import Any

from vigil.wire import Message


class VenueCommand(Message, frozen=True):
    """An operator's or a drill's order to the venue.

    kind: reject_next (n), delay_reports (ms), drop_connection (comp_id: one client, else all),
    refuse_logon (n: -1 forever, 0 stop; comp_id: one client, else all),
    sequence_gap (n), silent (on), mass_status (mode: answer | ignore | business_reject | session_reject:
    what the venue does with an OrderMassStatusRequest, like a counterparty without one), phase (phase, symbol; text: why, for a halt or its end, sent to
    every client in a SecurityStatus 35=f), unsolicited_cancel (order_id, text),
    bust (exec_id), correct (exec_id, qty, price), flow (on), status.

    md_silent (line: primary | backup, required; on: true | false, default true): stop (or
    resume) one market-data line; FIX and order flow go on, and so does the other line.
    Sequence numbers keep counting, so the silenced line shows a gap when it resumes; a feed
    fails over to the other line. backup on a venue with no md_backup_endpoint is refused.
    md_corrupt (n: a positive integer, default 1; kind: garbage | crossed | negative, default garbage):
    the next n market-data messages go out corrupted instead, on every line, each rejected by a feed
    (actors/feed/validation.py) under its own rule: garbage -> unparseable (a payload of neither a quote's
    nor a trade's size under the quote topic b"Q"+symbol), crossed -> crossed (a quote with its bid above
    its ask, on the tick), negative -> non_positive (the message with a negative price). crossed and
    negative take the sequence number of the message they replace, so the feed sees a bad message and
    no gap; garbage takes none, for the feed cannot read one from it (the next message has the number).
    A new md_corrupt replaces one still pending; status tells how many are left.
    md_gap (n: a positive integer, required): the next market-data message (of whichever symbol) skips n
    sequence numbers, on every line: a feed sees a gap of n. FIX sequence numbers are not touched
    (sequence_gap skips both).

    Holding, for producing crossings deterministically (comp_id: one client, else every client):
    hold_reports: keep back every application message to the client (execution reports,
    cancel rejects, session rejects) from now on; the engine has acted, the client just has
    not heard yet. release_reports sends what was held, in order, and stops holding.
    hold_requests: take the client's application messages off the wire but leave them
    unprocessed. release_requests processes them in arrival order (drop: true loses them
    instead, as if they never arrived) and stops holding.
    held (comp_id, what: reports | requests): the number held, as the reply's text.
    arrivals (comp_id, skip: n): when each NewOrderSingle (of one client) reached the acceptor, as JSON
    [[ClOrdID, epoch ns], ...] (of the newest 10,000, after the first `skip`): the far end of tick-to-trade;
    with what: cancels, each OrderCancelRequest's instead (the far end of bench/stop_loss.py).
    holdings (comp_id): what the venue holds for one client, as JSON {"open_orders": [{cl_ord_id, symbol,
    side, leaves_qty}], "net_bought": {symbol: bought less sold}}: where a flatten is checked.
    drop_copy (comp_id): the venue's side of one client's books, as a broker's drop copy would give it,
    for a drill to check Vigil's against; JSON {"working": [{cl_ord_id, order_id, symbol, side: buy | sell,
    qty, cum_qty, leaves_qty, price (null for a market order)}], "fills": [{exec_id, cl_ord_id, order_id,
    symbol, side, qty, price}] (every fill the venue sent the client, oldest first, the newest 100,000;
    busts and corrections are not in it), "orders_received": every NewOrderSingle that reached the venue
    from the client (refused ones too), "duplicated_cl_ord_ids": ClOrdIDs that came in more than one
    NewOrderSingle (one sent again with PossDupFlag 43=Y after its first copy got there is no duplicate),
    "duplicated_fills": ExecIDs the venue sent the client twice (always empty, unless the venue is wrong),
    "positions": {symbol: bought less sold}}. Quantities and prices as the FIX reports have them.
    holdings is a part of it. A comp_id that is not a configured client is refused.
    """

    kind: str
    args: dict[str, Any] | None = None
