"""A counterparty that does not support OrderMassStatusRequest (35=AF) no longer blocks trading: over real
FIX, against a venue that ignores AF, or refuses it with a BusinessMessageReject or a session Reject, the
OMS falls back to one status request per order, says so in an alert, and the session takes orders; an
order filled while its session was down is found filled after the next logon."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.harness import wait_for
from tests.support.topologies import trading
from venues.participant import RawFixClient
from vigil.procs import free_port
from vocabulary.oms import GetOrders, GetPositions, GetRouting
from vocabulary.orders import SubmitOrder

OMS, SESSION = "root/trading/oms", "root/trading/fix-a"


@pytest.fixture
def ports():
    return {"fix": free_port(), "md": free_port()}


def desk(vigil, ports, mass_status: str):
    topology = trading(ports, sessions=(("fix-a", "FIX.4.4", "VIGIL_A"),), venue_config=f"    mass_status: {mass_status}\n",
                       oms_config="    reconcile_timeout_s: 1\n")
    return vigil(topology).start()


def routing(run) -> dict:
    [row] = run.client.ask(OMS, GetRouting()).rows
    return row


def fallbacks(run) -> list[dict]:
    return [e for e in run.events("alert") if e.get("problem") == "reconcile_fallback"]


def order(run, cl_ord_id) -> dict:
    [row] = [r for r in run.client.ask(OMS, GetOrders()).rows if r["root_cl_ord_id"] == cl_ord_id]
    return row


@pytest.mark.parametrize("mass_status, says", [
    ("ignore", "no answer to OrderMassStatusRequest within 1 s"),
    ("business_reject", "OrderMassStatusRequest refused: rejected by venue: unsupported message type "
                        "OrderMassStatusRequest (OrderMassStatusRequest is not supported)"),
    ("session_reject", "OrderMassStatusRequest refused: rejected by venue: invalid MsgType OrderMassStatusRequest "
                       "(OrderMassStatusRequest is not supported)"),
])
def test_a_counterparty_without_mass_status_still_gets_orders_and_fills_are_found(vigil, ports, mass_status, says):
    run = desk(vigil, ports, mass_status)
    wait_for(lambda: routing(run)["up"], timeout=15, what="fix-a up after falling back from mass status")
    [alert] = fallbacks(run)
    assert (alert["session"], alert["fallback"], alert["reason"]) == ("fix-a", "per_order", says)

    cl = run.client.ask(OMS, SubmitOrder("ACME", "buy", "10", "99.00", wait_ack=True)).cl_ord_id
    assert order(run, cl)["status"] == "New"

    # The session goes down; the order fills at the venue meanwhile, unseen by the OMS
    run.kill(SESSION)
    wait_for(lambda: order(run, cl)["uncertain"], what="the order uncertain while its session is down")
    with RawFixClient(ports["fix"], "TESTER") as other:
        other.new_order("ACME", "2", 10, "99.00")
        filled = wait_for(lambda: "\x0139=2\x01" in other.next_message(), what="the counterparty's fill")
    assert filled
    run.wait_running(SESSION)
    row = wait_for(lambda: (r := order(run, cl))["status"] == "Filled" and not r["uncertain"] and r, timeout=15,
                   what="the fill found by a status request after the next logon")
    assert Decimal(row["cum_qty"]) == 10
    [position] = run.client.ask(OMS, GetPositions()).rows
    assert Decimal(position["qty"]) == 10
    wait_for(lambda: routing(run)["up"], what="fix-a up again")
    assert len(fallbacks(run)) == 1  # the second logon went per order at once: no mass status tried again
