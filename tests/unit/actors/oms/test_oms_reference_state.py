"""Halts and corporate actions in the OMS's domain: what each order becomes, and replaying the events."""
from __future__ import annotations

import json
from decimal import Decimal as D

from actors.oms.reference_state import ReferenceState, plan
from tests.unit.actors.oms.oms_support import er, new_order
from vigil.corporate_actions import actions_from
from vigil.reference import Instrument

ACME = Instrument("ACME", tick_size=0.01, lot_size=1)


def action(kind="split", **terms):
    entry = {"id": kind, "symbol": "ACME", "type": kind, "effective": "2027-01-01T00:00:00Z",
             **({"ratio": "2:1"} if kind == "split" else {"amount": "0.30"}), **terms}
    return actions_from([entry], "test")[0]


def acme(qty=100, price="20.01", side="Buy", cl="X"):
    order = new_order(cl, qty, symbol="ACME", side=side, price=price)
    order.apply(er("0", "New", cl, qty=qty))
    return order


def test_a_partly_filled_order_keeps_its_fills_and_adjusts_only_what_is_left():
    order = acme()
    order.apply(er("F", "PartiallyFilled", "X", qty=100, cum=40, last=40, px=20))
    adj = plan(order, action(), "adjust", ACME)
    # 40 filled stay 40 in the venue's terms; 60 left become 120 at half the price (10.005 -> 10.00 for a buy)
    assert (adj.outcome, adj.qty, adj.price) == ("replace", D(160), D("10.00"))


def test_policy_cancel_and_nothing_left_cancel_and_a_dividend_keeps_a_sell():
    assert plan(acme(), action(), "cancel", ACME).outcome == "cancel"
    assert plan(acme(qty=5), action(ratio="1:10"), "adjust", ACME).outcome == "cancel"  # 0.5 share left
    assert plan(acme(side="Sell"), action("dividend"), "adjust", ACME).outcome == "keep"
    buy = plan(acme(), action("dividend"), "adjust", ACME)
    assert (buy.outcome, buy.qty, buy.price) == ("replace", D(100), D("19.71"))


def test_a_new_limit_nearer_the_other_side_is_bolder_so_it_waits_for_our_orders_there():
    # a split lowers a sell towards our buys, a reverse split raises a buy towards our sells
    assert plan(acme(side="Sell"), action(), "adjust", ACME).bolder
    assert plan(acme(), action(ratio="1:2"), "adjust", ACME).bolder
    assert not plan(acme(), action(), "adjust", ACME).bolder
    assert not plan(acme(side="Sell"), action(ratio="1:2"), "adjust", ACME).bolder
    assert not plan(acme(), action("dividend"), "adjust", ACME).bolder


def test_events_replay_to_the_same_halts_actions_and_waiting_orders():
    split, div = action(), action("dividend")
    orders = [acme(cl="A"), acme(cl="B")]
    events = [{"event": "halt", "symbol": "ACME", "reason": "news", "at_ns": 1},
              {"event": "corporate_action", "action": div.to_dict(), "at_ns": 2},
              {"event": "corporate_action", "action": split.to_dict(), "at_ns": 3},
              {"event": "corporate_action", "action": split.to_dict(), "at_ns": 4},  # once only
              {"event": "ca_order", "cl_ord_id": "A", "action": "dividend", "outcome": "replace"}]
    state = ReferenceState()
    for event in events:
        assert state.apply(event, orders)
    assert state.halted("ACME") == "news" and state.halted("EURUSD") is None
    assert state.pending == {"A": ["split"], "B": ["dividend", "split"]}
    assert state.applied_at == {"dividend": 2, "split": 3}
    restored = ReferenceState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert (restored.pending, restored.halts, restored.applied) == (state.pending, state.halts, state.applied)
    state.apply({"event": "resume", "symbol": "ACME", "at_ns": 5}, orders)
    assert state.halted("ACME") is None
    assert not state.apply({"event": "order_created"}, orders)
    assert ReferenceState.from_dict(None).halts == {}  # a snapshot from before halts existed


def test_an_adjustment_request_lasts_until_its_final_answer_or_its_refusal():
    state = ReferenceState()
    orders = [acme(cl="A"), acme(cl="B")]
    state.apply({"event": "corporate_action", "action": action().to_dict(), "at_ns": 1}, orders)
    for cl, request in (("A", "RA"), ("B", "RB")):
        state.apply({"event": "ca_order", "cl_ord_id": cl, "action": "split", "outcome": "replace",
                     "request": request}, orders)
    assert state.requests == {"RA": ("A", "split"), "RB": ("B", "split")}
    state.settle(er("E", "PendingReplace", "RA", orig="A"))  # not final: the venue may still refuse it
    state.settle(er("5", "New", "RA", orig="A", qty=200))
    assert state.requests == {"RB": ("B", "split")}
    state.apply({"event": "ca_refused", "cl_ord_id": "B", "action": "split", "reason": "halted"}, orders)
    assert state.requests == {} and state.refused == {"split": {"B": "halted"}}
