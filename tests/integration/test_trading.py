"""Orders end to end over real FIX sessions (QuickFIX over TCP loopback) against the simulated venue."""
from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest

from tests.support.harness import wait_for
from tests.support.topologies import trading
from venues.participant import RawFixClient
from vigil import telemetry
from vigil.errors import VigilError
from vigil.lane import Lane, LaneAddress
from vigil.metrics import read_all
from vigil.procs import free_port
from vocabulary.oms import GetHalts, GetOrders, GetPositions, GetRouting
from vocabulary.orders import CancelOrder, OrderAcknowledged, ReplaceOrder, SubmitOrder
from vocabulary.venue import VenueCommand

OMS = "root/trading/oms"


@pytest.fixture
def ports():
    return {"fix": free_port(), "md": free_port()}


def ready(run, sessions=("fix-a", "fix-b")):
    def up():
        rows = {r["session"]: r for r in run.client.ask(OMS, GetRouting()).rows}
        return all(rows[s]["up"] for s in sessions)
    wait_for(up, timeout=20, what=f"sessions {sessions} logged on and reconciled")
    return run


def order(run, cl_ord_id):
    for row in run.client.ask(OMS, GetOrders()).rows:
        if row["cl_ord_id"] == cl_ord_id or row["root_cl_ord_id"] == cl_ord_id:
            return row
    raise AssertionError(f"no order {cl_ord_id}")


def wait_status(run, cl_ord_id, status, timeout=15):
    return wait_for(lambda: (o := order(run, cl_ord_id))["status"] == status and o, timeout,
                    f"{cl_ord_id} to be {status} (now {order(run, cl_ord_id)['status']})")


def new(run, **kw):
    return run.client.ask(OMS, SubmitOrder(**{"symbol": "ACME", "side": "buy", "qty": "10", **kw})).cl_ord_id


def test_limit_order_rests_is_replaced_then_cancelled(vigil, ports):
    run = ready(vigil(trading(ports)).start())
    cl = new(run, price="99.50", session="fix-a")
    row = wait_status(run, cl, "New")
    assert row["order_id"] and row["leaves_qty"] == "10" and row["session"] == "fix-a"

    run.client.ask(OMS, ReplaceOrder(cl, qty="15", price="99.40"))
    row = wait_for(lambda: (o := order(run, cl))["status"] == "New" and o["qty"] == "15" and o, what="replaced")
    assert Decimal(row["price"]) == Decimal("99.40") and row["leaves_qty"] == "15"

    run.client.ask(OMS, CancelOrder(row["cl_ord_id"]))
    row = wait_status(run, cl, "Canceled")
    assert row["leaves_qty"] == "0" and row["cum_qty"] == "0"


@pytest.mark.parametrize("session", ["fix-a", "fix-b"])  # FIX 4.4 and FIX 4.2
def test_crossing_orders_fill_and_make_positions(vigil, ports, session):
    run = ready(vigil(trading(ports)).start())
    with RawFixClient(ports["fix"], "TESTER") as tester:
        tester.new_order("ACME", "2", 6, "100.00")  # resting offer from another participant
        tester.new_order("ACME", "2", 4, "100.10")
        cl = new(run, qty="8", price="100.10", session=session)
        row = wait_status(run, cl, "Filled")
    assert row["cum_qty"] == "8"
    assert Decimal(row["avg_px"]) == Decimal("100.025")  # 6 @ 100.00 + 2 @ 100.10
    [pos] = run.client.ask(OMS, GetPositions()).rows
    assert (pos["symbol"], pos["strategy"], Decimal(pos["qty"]), Decimal(pos["avg_px"])) == \
        ("ACME", "manual", 8, Decimal("100.025"))


def test_ioc_remainder_is_cancelled_and_fok_that_cannot_fill_is_killed(vigil, ports):
    run = ready(vigil(trading(ports)).start())
    with RawFixClient(ports["fix"], "TESTER") as tester:
        tester.new_order("ACME", "2", 5, "100.00")
        fok = new(run, qty="8", price="100.00", tif="FOK", session="fix-a")
        row = wait_status(run, fok, "Canceled")
        assert row["cum_qty"] == "0"  # nothing filled: all or nothing
        ioc = new(run, qty="8", price="100.00", tif="IOC", session="fix-a")
        row = wait_status(run, ioc, "Canceled")
        assert row["cum_qty"] == "5" and row["leaves_qty"] == "0"


def test_market_order_in_pre_open_is_rejected_with_the_reason(vigil, ports):
    run = ready(vigil(trading(ports, phase="pre_open")).start())
    cl = new(run, ord_type="market", session="fix-a")
    row = wait_status(run, cl, "Rejected")
    assert "pre-open" in row["reason"].lower() or "pre_open" in row["reason"].lower(), row["reason"]
    resting = new(run, price="99", session="fix-a")  # limit orders rest in pre-open
    wait_status(run, resting, "New")


def test_venue_session_reject_is_decoded_into_a_clear_error(vigil, ports):
    run = ready(vigil(trading(ports)).start())
    cl = new(run, price="99.999", session="fix-a")  # off the 0.01 tick
    row = wait_status(run, cl, "Rejected")
    assert row["reason"].startswith("rejected by venue: tag 44 value 99.999"), row["reason"]
    assert "tick size" in row["reason"]


def test_bad_manual_orders_are_refused_and_nothing_is_lost(vigil, ports):
    run = ready(vigil(trading(ports)).start())
    good = new(run, price="99", session="fix-a")
    for bad, why in ((dict(qty="-3", price="99"), "qty must be positive"), (dict(price=None), "needs a price"),
                     (dict(price="99", session="nope"), "unknown session 'nope'"),
                     (dict(price="abc"), "is not a number"), (dict(side="hold", price="99"), "unknown side")):
        with pytest.raises(VigilError, match=why):
            new(run, **bad)
    with pytest.raises(VigilError, match="unknown order 'NOPE'"):
        run.client.ask(OMS, CancelOrder("NOPE"))
    assert wait_status(run, good, "New")
    assert [r["cl_ord_id"] for r in run.client.ask(OMS, GetOrders()).rows] == [good]


def test_router_fails_over_when_a_session_is_down(vigil, ports):
    run = ready(vigil(trading(ports)).start())
    first = new(run, price="99")
    assert order(run, first)["session"] == "fix-a"  # cheaper fee
    run.client.ask("root/venue", VenueCommand("refuse_logon", {"n": -1, "comp_id": "VIGIL_A"}))
    run.client.ask("root/venue", VenueCommand("drop_connection", {"comp_id": "VIGIL_A"}))
    wait_for(lambda: not {r["session"]: r for r in run.client.ask(OMS, GetRouting()).rows}["fix-a"]["up"],
             what="fix-a down")
    ready(run, ("fix-b",))
    second = new(run, price="99")
    assert order(run, second)["session"] == "fix-b"
    wait_status(run, second, "New")


def test_a_fill_while_the_oms_was_down_shows_up_after_reconciliation(vigil, ports):
    run = ready(vigil(trading(ports, oms_backoff_ms=1500)).start())
    cl = new(run, qty="7", price="100.00", session="fix-a")
    wait_status(run, cl, "New")
    old = run.kill(OMS)  # down for the 1.5 s backoff
    with RawFixClient(ports["fix"], "TESTER") as tester:
        tester.new_order("ACME", "2", 7, "100.00")  # fills our resting order while nobody listens
        assert "39=2" in _until(tester, "35=8", "39=2")  # the tester's own fill
    run.wait_running(OMS, not_pid=old)
    ready(run)
    row = wait_status(run, cl, "Filled")
    assert row["cum_qty"] == "7" and not row["uncertain"]
    [pos] = run.client.ask(OMS, GetPositions()).rows
    assert Decimal(pos["qty"]) == 7 and Decimal(pos["avg_px"]) == 100


def test_broker_session_restart_mid_stream_loses_and_duplicates_nothing(vigil, ports):
    run = ready(vigil(trading(ports)).start())
    sent = [new(run, qty=str(i), price="90", session="fix-a") for i in range(1, 6)]
    old = run.kill("root/trading/fix-a")  # some of these may still be in its mailbox: lost with it
    run.wait_running("root/trading/fix-a", not_pid=old)
    sent += [_new_when_up(run, qty=str(i), price="90", session="fix-a") for i in range(6, 11)]

    def settled():
        rows = run.client.ask(OMS, GetOrders()).rows
        return all(r["status"] in ("New", "Rejected") and not r["uncertain"] for r in rows) and rows
    rows = wait_for(settled, timeout=30, what="every order confirmed by the venue or known never to have reached it")
    working = [r for r in rows if r["status"] == "New"]
    assert len({r["order_id"] for r in working}) == len(working)  # none sent twice
    assert {r["cl_ord_id"] for r in working} >= set(sent[5:])  # everything after the restart went through
    for r in rows:
        if r["status"] == "Rejected":
            assert r["cl_ord_id"] in sent[:5] and r["reason"], (sent, r["status"], r["reason"])  # lost in the crash, and said so
    expected = sum(Decimal(r["qty"]) for r in working)
    with RawFixClient(ports["fix"], "TESTER") as tester:
        tester.new_order("ACME", "2", int(expected), "90")  # sells into every working order
        wait_for(lambda: all(order(run, r["cl_ord_id"])["status"] == "Filled" for r in working), timeout=30,
                 what="every working order filled")
    [pos] = run.client.ask(OMS, GetPositions()).rows
    assert Decimal(pos["qty"]) == expected  # every fill booked once


def test_dropped_connection_marks_open_orders_uncertain_until_reconciled(vigil, ports):
    run = ready(vigil(trading(ports)).start())
    resting = new(run, price="95", session="fix-a")
    wait_status(run, resting, "New")
    run.client.ask("root/venue", VenueCommand("refuse_logon", {"n": 2, "comp_id": "VIGIL_A"}))
    run.client.ask("root/venue", VenueCommand("drop_connection", {"comp_id": "VIGIL_A"}))
    wait_for(lambda: order(run, resting)["uncertain"], what="the open order marked uncertain")
    with pytest.raises(VigilError, match="no session|not logged on|down"):
        new(run, price="95", session="fix-a")
    ready(run)  # logon refused twice, then accepted; reconciled by mass status
    row = wait_for(lambda: (o := order(run, resting)) and not o["uncertain"] and o, what="reconciled")
    assert row["status"] == "New" and row["leaves_qty"] == "10"
    assert wait_status(run, new(run, price="95", session="fix-a"), "New")


def test_logon_refused_is_reported_and_retried(vigil, ports):
    from vocabulary.sessions import GetSessionStatus

    run = vigil(trading(ports))
    run.start()
    run.client.ask("root/venue", VenueCommand("refuse_logon", {"n": 3, "comp_id": "VIGIL_A"}))
    run.client.ask("root/venue", VenueCommand("drop_connection", {"comp_id": "VIGIL_A"}))
    wait_for(lambda: "logon refused" in run.client.ask("root/trading/fix-a", GetSessionStatus()).last_error,
             what="the refusal reported by the session")
    ready(run, ("fix-a",))


def test_sequence_gap_is_recovered_by_resend(vigil, ports):
    from vocabulary.sessions import GetSessionStatus

    run = ready(vigil(trading(ports)).start())
    before = run.client.ask("root/trading/fix-a", GetSessionStatus()).next_target_seq
    run.client.ask("root/venue", VenueCommand("sequence_gap", {"n": 5, "comp_id": "VIGIL_A"}))
    cl = new(run, price="97", session="fix-a")  # its report arrives after the gap
    wait_status(run, cl, "New")
    status = run.client.ask("root/trading/fix-a", GetSessionStatus())
    assert status.logged_on and status.next_target_seq >= before + 5

    def resends_asked() -> float:  # the session's metrics, as it wrote them to Redis (vigil.metrics)
        written = read_all(run.client.redis, run.client.info["name"], ["root/trading/fix-a"])
        points = written.get("root/trading/fix-a", [])
        return sum(p["value"] for p in points if p["name"] == "vigil_fix_resend_requests"
                   and p["labels"] == {"session": "fix-a", "direction": "out"})
    assert wait_for(resends_asked, timeout=10, what="the session's ResendRequest counted") >= 1


def _new_when_up(run, **kw):
    """A new order, once the OMS takes orders for the session again (it reconciles after a restart)."""
    def attempt():
        try:
            return new(run, **kw)
        except VigilError as err:
            if "is up" not in str(err):
                raise
            return None
    return wait_for(attempt, what=f"the OMS to take orders for {kw.get('session')} again")


def _until(client, *needles, timeout=10.0):
    while True:
        raw = client.next_message(timeout).replace("\x01", "|")
        if all(n in raw.replace("|", "\x01") or n in raw for n in needles):
            return raw


def test_cancel_on_disconnect_is_reconciled_as_cancelled(vigil, ports):
    run = ready(vigil(trading(ports, cancel_on_disconnect=True)).start())
    resting = new(run, price="95", session="fix-a")
    wait_status(run, resting, "New")
    run.client.ask("root/venue", VenueCommand("drop_connection", {"comp_id": "VIGIL_A"}))
    row = wait_for(lambda: (o := order(run, resting))["status"] == "Canceled" and not o["uncertain"] and o,
                   what="the venue's cancel-on-disconnect seen after reconnecting")
    assert row["leaves_qty"] == "0"


def test_unsolicited_cancel_and_trade_bust_reach_orders_and_positions(vigil, ports):
    run = ready(vigil(trading(ports)).start())
    with RawFixClient(ports["fix"], "TESTER") as tester:
        tester.new_order("ACME", "2", 5, "100.00")
        bought = new(run, qty="5", price="100.00", session="fix-a")
        wait_status(run, bought, "Filled")
        fill = _until(tester, "35=8", "39=2")
    exec_id = next(part[3:] for part in fill.split("|") if part.startswith("17="))
    run.client.ask("root/venue", VenueCommand("bust", {"exec_id": exec_id}))
    wait_for(lambda: Decimal(run.client.ask(OMS, GetPositions()).rows[0]["qty"]) == 0, what="the bust booked")

    resting = new(run, price="90", session="fix-a")
    row = wait_status(run, resting, "New")
    run.client.ask("root/venue", VenueCommand("unsolicited_cancel", {"order_id": row["order_id"], "text": "halt"}))
    row = wait_status(run, resting, "Canceled")
    assert "halt" in row["reason"]


def test_trading_cli_as_an_operator_uses_it(vigil, ports):
    import json

    run = ready(vigil(trading(ports)).start())
    rd = ("--run-dir", str(run.run_dir))
    sessions = json.loads(run.cli("sessions", "--json", *rd).stdout)["sessions"]
    assert {(s["session"], s["begin_string"], s["logged_on"]) for s in sessions} == {
        ("fix-a", "FIX.4.4", True), ("fix-b", "FIX.4.2", True)}
    assert all(s["next_sender_seq"] > 1 and s["next_target_seq"] > 1 for s in sessions)

    placed = run.cli("order", "new", "--symbol", "ACME", "--side", "buy", "--qty", "3", "--price", "98.5", *rd)
    assert placed.returncode == 0, placed.stderr
    cl = placed.stdout.strip()
    wait_status(run, cl, "New")
    replaced = run.cli("order", "replace", cl, "--price", "98.4", *rd)
    assert replaced.returncode == 0 and replaced.stdout.strip() != cl
    wait_for(lambda: Decimal(order(run, cl)["price"]) == Decimal("98.4"), what="the replace applied")
    orders = json.loads(run.cli("orders", "--open", "--json", *rd).stdout)["orders"]
    [row] = orders
    assert (row["symbol"], row["side"], row["status"], row["cum_qty"], row["leaves_qty"]) == \
        ("ACME", "Buy", "New", "0", "3")
    assert run.cli("order", "cancel", cl, *rd).returncode == 0
    wait_status(run, cl, "Canceled")
    assert json.loads(run.cli("orders", "--open", "--json", *rd).stdout)["orders"] == []
    text = run.cli("orders", *rd).stdout
    current = order(run, cl)["cl_ord_id"]  # after the replace and the cancel, the order's latest ClOrdID
    assert text.splitlines()[0].split()[:3] == ["CLORDID", "ORDERID", "STRATEGY"] and current in text
    assert json.loads(run.cli("positions", "--json", *rd).stdout) == {"positions": []}

    bad = run.cli("order", "new", "--symbol", "ACME", "--side", "hold", "--qty", "1", *rd)
    assert bad.returncode == 2 and "invalid choice: 'hold'" in bad.stderr
    unknown = run.cli("order", "cancel", "NOPE", *rd)
    assert unknown.returncode == 1 and "unknown order 'NOPE'" in unknown.stderr
    no_price = run.cli("order", "new", "--symbol", "ACME", "--side", "buy", "--qty", "1", *rd)
    assert no_price.returncode == 1 and "a limit order needs a price" in no_price.stderr


def test_delayed_reports_hold_the_order_pending_until_they_arrive(vigil, ports):
    import time

    run = ready(vigil(trading(ports)).start())
    run.client.ask("root/venue", VenueCommand("delay_reports", {"ms": 400}))
    sent = time.monotonic()
    ack = run.client.ask(OMS, SubmitOrder(symbol="ACME", side="buy", qty="2", price="97", session="fix-a",
                                       wait_ack=True), timeout=10)
    assert ack.status == "New"
    assert time.monotonic() - sent >= 0.4  # never sooner than the venue's delay
    run.client.ask("root/venue", VenueCommand("delay_reports", {"ms": 0}))
    wait_status(run, new(run, price="97", session="fix-a"), "New")


def test_an_order_a_silent_venue_never_answered_is_chased_and_settled(vigil, ports):
    run = ready(vigil(trading(ports)).start())
    run.client.ask("root/venue", VenueCommand("silent", {"on": True}))
    lost = new(run, price="96", session="fix-a")  # the venue drops it
    assert order(run, lost)["status"] == "PendingNew"
    # Speak again only once the OMS has chased it: the order went on the wire before the chase, on the
    # same session, so the venue has dropped it by then (turning silent off earlier races the order).
    fix_log = run.run_dir / "fix" / "fix-a" / "log" / "FIX.4.4-VIGIL_A-VENUE.messages.current.log"
    wait_for(lambda: any("\x0135=H\x01" in line and f"\x0111={lost}\x01" in line
                         for line in fix_log.read_text().splitlines()), what=f"the OMS's status request for {lost}")
    run.client.ask("root/venue", VenueCommand("silent", {"on": False}))
    row = wait_status(run, lost, "Rejected")  # the OMS asked after ack_timeout_s (1 s): unknown at the venue
    assert "unknown order" in row["reason"], row["reason"]
    wait_status(run, new(run, price="96", session="fix-a"), "New")


def test_trading_phases_over_fix_auction_halt_and_close(vigil, ports):
    run = ready(vigil(trading(ports, phase="pre_open")).start())
    with RawFixClient(ports["fix"], "TESTER") as tester:
        tester.new_order("ACME", "2", 4, "99.00")  # rests: no matching before the open
        bid = new(run, qty="6", price="101.00", session="fix-a")
        wait_status(run, bid, "New")
        for phase in ("opening_auction", "continuous"):  # entering continuous uncrosses at one price
            run.client.ask("root/venue", VenueCommand("phase", {"phase": phase}))
        row = wait_status(run, bid, "PartiallyFilled")
        assert row["cum_qty"] == "4" and row["leaves_qty"] == "2"

    run.client.ask("root/venue", VenueCommand("phase", {"phase": "halted", "symbol": "ACME", "text": "LULD pause"}))
    wait_for(lambda: run.client.ask(OMS, GetHalts()).rows, what="the venue's halt (SecurityStatus) at the OMS")
    with pytest.raises(VigilError, match=r"ACME is halted \(venue halt on fix-.: LULD pause\)"):
        new(run, price="95", session="fix-a")  # refused before it reaches the venue
    run.client.ask("root/venue", VenueCommand("phase", {"phase": "closed", "symbol": "ACME"}))
    row = wait_status(run, bid, "Expired")  # a DAY order ends with the session
    assert row["cum_qty"] == "4"
    wait_for(lambda: not run.client.ask(OMS, GetHalts()).rows, what="the halt lifted when the venue left it")


def test_an_orders_trace_runs_from_the_request_through_fix_to_the_venues_report(vigil, ports, tmp_path):
    run = ready(vigil(trading(ports)).start(), sessions=("fix-a",))
    telemetry.configure("test-strategy", str(tmp_path))
    with telemetry.span("signal") as signal:
        ack = run.client.ask(OMS, SubmitOrder("ACME", "buy", "10", "99.00", session="fix-a", wait_ack=True))
    assert ack.status == "New"
    trace_id = f"0x{signal.get_span_context().trace_id:032x}"
    span_file = run.run_dir / telemetry.SPAN_FILE

    def chain():
        mine = [s for s in map(json.loads, span_file.read_text().splitlines())
                if s["context"]["trace_id"] == trace_id]
        names = {s["name"] for s in mine}
        return {"SubmitOrder", "NewOrderSingle", "ExecutionReport", "FromVenue"} <= names and mine
    spans = {s["name"]: s for s in wait_for(chain, what="the order's spans through FIX and back")}
    parent = {name: s["parent_id"] for name, s in spans.items()}
    span_id = {name: s["context"]["span_id"] for name, s in spans.items()}
    assert parent["NewOrderSingle"] == span_id["SubmitOrder"]
    assert parent["ExecutionReport"] == span_id["NewOrderSingle"]  # the venue's answer continues the trace
    assert parent["FromVenue"] == span_id["ExecutionReport"]
    assert spans["ExecutionReport"]["attributes"]["vigil.actor"] == "root/trading/fix-a"
    assert spans["ExecutionReport"]["attributes"]["fix.cl_ord_id"] == ack.cl_ord_id
    assert spans["FromVenue"]["attributes"]["vigil.actor"] == OMS


def test_a_strategy_on_the_lane_with_50_orders_in_flight_gets_each_acknowledged_once(vigil, ports):
    run = ready(vigil(trading(ports)).start(), sessions=("fix-a",))
    strategy = Lane("test/strategy")
    oms = LaneAddress(run.client.registry.lane(OMS), OMS)
    order = SubmitOrder("ACME", "buy", "1", "90.00", session="fix-a", wait_ack=True)
    sent, acks = 0, []
    try:
        while len(acks) < 400:
            while sent < 400 and sent - len(acks) < 50:
                strategy.send(oms, order)
                sent += 1
            assert strategy.wait(20), f"the OMS went quiet after {len(acks)} acknowledgements"
            acks.extend(d.message for d in strategy.receive())
    finally:
        strategy.close()
    assert all(isinstance(a, OrderAcknowledged) and a.status == "New" for a in acks)
    assert len({a.cl_ord_id for a in acks}) == 400
    assert all(a["restarts"] == "0" for a in run.actors().values())  # nobody was taken for hung
    resting = [o for o in run.client.ask(OMS, GetOrders(open_only=True)).rows if o["price"] == "90.00"]
    assert len(resting) == 400 and len({o["order_id"] for o in resting}) == 400


def test_an_oms_kept_busy_on_its_lane_still_answers_operators_and_heartbeats_at_once(vigil, ports):
    """Between turns on its lane the OMS waits on its own fds, outside Thespian's loop (vigil.own_wait):
    a Thespian message must still be served the moment it comes, and the supervisor's heartbeats too
    (missed, the OMS would be restarted as hung), whether the lane is busy or has just gone quiet."""
    run = ready(vigil(trading(ports)).start(), sessions=("fix-a",))
    strategy = Lane("test/strategy")
    oms = LaneAddress(run.client.registry.lane(OMS), OMS)
    pid, sent, answered = run.pid(OMS), 0, 0
    try:
        for _ in range(30):
            for _ in range(20):
                strategy.send(oms, GetRouting())
            sent += 20
            rows = run.client.ask(OMS, GetRouting(), timeout=2).rows  # raises unless answered within 2 s
            assert {r["session"] for r in rows} == {"fix-a", "fix-b"}
            while answered < sent:
                assert strategy.wait(5), f"the OMS went quiet on its lane after {answered} of {sent} answers"
                answered += len(strategy.receive())
    finally:
        strategy.close()
    assert answered == sent
    quiet_until = time.monotonic() + 3.0  # the heartbeat timeout is 2 s in this topology
    while time.monotonic() < quiet_until:  # the lane quiet since its last turn: Thespian's turns go on
        assert run.client.ask(OMS, GetRouting(), timeout=2).rows
        assert run.pid(OMS) == pid and all(a["restarts"] == "0" for a in run.actors().values())
        time.sleep(0.2)


def test_an_order_whose_log_write_fails_never_reaches_the_venue(vigil, ports):
    """Group commit keeps the rule: nothing a batch sends leaves before the batch is in Redis."""
    run = ready(vigil(trading(ports)).start(), sessions=("fix-a",))
    [seq_key] = run.client.redis.keys(f"*:state:{OMS}:seq")
    fix_log = next((run.run_dir / "fix" / "fix-a" / "log").glob("*.messages.current.log"))
    orders_sent = fix_log.read_text().count("\x0135=D\x01")
    run.client.redis.incr(seq_key)  # someone else wrote the OMS's state: its next commit must fail
    strategy = Lane("test/strategy")
    try:
        strategy.send(LaneAddress(run.client.registry.lane(OMS), OMS),
                      SubmitOrder("ACME", "buy", "1", "90.00", session="fix-a", wait_ack=True))
        reason = wait_for(lambda: run.actors()[OMS]["last_reason"], what="the OMS to be restarted")
    finally:
        strategy.close()
    assert "state written by another process" in reason
    assert fix_log.read_text().count("\x0135=D\x01") == orders_sent
    wait_for(lambda: run.actors()[OMS]["state"] == "running", what="the OMS to be running again")
    ready(run, sessions=("fix-a",))
    cl = new(run, price="90.00", session="fix-a")  # recovered from Redis, it takes orders again
    assert wait_status(run, cl, "New")["order_id"]


def test_the_cli_finds_the_oms_by_the_role_it_declares_whatever_its_class_is_named(vigil):
    run = vigil("vigil: {name: t}\nroot:\n  children:\n    - id: desk-oms\n"
                "      start: tests.support.testbed_actors:DeskOms\n      config: {sessions: [{id: fix-a}]}\n").start()
    orders = run.cli("orders", "--json", "--run-dir", str(run.run_dir))
    assert orders.returncode == 0, orders.stderr
    assert json.loads(orders.stdout) == {"orders": []}
    halted = run.cli("halt", "ACME", "--reason", "renamed class", "--run-dir", str(run.run_dir))
    assert (halted.returncode, halted.stdout.strip()) == (0, "ACME halted")
    sessions = run.cli("sessions", "--run-dir", str(run.run_dir))
    assert sessions.returncode == 1 and "the running topology has no broker session" in sessions.stderr
