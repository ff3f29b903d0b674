"""Trading halts and corporate actions, end to end: the OMS, real FIX sessions and the simulated venue."""
from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
import zmq

from tests.integration.test_trading import OMS, new, order, ready, wait_status
from tests.support.harness import wait_for
from tests.support.topologies import trading
from venues.participant import RawFixClient
from vigil.errors import VigilError
from vigil.procs import free_port
from vocabulary.market_data import decode
from vocabulary.oms import GetHalts, GetPositions
from vocabulary.orders import CancelOrder, ReplaceOrder
from vocabulary.venue import VenueCommand


@pytest.fixture
def ports():
    return {"fix": free_port(), "md": free_port()}


def cli(run, *args):
    result = run.cli(*args, "--run-dir", str(run.run_dir))
    return result.returncode, result.stdout + result.stderr


def test_a_halt_blocks_new_orders_and_replaces_but_not_cancels_and_survives_an_oms_restart(vigil, ports):
    run = ready(vigil(trading(ports)).start())
    resting = new(run, price="99", session="fix-a")
    wait_status(run, resting, "New")

    assert cli(run, "halt", "ACME", "--reason", "news pending") == (0, "ACME halted\n")
    with pytest.raises(VigilError, match=r"ACME is halted \(news pending\)"):
        new(run, price="99")
    rc, out = cli(run, "order", "new", "--symbol", "ACME", "--side", "buy", "--qty", "5", "--price", "99")
    assert rc != 0 and "ACME is halted (news pending)" in out
    with pytest.raises(VigilError, match="ACME is halted"):
        run.client.ask(OMS, ReplaceOrder(resting, price="98"))
    new(run, symbol="EURUSD", qty="1000", price="1.05")  # other symbols trade on
    rc, out = cli(run, "halts", "--json")
    [halt] = json.loads(out)["halts"]
    assert (halt["symbol"], halt["reason"]) == ("ACME", "news pending")
    assert [e["symbol"] for e in run.events("halt")] == ["ACME"]

    run.wait_running(OMS, not_pid=run.kill(OMS))  # the halt is in the OMS's event log
    ready(run)
    with pytest.raises(VigilError, match="ACME is halted"):
        new(run, price="99")
    run.client.ask(OMS, CancelOrder(order(run, resting)["cl_ord_id"]))  # getting out is always allowed
    wait_status(run, resting, "Canceled")

    assert cli(run, "resume", "ACME") == (0, "ACME resumed\n")
    wait_status(run, new(run, price="99", session="fix-a"), "New")
    assert json.loads(cli(run, "halts", "--json")[1]) == {"halts": []}


def test_bad_halt_commands_are_refused_with_the_reason(vigil, ports):
    run = ready(vigil(trading(ports)).start())
    rc, out = cli(run, "halt", "NOPE", "--reason", "x")
    assert rc != 0 and "unknown symbol 'NOPE'" in out
    rc, out = cli(run, "halt", "ACME")
    assert rc == 2 and "--reason" in out
    rc, out = cli(run, "resume", "ACME")
    assert rc != 0 and "ACME is not halted" in out
    wait_status(run, new(run, price="99", session="fix-a"), "New")  # nothing was halted by any of it


def _actions_file(tmp_path, *entries):
    path = tmp_path / "corporate_actions.yaml"
    path.write_text("actions:\n" + "".join(f"  - {json.dumps(e)}\n" for e in entries))
    return path


def _iso(seconds_from_now: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + seconds_from_now))


@pytest.mark.parametrize("policy", ["adjust", "cancel"])
def test_a_split_and_a_dividend_adjust_resting_orders_at_the_venue_and_positions(vigil, ports, tmp_path, policy):
    actions = _actions_file(tmp_path)  # none yet: they are loaded with `vigil corporate-actions reload`
    run = ready(vigil(trading(ports, oms_config=f"    corporate_actions: {{file: {actions}, open_orders: {policy}}}\n"))
                .start())
    with RawFixClient(ports["fix"], "TESTER") as tester:
        tester.new_order("ACME", "2", 6, "100.00")
        wait_status(run, new(run, qty="6", price="100.00", session="fix-a"), "Filled")  # long 6 @ 100
    # The sell first: lowered to post-split terms before the buy is, it would trade with our own buy
    sell = new(run, side="sell", qty="7", price="100.55", session="fix-a")
    buy = new(run, qty="10", price="99.51", session="fix-a")
    wait_status(run, buy, "New"), wait_status(run, sell, "New")

    _actions_file(tmp_path, {"id": "ACME-div", "symbol": "ACME", "type": "dividend", "amount": 0.5,
                             "effective": _iso(-2)},
                  {"id": "ACME-split", "symbol": "ACME", "type": "split", "ratio": "2:1", "effective": _iso(-1)},
                  {"id": "ACME-later", "symbol": "ACME", "type": "split", "ratio": "3:1", "effective": _iso(3600)})
    rc, out = cli(run, "corporate-actions", "reload", "--json")
    assert rc == 0, out

    if policy == "adjust":
        # dividend: the buy limit drops by 0.50 (99.01); then the split: twice the quantity at half the
        # price, rounded never towards aggression (buy 49.505 -> 49.50, sell 50.275 -> 50.28)
        b = wait_for(lambda: (o := order(run, buy))["qty"] == "20" and o["status"] == "New" and o,
                     what=lambda: f"the buy adjusted for the dividend, then the split (now {order(run, buy)})")
        s = wait_for(lambda: (o := order(run, sell))["qty"] == "14" and o["status"] == "New" and o,
                     what=lambda: f"the sell adjusted for the split (now {order(run, sell)})")
        assert (Decimal(b["price"]), b["leaves_qty"]) == (Decimal("49.50"), "20")
        assert (Decimal(s["price"]), s["leaves_qty"]) == (Decimal("50.28"), "14")
        with RawFixClient(ports["fix"], "TESTER") as tester:  # the venue's book holds the new terms
            tester.new_order("ACME", "2", 20, "49.50")
            wait_status(run, buy, "Filled")
    else:
        wait_status(run, buy, "Canceled"), wait_status(run, sell, "Canceled")

    [pos] = run.client.ask(OMS, GetPositions()).rows
    base = (Decimal(12), Decimal(50), Decimal(3))  # 6 @ 100 split 2:1; 6 x 0.50 dividend before the split
    if policy == "adjust":  # plus the 20 bought @ 49.50
        base = (Decimal(32), (Decimal(600) + 20 * Decimal("49.50")) / 32, Decimal(3))
    assert (Decimal(pos["qty"]), Decimal(pos["avg_px"]), Decimal(pos["dividends"])) == base

    def settled():  # a cancelled order leaves the list of orders to adjust at the OMS's next check
        rows = json.loads(cli(run, "corporate-actions", "--json")[1])["corporate_actions"]
        return {a["id"]: (a["status"], a["orders_waiting"]) for a in rows}
    wait_for(lambda: settled() == {"ACME-div": ("applied", []), "ACME-split": ("applied", []),
                                   "ACME-later": ("pending", [])}, what=lambda: f"actions settled (now {settled()})")
    assert sorted(e["id"] for e in run.events("corporate_action")) == ["ACME-div", "ACME-split"]

    run.wait_running(OMS, not_pid=run.kill(OMS))  # applied once: a restart books nothing again
    ready(run)
    [again] = run.client.ask(OMS, GetPositions()).rows
    assert (Decimal(again["qty"]), Decimal(again["dividends"])) == base[::2]


def test_a_bad_corporate_actions_file_is_refused_on_reload_and_the_old_one_kept(vigil, ports, tmp_path):
    actions = _actions_file(tmp_path, {"id": "A", "symbol": "ACME", "type": "split", "ratio": "2:1",
                                       "effective": "2099-01-01T00:00:00Z"})
    run = ready(vigil(trading(ports, oms_config=f"    corporate_actions: {{file: {actions}}}\n")).start())
    actions.write_text("actions:\n  - {id: B, symbol: ACME, type: split, ratio: 'two for one', effective: 2099-01-01}\n")
    rc, out = cli(run, "corporate-actions", "reload")
    assert rc != 0 and "kept the 1 action(s) loaded before" in out and "action B: ratio must be" in out
    rows = json.loads(cli(run, "corporate-actions", "--json")[1])["corporate_actions"]
    assert [(r["id"], r["status"]) for r in rows] == [("A", "pending")]


def test_a_venue_halt_reaches_the_oms_and_its_resume_lifts_only_the_venues_halt(vigil, ports):
    run = ready(vigil(trading(ports)).start())
    halts = lambda: {r["symbol"]: r for r in run.client.ask(OMS, GetHalts()).rows}  # noqa: E731
    run.client.ask("root/venue", VenueCommand("phase", {"phase": "halted", "symbol": "ACME", "text": "news pending"}))
    halt = wait_for(lambda: halts().get("ACME"), what="the venue's SecurityStatus halt at the OMS")
    assert halt["by"] == "venue" and halt["reason"].endswith(": news pending"), halt
    with pytest.raises(VigilError, match="ACME is halted"):
        new(run, price="99")
    run.client.ask("root/venue", VenueCommand("phase", {"phase": "continuous", "symbol": "ACME"}))
    wait_for(lambda: "ACME" not in halts(), what="the venue's resume lifting the halt")
    wait_status(run, new(run, price="99", session="fix-a"), "New")

    # an operator's halt outlives a venue's halt and resume
    assert cli(run, "halt", "ACME", "--reason", "risk review")[0] == 0
    run.client.ask("root/venue", VenueCommand("phase", {"phase": "halted", "symbol": "ACME"}))
    run.client.ask("root/venue", VenueCommand("phase", {"phase": "continuous", "symbol": "ACME"}))
    run.kill("root/trading/fix-b")  # a session that logs on again hears the current status: no halt
    run.wait_running("root/trading/fix-b")
    ready(run)
    assert halts()["ACME"]["reason"] == "risk review" and halts()["ACME"]["by"] == "operator"

    # a session that logs on during a venue halt hears of it at logon
    assert cli(run, "resume", "ACME")[0] == 0
    run.kill("root/trading/fix-a"), run.kill("root/trading/fix-b")
    run.client.ask("root/venue", VenueCommand("phase", {"phase": "halted", "symbol": "ACME"}))
    run.wait_running("root/trading/fix-a"), run.wait_running("root/trading/fix-b")
    assert wait_for(lambda: halts().get("ACME"), what="the halt learnt at logon")["by"] == "venue"


@pytest.mark.parametrize("setting, says", [
    ("corporate_actions: {open_orders: sometimes}",
     "root/trading/oms: config.corporate_actions.open_orders: unknown value 'sometimes'; allowed: adjust | cancel"),
    # a relative file is beside the topology, wherever the run directory is
    ("corporate_actions: {file: nowhere.yaml}", "config.corporate_actions.file: corporate actions {dir}/nowhere.yaml: "
                                                "No such file"),
    ("corporate_actions: {policy: adjust}", "config.corporate_actions.policy: unknown setting"),
])
def test_an_oms_with_a_bad_corporate_actions_setting_does_not_start_and_names_it(vigil, ports, setting, says):
    run = vigil(trading(ports, oms_config=f"    {setting}\n"))
    out = run.up()
    assert out.returncode == 2 and says.format(dir=run.topology.parent) in out.stderr, out.stderr


def test_an_adjustment_the_venue_refuses_raises_an_alert_and_is_listed_not_resent(vigil, ports, tmp_path):
    actions = _actions_file(tmp_path)
    run = ready(vigil(trading(ports, oms_config=f"    corporate_actions: {{file: {actions}}}\n")).start())
    buy = new(run, qty="10", price="99.50", session="fix-a")
    wait_status(run, buy, "New")
    run.client.ask("root/venue", VenueCommand("phase", {"phase": "halted", "symbol": "ACME"}))  # no replaces now
    _actions_file(tmp_path, {"id": "S", "symbol": "ACME", "type": "split", "ratio": "2:1", "effective": _iso(-1)})
    assert cli(run, "corporate-actions", "reload")[0] == 0

    alert = wait_for(lambda: [e for e in run.events("alert") if e.get("problem") == "corporate_action_not_applied"],
                     what="an alert for the order the venue would not adjust")[0]
    assert (alert["order"], alert["action"]) == (buy, "S") and "halted" in alert["reason"], alert
    row = order(run, buy)
    assert (row["qty"], Decimal(row["price"]), row["status"]) == ("10", Decimal("99.50"), "New")  # as it was
    [listed] = json.loads(cli(run, "corporate-actions", "--json")[1])["corporate_actions"]
    assert listed["orders_refused"] == {buy: alert["reason"]} and listed["orders_waiting"] == []
    assert not [e for e in run.events("exited") if e["path"] == OMS]  # the OMS took it in its stride

    run.wait_running(OMS, not_pid=run.kill(OMS))  # the refusal is in the event log; nothing is sent again
    ready(run)
    [listed] = json.loads(cli(run, "corporate-actions", "--json")[1])["corporate_actions"]
    assert listed["orders_refused"] == {buy: alert["reason"]}
    assert len([e for e in run.events("alert") if e.get("problem") == "corporate_action_not_applied"]) == 1


def test_the_venues_simulated_market_follows_a_split_at_its_effective_time(vigil, ports, tmp_path):
    effective = int(time.time()) + 8  # after the venue is up: it applies only actions that take effect while it runs
    actions = _actions_file(tmp_path, {"id": "S", "symbol": "ACME", "type": "split", "ratio": "2:1",
                                       "effective": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(effective))})
    vigil(trading(ports, flow=True, venue_config=f"    corporate_actions: {actions}\n")).start()
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"QACME")
    sub.connect(f"tcp://127.0.0.1:{ports['md']}")
    try:
        def mid():
            if not sub.poll(1000):
                return None
            quote = decode(sub.recv_multipart())
            return (quote.bid_px + quote.ask_px) / 2 if quote.bid_px and quote.ask_px else None
        assert 90 < wait_for(mid, what="ACME quoted around 100 before the split") < 110
        assert 45 < wait_for(lambda: (m := mid()) and m < 60 and m, timeout=30,
                             what="ACME quoted around 50 after the split") < 55
        assert time.time() >= effective  # not before its time
    finally:
        sub.close(0)
        ctx.term()
