"""FIX 4.4 Vol 4 Appendix D, "Order State Change Matrices" A.1.a to C.3.c, end to end, twice.

Each test plays one matrix with real parts, run by both runners of the same components:

- over real FIX ("fix"): the OMS actor -> broker session (QuickFIX initiator, FIX 4.4) -> TCP loopback ->
  simulated venue (QuickFIX acceptor + matching engine) and back, each its own process;
- in one process ("in-process", vigil.inprocess): the same OMS, broker-session and venue components, the
  same topology, on a simulated clock, their FIX sessions a loopback handing each message over in order.

Both must give the same orders, fills, positions and ExecutionReports. A counterparty ("TESTER": a
RawFixClient, or its loopback twin) is the other side of every trade. The venue runs with ack_pending, so
it answers a cancel or replace with PendingCancel / PendingReplace first, as the matrices show.

Each test checks what an operator sees through the OMS (GetOrders, GetPositions) and the matrix
itself: the ExecutionReports (ExecType/OrdStatus) and OrderCancelRejects our session received,
read from the session's FIX log under the run directory.

The crossings are made deterministic with the venue's hold faults (VenueCommand hold_reports /
hold_requests, released by release_*), never with sleeps or timing:

- "A fill crosses the request" (B.1.b, B.1.c, C.1.b, C.2.a, C.3.a-c): the venue holds every report
  to our session; TESTER trades with our order and we wait until that fill is held at the venue
  (so the venue has executed it) before the OMS sends its cancel/replace. The OMS has not seen the
  fill when it asks; the venue answers the request after the fill. We wait until the answer is
  held too, check the OMS shows the request pending with the old CumQty, then release.
- B.1.d (cancel before the venue acknowledged the order): the venue holds our session's requests
  unprocessed; the order and its cancel both reach it before it has acknowledged anything.
- B.1.e (cancel and acknowledgement cross): the venue holds reports; it has acknowledged the order
  (the ack is held on the way) before the cancel arrives.
- B.1.f (cancel of an order the venue does not know): the venue holds our requests, then drops the
  held NewOrderSingle as if lost on the way; reports are held until the OMS has sent its cancel,
  so nothing the OMS hears (its own status chase included) can settle the order first.

Our venue differs from the matrices in two documented ways: it acts on a cancel or replace in one
step (PendingX and its outcome leave together), so fills that cross a request at the venue happen
before its PendingCancel/PendingReplace, not between it and the outcome; and a DAY order that is
part filled at the close ends Expired (ExecType C) rather than DoneForDay (A.1.b).
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.harness import wait_for
from tests.support.inprocess_run import InProcessRun
from tests.support.topologies import trading
from venues.participant import RawFixClient
from vigil.errors import VigilError
from vigil.procs import free_port
from vocabulary.oms import GetOrders, GetPositions, GetRouting
from vocabulary.orders import CancelOrder, ReplaceOrder, SubmitOrder
from vocabulary.venue import VenueCommand

OMS, VENUE, SESSION, US = "root/trading/oms", "root/venue", "fix-a", "VIGIL_A"
EXEC_TYPES = {"0": "New", "4": "Canceled", "5": "Replaced", "6": "PendingCancel", "8": "Rejected", "C": "Expired",
              "E": "PendingReplace", "F": "Trade"}
ORD_STATUSES = {"0": "New", "1": "PartiallyFilled", "2": "Filled", "4": "Canceled", "6": "PendingCancel",
                "8": "Rejected", "C": "Expired", "E": "PendingReplace"}


@pytest.fixture(params=["fix", "in-process"])
def run(request, tmp_path):
    ports = {"fix": free_port(), "md": free_port()}
    topology = trading(ports, sessions=((SESSION, "FIX.4.4", US),), ack_pending=True)
    if request.param == "fix":
        run = request.getfixturevalue("vigil")(topology).start()
    else:
        run = InProcessRun(tmp_path / "desk", topology).start()
    wait_for(lambda: run.client.ask(OMS, GetRouting()).rows[0]["up"], timeout=20, what=f"{SESSION} up")
    run.ports = ports  # for the counterparty
    return run


def counterparty(run):
    if isinstance(run, InProcessRun):
        return run.counterparty(run.ports["fix"], "TESTER")
    return RawFixClient(run.ports["fix"], "TESTER")


def buy(run, qty, price="100.00") -> str:
    order = SubmitOrder(symbol="ACME", side="buy", qty=str(qty), price=price, session=SESSION)
    return run.client.ask(OMS, order).cl_ord_id


def cancel(run, cl) -> str:
    return run.client.ask(OMS, CancelOrder(cl)).cl_ord_id


def replace(run, cl, qty=None, price=None) -> str:
    return run.client.ask(OMS, ReplaceOrder(cl, qty=None if qty is None else str(qty), price=price)).cl_ord_id


def row(run, cl) -> dict:
    [found] = [r for r in run.client.ask(OMS, GetOrders()).rows if cl in (r["cl_ord_id"], r["root_cl_ord_id"])]
    return found


def wait_row(run, cl, timeout=15, **expect) -> dict:
    """The OMS's row of order `cl` once every field in `expect` reads as given (compared as text, or
    a predicate of the value)."""
    def matches():
        r = row(run, cl)
        return r if all(v(r[k]) if callable(v) else str(r[k]) == str(v) for k, v in expect.items()) else None
    try:
        return wait_for(matches, timeout, f"{cl} to show {expect}")
    except AssertionError as timeout_error:
        raise AssertionError(f"{timeout_error}; it shows {row(run, cl)}") from None


def starts(text):
    return lambda value: (value or "").startswith(text)


def venue(run, kind, **args) -> str:
    return run.client.ask(VENUE, VenueCommand(kind, args)).detail


def hold(run, what="reports"):
    venue(run, f"hold_{what}", comp_id=US)


def release(run, what="reports", **args):
    venue(run, f"release_{what}", comp_id=US, **args)


def wait_held(run, n, what="reports"):
    """Until the venue holds at least n reports to our session (or requests from it). Reports are
    held in the order the engine made them, so the venue has acted on everything behind them."""
    wait_for(lambda: int(venue(run, "held", what=what, comp_id=US)) >= n, what=f"{n} {what} held at the venue")


def sell_unseen(run, other: RawFixClient, qty: int):
    """The counterparty sells `qty` into our bid while the venue holds our reports: once this returns,
    the venue has executed the fill, and the OMS has not heard of it."""
    hold(run)
    other.new_order("ACME", "2", qty, "100.00")
    wait_held(run, 1)


def replace_crossing_a_fill(run, cl, other: RawFixClient, fill_qty: int, new_qty: int) -> str:
    """C.3: a fill of `fill_qty` executes at the venue; the OMS, not having heard of it, asks for
    `new_qty`. Returns the replace's ClOrdID once the venue's answer is delivered."""
    before = row(run, cl)
    sell_unseen(run, other, fill_qty)
    rep = replace(run, cl, qty=new_qty)
    wait_held(run, 3)  # Trade, PendingReplace, Replaced
    now = row(run, cl)
    assert (now["status"], now["qty"], now["cum_qty"]) == ("PendingReplace", before["qty"], before["cum_qty"])
    release(run)
    return rep


def received(run) -> list[dict[int, str]]:
    """ExecutionReports and OrderCancelRejects our session received, in wire order (status answers left out):
    from its FIX message log, or in one process from its loopback link."""
    if isinstance(run, InProcessRun):
        texts = run.received(SESSION)
    else:
        log = run.run_dir / "fix" / SESSION / "log" / f"FIX.4.4-{US}-VENUE.messages.current.log"
        texts = [line.split(" : ", 1)[-1] for line in log.read_text().splitlines()]
    out = []
    for text in texts:
        fields = dict(f.split("=", 1) for f in text.split("\x01") if "=" in f)
        msg = {int(k): v for k, v in fields.items() if k.isdigit()}
        if msg.get(49) == "VENUE" and msg.get(35) in ("8", "9") and msg.get(150) != "I":
            out.append(msg)
    return out


def matrix(run) -> list[str]:
    """The Appendix D view of what our session received: "ExecType/OrdStatus" or "CancelReject/OrdStatus"."""
    return [f"{'CancelReject' if m[35] == '9' else EXEC_TYPES[m[150]]}/{ORD_STATUSES[m[39]]}" for m in received(run)]


def wait_matrix(run, expected: list[str]) -> list[dict[int, str]]:
    """Until the session's log shows `expected` (the last messages may still be on their way to disk);
    returns the messages."""
    try:
        wait_for(lambda: matrix(run) == expected, 5, "the session's FIX log")
    except AssertionError:
        assert matrix(run) == expected
    return received(run)


def position(run) -> tuple[Decimal, Decimal]:
    [pos] = run.client.ask(OMS, GetPositions()).rows
    return Decimal(pos["qty"]), Decimal(pos["avg_px"])


# ---- A: vanilla ----------------------------------------------------------------------------------

def test_A_1_a_filled_order(run):
    with counterparty(run) as other:
        other.new_order("ACME", "2", 2, "99.98")
        other.new_order("ACME", "2", 3, "99.99")
        cl = buy(run, 10)  # takes both offers, rests 5
        wait_row(run, cl, status="PartiallyFilled", cum_qty=5, leaves_qty=5)
        other.new_order("ACME", "2", 5, "100.00")
        r = wait_row(run, cl, status="Filled", cum_qty=10, leaves_qty=0)
    assert Decimal(r["avg_px"]) == Decimal("99.993") and not r["is_open"]
    assert position(run) == (10, Decimal("99.993"))
    wait_matrix(run, ["New/New", "Trade/PartiallyFilled", "Trade/PartiallyFilled", "Trade/Filled"])


def test_A_1_b_part_filled_day_order_done_for_day_at_the_close(run):
    cl = buy(run, 10)
    with counterparty(run) as other:
        other.new_order("ACME", "2", 4, "100.00")
        wait_row(run, cl, status="PartiallyFilled", cum_qty=4, leaves_qty=6)
    venue(run, "phase", phase="closed", symbol="ACME")
    r = wait_row(run, cl, status="Expired", cum_qty=4, leaves_qty=0)
    assert r["reason"] == "expired: DAY order expired at the close" and not r["is_open"]
    with pytest.raises(VigilError, match="cannot cancel"):
        cancel(run, cl)
    assert position(run) == (4, 100)
    wait_matrix(run, ["New/New", "Trade/PartiallyFilled", "Expired/Expired"])


# ---- B: cancel -------------------------------------------------------------------------------------

def test_B_1_a_cancel_of_a_zero_filled_order(run):
    cl = buy(run, 10, "99.00")
    wait_row(run, cl, status="New")
    hold(run)
    cxl = cancel(run, cl)
    wait_held(run, 2)  # PendingCancel and Canceled, not delivered yet
    assert row(run, cl)["status"] == "PendingCancel" and row(run, cl)["leaves_qty"] == "10"
    release(run)
    r = wait_row(run, cl, status="Canceled", cum_qty=0, leaves_qty=0, cl_ord_id=cxl)
    assert r["reason"] == "canceled" and not r["is_open"]
    wait_matrix(run, ["New/New", "PendingCancel/PendingCancel", "Canceled/Canceled"])


def test_B_1_b_cancel_of_a_part_filled_order_executions_occur_whilst_the_cancel_is_active(run):
    cl = buy(run, 10)
    with counterparty(run) as other:
        other.new_order("ACME", "2", 2, "100.00")
        wait_row(run, cl, status="PartiallyFilled", cum_qty=2)
        sell_unseen(run, other, 3)
        cancel(run, cl)
        wait_held(run, 3)
    assert (row(run, cl)["status"], row(run, cl)["cum_qty"]) == ("PendingCancel", "2")
    release(run)
    wait_row(run, cl, status="Canceled", cum_qty=5, leaves_qty=0)
    assert position(run) == (5, 100)
    wait_matrix(run, ["New/New", "Trade/PartiallyFilled", "Trade/PartiallyFilled", "PendingCancel/PendingCancel",
                      "Canceled/Canceled"])


def test_B_1_c_cancel_request_for_an_order_that_becomes_filled_before_the_cancel_is_accepted(run):
    cl = buy(run, 10)
    with counterparty(run) as other:
        other.new_order("ACME", "2", 2, "100.00")
        wait_row(run, cl, status="PartiallyFilled", cum_qty=2)
        sell_unseen(run, other, 8)  # fills the order at the venue; the OMS still sees 2 of 10
        cxl = cancel(run, cl)
        wait_held(run, 2)
    assert (row(run, cl)["status"], row(run, cl)["cum_qty"]) == ("PendingCancel", "2")
    release(run)
    r = wait_row(run, cl, status="Filled", cum_qty=10, leaves_qty=0,
                 reason=starts("cancel rejected: too late to cancel"))
    assert not r["uncertain"] and not r["is_open"]
    assert position(run) == (10, 100)
    *_, rej = wait_matrix(run, ["New/New", "Trade/PartiallyFilled", "Trade/Filled", "CancelReject/Filled"])
    assert (rej[11], rej[102], rej[434]) == (cxl, "0", "1")


def test_B_1_d_cancel_request_for_an_order_not_yet_acknowledged(run):
    hold(run, "requests")
    cl = buy(run, 10, "99.00")
    cxl = cancel(run, cl)
    wait_held(run, 2, "requests")  # the order and its cancel both wait at the venue, unacknowledged
    assert row(run, cl)["status"] == "PendingCancel" and row(run, cl)["order_id"] is None
    release(run, "requests")
    r = wait_row(run, cl, status="Canceled", cum_qty=0, leaves_qty=0, cl_ord_id=cxl)
    assert r["order_id"] and not r["uncertain"]
    wait_matrix(run, ["New/New", "PendingCancel/PendingCancel", "Canceled/Canceled"])


def test_B_1_e_cancel_request_and_acknowledgement_cross(run):
    hold(run)
    cl = buy(run, 10, "99.00")
    wait_held(run, 1)  # the venue acknowledged it: the ack is on its way
    assert row(run, cl)["status"] == "PendingNew"
    cxl = cancel(run, cl)
    wait_held(run, 3)
    assert row(run, cl)["status"] == "PendingCancel"
    release(run)
    wait_row(run, cl, status="Canceled", cum_qty=0, leaves_qty=0, cl_ord_id=cxl)
    wait_matrix(run, ["New/New", "PendingCancel/PendingCancel", "Canceled/Canceled"])


def test_B_1_f_cancel_request_for_an_order_unknown_to_the_venue(run):
    hold(run, "requests")
    hold(run)
    cl = buy(run, 10, "99.00")
    wait_held(run, 1, "requests")
    release(run, "requests", drop=True)  # the NewOrderSingle is lost on the way
    cxl = cancel(run, cl)
    release(run)
    r = wait_row(run, cl, status="Rejected", leaves_qty=0, uncertain=False)  # the OMS asked: unknown there
    assert "unknown order" in r["reason"] and not r["is_open"]
    [rej] = wait_matrix(run, ["CancelReject/Rejected"])
    assert (rej[11], rej[41], rej[37], rej[102]) == (cxl, cl, "NONE", "1")


# ---- C: cancel/replace quantity changes --------------------------------------------------------------

def test_C_1_a_zero_filled_order_replaced_to_increase_quantity(run):
    cl = buy(run, 10)
    wait_row(run, cl, status="New")
    rep = replace(run, cl, qty=12)
    wait_row(run, cl, status="New", qty=12, leaves_qty=12, cl_ord_id=rep)
    with counterparty(run) as other:
        other.new_order("ACME", "2", 1, "100.00")
        wait_row(run, cl, status="PartiallyFilled", qty=12, cum_qty=1, leaves_qty=11)
    *_, replaced, _ = wait_matrix(run, ["New/New", "PendingReplace/PendingReplace", "Replaced/New",
                                        "Trade/PartiallyFilled"])
    assert (replaced[11], replaced[41], replaced[38], replaced[151]) == (rep, cl, "12", "12")


def test_C_1_b_part_filled_order_replaced_to_increase_quantity_execution_whilst_pending_replace(run):
    cl = buy(run, 10)
    with counterparty(run) as other:
        other.new_order("ACME", "2", 1, "100.00")
        wait_row(run, cl, status="PartiallyFilled", cum_qty=1)
        sell_unseen(run, other, 1)
        replace(run, cl, qty=12)
        wait_held(run, 3)
        assert (row(run, cl)["status"], row(run, cl)["qty"], row(run, cl)["cum_qty"]) == ("PendingReplace", "10", "1")
        release(run)
        wait_row(run, cl, status="PartiallyFilled", qty=12, cum_qty=2, leaves_qty=10)
        other.new_order("ACME", "2", 10, "100.00")
        wait_row(run, cl, status="Filled", qty=12, cum_qty=12, leaves_qty=0)
    assert position(run) == (12, 100)
    wait_matrix(run, ["New/New", "Trade/PartiallyFilled", "Trade/PartiallyFilled", "PendingReplace/PendingReplace",
                      "Replaced/PartiallyFilled", "Trade/Filled"])


def test_C_1_c_filled_order_then_replaced_to_increase_quantity(run):
    cl = buy(run, 10)
    with counterparty(run) as other:
        other.new_order("ACME", "2", 10, "100.00")
        wait_row(run, cl, status="Filled", cum_qty=10)
        replace(run, cl, qty=12)
        r = wait_row(run, cl, status="PartiallyFilled", qty=12, cum_qty=10, leaves_qty=2)  # working again
        assert r["is_open"]
        other.new_order("ACME", "2", 2, "100.00")
        wait_row(run, cl, status="Filled", qty=12, cum_qty=12, leaves_qty=0)
    assert position(run) == (12, 100)
    wait_matrix(run, ["New/New", "Trade/Filled", "PendingReplace/PendingReplace", "Replaced/PartiallyFilled",
                      "Trade/Filled"])


def test_C_2_a_price_replace_rejected_because_a_fill_has_occurred(run):
    cl = buy(run, 10)
    with counterparty(run) as other:
        other.new_order("ACME", "2", 1, "100.00")
        wait_row(run, cl, status="PartiallyFilled", cum_qty=1)
        sell_unseen(run, other, 9)  # fills the order at the venue
        rep = replace(run, cl, price="100.05")
        wait_held(run, 2)
    assert (row(run, cl)["status"], row(run, cl)["cum_qty"]) == ("PendingReplace", "1")
    release(run)
    r = wait_row(run, cl, status="Filled", cum_qty=10, leaves_qty=0,
                 reason=starts("replace rejected: too late to cancel"))
    assert Decimal(r["price"]) == Decimal("100.00") and r["cl_ord_id"] == cl and not r["uncertain"]
    *_, rej = wait_matrix(run, ["New/New", "Trade/PartiallyFilled", "Trade/Filled", "CancelReject/Filled"])
    assert (rej[11], rej[102], rej[434]) == (rep, "0", "2")


def test_C_3_a_replace_crosses_an_execution_requested_qty_above_cum_qty(run):
    cl = buy(run, 10)
    with counterparty(run) as other:
        other.new_order("ACME", "2", 1, "100.00")
        wait_row(run, cl, status="PartiallyFilled", cum_qty=1)
        rep = replace_crossing_a_fill(run, cl, other, fill_qty=2, new_qty=8)
        wait_row(run, cl, status="PartiallyFilled", qty=8, cum_qty=3, leaves_qty=5, cl_ord_id=rep)
        other.new_order("ACME", "2", 5, "100.00")
        wait_row(run, cl, status="Filled", qty=8, cum_qty=8, leaves_qty=0)
    assert position(run) == (8, 100)
    wait_matrix(run, ["New/New", "Trade/PartiallyFilled", "Trade/PartiallyFilled", "PendingReplace/PendingReplace",
                      "Replaced/PartiallyFilled", "Trade/Filled"])


def test_C_3_b_replace_crosses_an_execution_requested_qty_equals_cum_qty(run):
    cl = buy(run, 10)
    wait_row(run, cl, status="New")
    with counterparty(run) as other:
        rep = replace_crossing_a_fill(run, cl, other, fill_qty=7, new_qty=7)
    r = wait_row(run, cl, status="Filled", qty=7, cum_qty=7, leaves_qty=0, cl_ord_id=rep)
    assert not r["is_open"] and position(run) == (7, 100)
    *_, replaced = wait_matrix(run, ["New/New", "Trade/PartiallyFilled", "PendingReplace/PendingReplace",
                                     "Replaced/Filled"])
    assert (replaced[38], replaced[14], replaced[151]) == ("7", "7", "0")


def test_C_3_c_replace_crosses_an_execution_requested_qty_below_cum_qty_is_amended_to_cum_qty(run):
    cl = buy(run, 10)
    wait_row(run, cl, status="New")
    with counterparty(run) as other:
        rep = replace_crossing_a_fill(run, cl, other, fill_qty=7, new_qty=5)
    r = wait_row(run, cl, status="Filled", qty=7, cum_qty=7, leaves_qty=0, cl_ord_id=rep)  # the venue's 7, not 5
    assert not r["is_open"] and position(run) == (7, 100)
    *_, replaced = wait_matrix(run, ["New/New", "Trade/PartiallyFilled", "PendingReplace/PendingReplace",
                                     "Replaced/Filled"])
    assert (replaced[38], replaced[14], replaced[151]) == ("7", "7", "0")


# ---- reconciliation ------------------------------------------------------------------------------------

def test_a_reconciliation_after_a_disconnect_finds_what_the_venue_did_meanwhile(run):
    cl = buy(run, 10)
    wait_row(run, cl, status="New")
    venue(run, "drop_connection", comp_id=US)
    wait_row(run, cl, uncertain=True)  # the session is down: what becomes of the order is unknown
    with counterparty(run) as other:
        other.new_order("ACME", "2", 4, "100.00")  # fills 4 at the venue while we are away
    r = wait_row(run, cl, status="PartiallyFilled", cum_qty=4, leaves_qty=6, uncertain=False)  # reconciled at logon
    assert r["is_open"] and position(run) == (4, 100)
    wait_for(lambda: run.client.ask(OMS, GetRouting()).rows[0]["up"], what=f"{SESSION} up again")
    cxl = cancel(run, cl)
    wait_row(run, cl, status="Canceled", cum_qty=4, leaves_qty=0, cl_ord_id=cxl)
    assert position(run) == (4, 100)
