"""The signal intake with the OMS, a broker session, the venue's matching engine and a strategy host in one process
on a simulated clock (vigil.inprocess): a good signal becomes one order of the named strategy in its book, sent
twice still one; a target orders the difference from the position with the open orders; a restarted intake sends
what it logged once; every answer is recorded per signal."""
from __future__ import annotations

import json

import pytest

from actors.signals.validation import order_of
from tests.support.inprocess_run import InProcessRun
from vocabulary.oms import GetOrders, HaltSymbol
from vocabulary.signals import GetSignals, SignalAnswer, SubmitSignal

TOPOLOGY = """
vigil: {name: t}
root:
  children:
    - id: venue
      start: venues.actor:SimulatedVenue
      config:
        port: 19401
        md_endpoint: tcp://127.0.0.1:19402
        fix_log: false
        clients: [{comp_id: VIGIL_A}, {comp_id: TESTER}]
        symbols: {EURUSD: {tick_size: 0.00001, lot_size: 1000, reference_price: 1.1}}
    - id: oms
      start: actors.oms.actor:OrderManager
      config: {sessions: [{id: fix-a}], symbols: [EURUSD, GBPUSD, USDJPY, ACME]}
    - id: fix-a
      start: actors.broker.session:BrokerSession
      config: {sender_comp_id: VIGIL_A, target_comp_id: VENUE, port: 19401, fix_log: false}
    - id: momentum
      start: actors.strategy.host:StrategyHost
      config: {strategy: strategies.momentum:EmaCross, symbols: [EURUSD], book: mom-book}
    - id: signals
      start: actors.signals.intake:SignalIntake
      config: {max_size: 100000}
"""


@pytest.fixture
def run(tmp_path):
    run = InProcessRun(tmp_path / "desk", TOPOLOGY).start()
    run.desk.advance(1.0)  # logons, reconciliation, the strategy's first sync
    return run


@pytest.fixture
def desk(run):
    return run.desk


def send(desk, **fields) -> SignalAnswer:
    signal = {"id": "s1", "strategy": "momentum", "symbol": "EURUSD", "side": "buy", "size": 2000, "price": 1.05,
              **fields}
    return desk.ask("signals", SubmitSignal(json.dumps({k: v for k, v in signal.items() if v is not ...})))


def orders(desk) -> list[dict]:
    return [r for r in desk.ask("oms", GetOrders()).rows if r["strategy"] == "momentum"]


def test_a_good_signal_is_one_order_of_the_strategy_in_its_book_even_sent_twice(desk):
    answer = send(desk)
    assert (answer.status, answer.client_id, answer.duplicate) == ("accepted", "signal:s1", False)
    [order] = orders(desk)
    assert (order["cl_ord_id"], order["account"], order["client_id"], order["side"], order["qty"]) == \
        (answer.cl_ord_id, "mom-book", "signal:s1", "Buy", "2000")
    desk.advance(1)
    assert orders(desk)[0]["status"] == "New"  # at the venue, resting
    again = send(desk)
    assert (again.status, again.cl_ord_id, again.duplicate) == ("accepted", answer.cl_ord_id, True)
    reused = send(desk, size=3000)
    assert (reused.status, reused.code) == ("refused", "id_reused")
    assert "differs in size" in reused.reason
    assert len(orders(desk)) == 1
    status = desk.ask("signals", GetSignals())
    assert (status.received, status.accepted, status.duplicates, status.refused) == (3, 1, 1, {"id_reused": 1})
    assert status.oms == {"accepted": 1, "denied": 0, "unanswered": 0}
    assert [r["status"] for r in status.recent] == ["accepted", "duplicate", "refused"]


def test_a_target_orders_the_difference_counting_open_orders_one_target_after_the_other(desk):
    desk.tell("signals", SubmitSignal(json.dumps({"id": "t1", "strategy": "momentum", "symbol": "EURUSD",
                                                  "target": 3000, "price": 1.05})))
    desk.tell("signals", SubmitSignal(json.dumps({"id": "t2", "strategy": "momentum", "symbol": "EURUSD",
                                                  "target": 3000, "price": 1.05})))  # before t1's position came
    desk.run()
    t1, t2 = (a for a in desk.inbox if isinstance(a, SignalAnswer))
    assert t1.status == "accepted" and (t2.status, t2.code) == ("refused", "no_order_needed")
    assert "at the target 3000 already (0 filled, +3000 working)" in t2.reason
    [order] = orders(desk)
    assert (order["side"], order["qty"], order["client_id"]) == ("Buy", "3000", "signal:t1")
    short = send(desk, id="t3", side=..., size=..., target=-1000)
    assert short.status == "accepted"
    assert [(o["side"], o["qty"]) for o in orders(desk)] == [("Buy", "3000"), ("Sell", "4000")]
    recent = {r["id"]: r for r in desk.ask("signals", GetSignals()).recent}
    assert (recent["t3"]["order_side"], recent["t3"]["order_qty"], recent["t3"]["working"]) == ("sell", "4000", "3000")
    assert desk.ask("signals", GetSignals()).refused == {"no_order_needed": 1}
    assert send(desk, id="t2", side=..., size=..., target=0).status == "accepted"  # a refused id may be used again


def test_an_order_the_oms_denies_is_recorded_as_denied_with_why(desk):
    desk.ask("oms", HaltSymbol("EURUSD", "news pending"))
    answer = send(desk)
    assert (answer.status, answer.cl_ord_id) == ("denied", None)
    assert answer.reason == "EURUSD is halted (news pending): no new orders or replaces until it is resumed"
    status = desk.ask("signals", GetSignals())
    assert status.oms["denied"] == 1 and status.recent[-1]["reason"] == answer.reason
    assert send(desk).duplicate  # sent again: answered as the first, denied


def test_a_signal_logged_but_not_sent_is_sent_once_by_the_restarted_intake(desk):
    intake = desk.component("signals")
    signal = intake.rules.parse(json.dumps({"id": "r1", "strategy": "momentum", "symbol": "EURUSD", "side": "sell",
                                            "size": 1000, "price": 1.2}).encode())
    intake.persist({"event": "accepted", "at_ns": 0, "id": "r1", "terms": signal.terms(),
                    "order": {"side": "sell", "qty": "1000"}})  # logged; killed before it was sent
    desk.kill("signals")
    assert not orders(desk)
    desk.restart("signals")
    desk.advance(5)  # the chase on the way sends nothing twice
    [order] = orders(desk)
    assert (order["client_id"], order["side"], order["status"]) == ("signal:r1", "Sell", "New")
    desk.kill("signals")  # and once more: its answer is logged, so nothing is sent again
    desk.restart("signals")
    desk.advance(5)
    assert len(orders(desk)) == 1
    assert desk.ask("signals", GetSignals()).recent[-1]["status"] == "accepted"


def test_a_signal_whose_order_reached_the_oms_unanswered_is_not_ordered_twice_by_the_restarted_intake(desk):
    intake = desk.component("signals")
    signal = intake.rules.parse(json.dumps({"id": "u1", "strategy": "momentum", "symbol": "EURUSD", "side": "buy",
                                            "size": 1000, "price": 1.05}).encode())
    intake.persist({"event": "accepted", "at_ns": 0, "id": "u1", "terms": signal.terms(),
                    "order": {"side": "buy", "qty": "1000"}})
    first = desk.ask("oms", order_of("u1", signal.terms(), "buy", "1000"))  # its order, sent; the intake died
    desk.kill("signals")                                                   # before it heard the answer
    desk.restart("signals")
    desk.advance(1)
    [order] = orders(desk)
    assert order["cl_ord_id"] == first.cl_ord_id
    record = desk.component("signals").log.records["u1"]
    assert (record["status"], record["cl_ord_id"]) == ("accepted", first.cl_ord_id)  # the OMS: the same order


def test_an_unknown_strategy_or_a_strategy_that_is_not_one_is_refused(desk):
    assert send(desk, strategy="oms").code == "unknown_strategy"  # an actor, not a strategy
    assert send(desk, strategy="mean-rev").code == "unknown_strategy"
    assert send(desk, symbol="GBPUSD").code == "unknown_symbol"  # in the master, not momentum's
    assert not orders(desk)


def test_while_the_oms_is_down_a_signal_is_answered_sent_and_its_order_goes_once_it_is_back(desk):
    desk.kill("oms")
    desk.tell("signals", SubmitSignal(json.dumps({"id": "d1", "strategy": "momentum", "symbol": "EURUSD",
                                                  "side": "buy", "size": 1000, "price": 1.05})))
    desk.advance(2.5)  # answer_timeout_s
    [answer] = [a for a in desk.inbox if isinstance(a, SignalAnswer)]
    assert (answer.status, answer.client_id) == ("sent", "signal:d1")
    assert "not answered yet" in answer.reason
    desk.restart("oms")
    desk.advance(5)  # resend_after_s
    [order] = orders(desk)
    assert order["client_id"] == "signal:d1"
    status = desk.ask("signals", GetSignals())
    assert status.recent[-1]["status"] == "accepted" and status.oms["accepted"] == 1


def test_a_target_counts_what_is_filled(run, desk):
    assert send(desk, id="f1", price=1.1).status == "accepted"  # buy 2000 at 1.1 ...
    with run.counterparty(19401, "TESTER") as tester:
        tester.new_order("EURUSD", "2", 2000, "1.1")  # ... filled by another participant's sell
    desk.advance(1)
    assert orders(desk)[0]["status"] == "Filled"
    flat = send(desk, id="f2", side=..., size=..., target=0, price=1.09)
    assert flat.status == "accepted"
    sell = orders(desk)[-1]
    assert (sell["side"], sell["qty"], sell["client_id"]) == ("Sell", "2000", "signal:f2")
    record = desk.component("signals").log.records["f2"]
    assert (record["position"], record["working"]) == ("2000", "0")
    assert desk.component("momentum").positions["EURUSD"] == 2000  # the signal's fill is the strategy's position
