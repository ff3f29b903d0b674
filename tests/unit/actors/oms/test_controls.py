"""The big red buttons at the OMS, with the venue's matching engine and a FIX session in one process on a
simulated clock: the kill switch, flatten, trading states and run-time limits, each checked at the venue
where it matters, each in the audit trail with its operator, and each surviving a restart of the OMS."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.inprocess_run import InProcessRun
from tests.support.topologies import desk as desk_topology
from vigil.errors import VigilError
from vocabulary.controls import (
    ControlDone,
    Flatten,
    GetAudit,
    GetRisk,
    GetStrategies,
    Kill,
    ResetLimits,
    SetLimits,
    SetTradingState,
)
from vocabulary.oms import GetOrders, GetPositions
from vocabulary.orders import CancelOrder, SubmitOrder

TOPOLOGY = desk_topology(flow_seed=5, oms="""
    feed: feed
    control_settle_s: 3
    risk:
      market: {max_quote_age_s: 30}
      strategies: {alpha: {max_order_qty: 100000}}
    """)
OWNER = "FIX.4.4:VENUE->VIGIL_A"
"""Vigil's session as the venue names its orders' owner."""


@pytest.fixture
def desk(tmp_path):
    run = InProcessRun(tmp_path / "desk", TOPOLOGY).start()
    run.desk.advance(1.0)
    run.market_data("oms")
    return run


def buy(qty: int, price: str, *, strategy: str = "alpha", account: str = "book-a", tif: str = "DAY") -> SubmitOrder:
    return SubmitOrder("EURUSD", "buy", str(qty), price, "limit", tif, strategy=strategy, account=account)


def control(run: InProcessRun, msg) -> ControlDone:
    """Ask the OMS and wait (simulated time) for its answer, as the CLI does."""
    run.desk.inbox.clear()
    run.desk.tell("oms", msg)
    for _ in range(200):
        run.desk.advance(0.05)
        if run.desk.inbox:
            break
    [answer] = run.desk.inbox
    if not isinstance(answer, ControlDone):
        raise VigilError(str(answer))
    return answer


def at_venue_open(run: InProcessRun) -> list:
    return run.desk.component("venue").core.exchange.open_orders(OWNER)


def take_liquidity(run: InProcessRun, qty: int, **terms) -> None:
    """A marketable buy: a position, the venue's side of it included."""
    ask = run.desk.component("venue").core.exchange.book("EURUSD").best_ask()
    assert ask is not None
    run.client.ask("oms", buy(qty, "1.12000", tif="IOC", **terms))
    run.desk.advance(0.2)


def test_kill_halts_everything_cancels_every_working_order_at_the_venue_and_refuses_what_comes_after(desk):
    resting = [desk.client.ask("oms", buy(1000, px)).cl_ord_id for px in ("1.09600", "1.09700", "1.09800")]
    desk.desk.advance(0.2)
    assert len(at_venue_open(desk)) == 3
    done = control(desk, Kill("venue misbehaving", "alice"))
    assert done.state == "HALTED"
    assert sorted(done.cancelled) == sorted(resting) and done.failed == ()
    assert at_venue_open(desk) == []
    with pytest.raises(VigilError, match="denied: halted: .*global.*kill: venue misbehaving"):
        desk.client.ask("oms", buy(1000, "1.09600"))
    [alert] = desk.desk.alerts("kill_switch_pulled")
    assert (alert["operator"], alert["reason"], sorted(alert["cancelled"])) == ("alice", "venue misbehaving", sorted(resting))
    [action] = desk.desk.ask("oms", GetAudit()).rows
    assert (action["operator"], action["action"], action["target"], action["reason"]) == (
        "alice", "kill", "global", "venue misbehaving")
    assert action["result"] == "HALTED; 3 cancelled, 0 closing orders sent, 0 failed"
    assert action["at"].startswith("2027-01-15T08:00:")

    control(desk, Kill("venue fixed", "bob", release=True))
    assert desk.client.ask("oms", buy(1000, "1.09600")).cl_ord_id
    assert [a["operator"] for a in desk.desk.ask("oms", GetAudit()).rows] == ["alice", "bob"]
    assert cleared(desk) == [{"problem": "kill_switch_pulled"}]  # the page resolves


def cleared(desk) -> list[dict]:
    """The alerts the OMS said are over (the desk's sessions clear their own at logon)."""
    return [detail for _, what, detail in desk.desk.events
            if what == "alert_cleared" and detail["problem"] != "fix_session_down"]


def test_a_strategy_resumed_clears_its_halted_and_stop_loss_alerts_and_only_then(desk):
    control(desk, SetTradingState("strategy", "alpha", "HALTED", "stop", "alice"))
    control(desk, SetTradingState("strategy", "alpha", "REDUCING", "still looking", "alice"))
    control(desk, SetTradingState("strategy", "beta", "ACTIVE", "was active", "alice"))
    assert cleared(desk) == []
    control(desk, SetTradingState("strategy", "alpha", "ACTIVE", "fixed", "bob"))
    assert cleared(desk) == [{"problem": "strategy_halted", "strategy": "alpha"},
                             {"problem": "stop_loss_hit", "strategy": "alpha"}]


def test_kill_reports_an_order_it_could_not_cancel(desk):
    desk.client.ask("oms", buy(1000, "1.09600"))
    desk.desk.advance(0.2)
    desk.desk.stop("fix-a")  # the session is down: the cancel cannot reach the venue
    desk.desk.advance(0.1)
    done = control(desk, Kill("drill", "alice"))
    assert done.cancelled == ()
    [failed] = done.failed
    assert "not sent" in failed["reason"] or "after 3 s" in failed["reason"], failed


def test_flatten_all_leaves_no_position_and_no_resting_order_at_the_venue(desk):
    take_liquidity(desk, 3000)
    take_liquidity(desk, 2000, strategy="beta", account="book-b")
    desk.client.ask("oms", buy(1000, "1.09600"))
    desk.desk.advance(0.2)
    venue = desk.desk.component("venue").core.exchange
    assert venue.net_bought(OWNER)["EURUSD"] > 0 and len(at_venue_open(desk)) == 1

    done = control(desk, Flatten(None, "end of drill", "alice"))
    assert len(done.cancelled) == 1 and done.failed == ()
    assert sorted(s["qty"] for s in done.sent) == ["2000", "3000"]
    assert all(s["side"] == "Sell" and s["status"] == "Filled" for s in done.sent)
    assert venue.net_bought(OWNER) == {"EURUSD": 0} and at_venue_open(desk) == []
    positions = desk.desk.ask("oms", GetPositions()).rows
    assert all(Decimal(p["qty"]) == 0 for p in positions)


def test_flatten_one_book_leaves_the_other(desk):
    take_liquidity(desk, 3000)
    take_liquidity(desk, 2000, strategy="beta", account="book-b")
    done = control(desk, Flatten("book-a", "too big", "alice"))
    assert [s["qty"] for s in done.sent] == ["3000"]
    held = {p["account"]: Decimal(p["qty"]) for p in desk.desk.ask("oms", GetPositions()).rows}
    assert held == {"book-a": 0, "book-b": 2000}
    assert desk.desk.component("venue").core.exchange.net_bought(OWNER) == {"EURUSD": 2000}


def test_reducing_lets_only_reducing_orders_through_and_halted_lets_cancels_through(desk):
    take_liquidity(desk, 3000)
    control(desk, SetTradingState("strategy", "alpha", "REDUCING", "loss review", "alice"))
    with pytest.raises(VigilError, match="denied: reducing"):
        desk.client.ask("oms", buy(1000, "1.09600"))
    sell = SubmitOrder("EURUSD", "sell", "1000", "1.12000", "limit", "DAY", strategy="alpha", account="book-a")
    resting = desk.client.ask("oms", sell).cl_ord_id
    control(desk, SetTradingState("strategy", "alpha", "HALTED", "stop", "alice"))
    with pytest.raises(VigilError, match="denied: halted"):
        desk.client.ask("oms", sell)
    desk.client.ask("oms", CancelOrder(resting))
    desk.desk.advance(0.2)
    [row] = [r for r in desk.desk.ask("oms", GetOrders()).rows if r["root_cl_ord_id"] == resting]
    assert row["status"] == "Canceled"
    other = desk.client.ask("oms", buy(1000, "1.09600", strategy="beta", account="book-b"))
    assert other.cl_ord_id  # the others trade on
    [alpha] = [r for r in desk.desk.ask("oms", GetStrategies()).rows if r["name"] == "alpha"]
    assert (alpha["state"], alpha["state_reason"], alpha["book"]) == ("HALTED", "stop", "book-a")
    assert alpha["position"] == {"EURUSD": 3000} and alpha["denials"] == {"reducing": 1, "halted": 1}


def test_states_limits_and_the_audit_trail_survive_an_oms_restart(desk):
    control(desk, SetTradingState("book", "book-a", "HALTED", "desk closed", "alice"))
    done = control(desk, SetLimits("strategy", "alpha", {"max_order_qty": 5000}, "tighter", "bob"))
    assert done.detail == "strategies.alpha.max_order_qty: 100000 -> 5000"
    desk.desk.restart("oms")
    desk.desk.advance(1.0)
    desk.market_data("oms")
    with pytest.raises(VigilError, match="denied: halted: .*book book-a.*desk closed"):
        desk.client.ask("oms", buy(1000, "1.09600"))
    with pytest.raises(VigilError, match=r"denied: max_order_qty: 6000 > 5000 for alpha"):
        desk.client.ask("oms", buy(6000, "1.09600", account="book-c"))
    view = desk.desk.ask("oms", GetRisk())
    assert view.changed and view.states[0]["target"] == "book-a"
    assert [a["action"] for a in desk.desk.ask("oms", GetAudit()).rows] == ["book halt", "limits set"]
    control(desk, ResetLimits("back to normal", "bob"))
    assert desk.client.ask("oms", buy(6000, "1.09600", account="book-c")).cl_ord_id


def test_a_bad_control_is_refused_with_its_reason_recorded_and_changes_nothing(desk):
    with pytest.raises(VigilError, match="max_order_qy"):
        control(desk, SetLimits("strategy", "alpha", {"max_order_qy": 5}, "typo", "carol"))
    with pytest.raises(VigilError, match="unknown state 'PAUSED'"):
        control(desk, SetTradingState("strategy", "alpha", "paused", "?", "carol"))
    assert desk.desk.ask("oms", GetRisk()).changed is False
    actions = desk.desk.ask("oms", GetAudit()).rows
    assert [a["result"].split(":")[0] for a in actions] == ["refused", "refused"]
    assert all(a["operator"] == "carol" for a in actions)


def test_after_a_kill_flatten_still_closes_positions_and_nothing_else_passes(desk):
    take_liquidity(desk, 3000)
    control(desk, Kill("runaway desk", "alice"))
    done = control(desk, Flatten(None, "close out after the kill", "alice"))
    assert [(s["side"], s["qty"], s["status"]) for s in done.sent] == [("Sell", "3000", "Filled")]
    assert desk.desk.component("venue").core.exchange.net_bought(OWNER) == {"EURUSD": 0}
    with pytest.raises(VigilError, match="denied: halted"):  # a closing order is not a way round the kill
        desk.client.ask("oms", SubmitOrder("EURUSD", "sell", "1000", "1.12000", "limit", "DAY", strategy="alpha",
                                           account="book-a"))


def test_a_control_naming_an_unknown_scope_is_refused_and_the_oms_goes_on(desk):
    with pytest.raises(VigilError, match="unknown scope 'desk'"):
        control(desk, SetTradingState("desk", "x", "HALTED", "?", "carol"))
    assert desk.client.ask("oms", buy(1000, "1.09600")).cl_ord_id
