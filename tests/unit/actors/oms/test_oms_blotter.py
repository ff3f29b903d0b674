"""The blotter: routing through ClOrdID chains and OrderIDs, ExecID protection across orders,
open/uncertain orders, persistence, and the way an actor drives it."""
from __future__ import annotations

import json

import pytest

from actors.oms import Blotter, OrderError, Positions
from tests.unit.actors.oms.oms_support import TERMS, er, reject
from vocabulary.rejects import VenueReject
from vocabulary.reports import ExecutionReport


def book(*ids: str, session: str = "VENUE1") -> Blotter:
    blotter = Blotter()
    for cl in ids:
        blotter.submit(cl, **{**TERMS, "session": session, "qty": 10000})
    return blotter


def test_submit_creates_a_pending_new_order_and_refuses_a_used_cl_ord_id():
    blotter = book("A")
    assert blotter.get("A").status.label == "PendingNew" and "A" in blotter and len(blotter) == 1
    with pytest.raises(OrderError) as err:
        blotter.submit("A", **{**TERMS, "qty": 5})
    assert err.value.reason == "duplicate_cl_ord_id"


def test_a_request_id_may_not_reuse_another_orders_cl_ord_id():
    blotter = book("A", "B")
    with pytest.raises(OrderError) as err:
        blotter.request_cancel("A", "B")
    assert err.value.reason == "duplicate_cl_ord_id"
    assert not blotter.get("A").pending


def test_unknown_orders():
    blotter = book("A")
    with pytest.raises(OrderError) as err:
        blotter.request_cancel("nope", "C1")
    assert err.value.reason == "unknown_order"
    result = blotter.apply(er("Trade", "PartiallyFilled", "ghost", order_id="O-ghost", cum=1, last=1))
    assert not result and "cl_ord_id ghost" in result.problem and "order_id O-ghost" in result.problem


def test_replace_chain_resolves_to_the_same_order_by_any_id():
    blotter = book("A")
    blotter.apply(er("New", "New", "A", order_id="O1"))
    blotter.request_replace("A", "A2", qty=8000)
    blotter.apply(er("Replaced", "New", "A2", "A", qty=8000, order_id="O1"))
    blotter.request_replace("A2", "A3", qty=6000)  # addressed by the current id
    blotter.apply(er("Replaced", "New", "A3", "A2", qty=6000, order_id="O1"))
    order = blotter.get("A")
    assert blotter.get("A2") is order and blotter.get("A3") is order and blotter.by_order_id("O1") is order
    assert order.cl_ord_id == "A3" and order.qty == 6000
    # a report quoting only the venue's OrderID still finds it
    blotter.apply(ExecutionReport(exec_id="T1", exec_type="F", ord_status="1", order_id="O1", last_qty=100,
                                  last_px=1, cum_qty=100, order_qty=6000))
    assert order.cum_qty == 100


def test_reports_route_by_orig_cl_ord_id_when_the_cl_ord_id_is_unknown():
    blotter = book("A")
    blotter.apply(er("Canceled", "Canceled", "venue-made", "A"))
    assert blotter.get("A").status.label == "Canceled"


def test_the_same_exec_id_is_applied_once_across_the_blotter():
    blotter = book("A", "B")
    fill = er("Trade", "PartiallyFilled", "A", cum=100, last=100, exec_id="X1", order_id="OA")
    assert blotter.apply(fill).fills
    again = er("Trade", "PartiallyFilled", "B", cum=100, last=100, exec_id="X1", order_id="OB", poss_dup=True)
    assert blotter.apply(again).duplicate
    assert blotter.get("B").cum_qty == 0


def test_exec_ids_are_per_session():
    blotter = book("A")
    blotter.submit("B", **{**TERMS, "session": "VENUE2", "qty": 10000})
    blotter.apply(er("Trade", "PartiallyFilled", "A", cum=100, last=100, exec_id="1", order_id="OA"))
    assert blotter.apply(er("Trade", "PartiallyFilled", "B", cum=100, last=100, exec_id="1", order_id="OB")).fills


def test_open_orders_and_mark_uncertain_by_session():
    blotter = book("A", "B")
    blotter.submit("C", **{**TERMS, "session": "VENUE2", "qty": 10000})
    blotter.apply(er("Trade", "Filled", "B", cum=10000, last=10000, order_id="OB"))
    assert [o.cl_ord_id for o in blotter.open_orders()] == ["A", "C"]
    assert [o.cl_ord_id for o in blotter.open_orders("VENUE1")] == ["A"]
    event = blotter.mark_uncertain("VENUE1")
    assert event == {"event": "marked_uncertain", "session": "VENUE1", "reason": "session lost"}
    assert [o.cl_ord_id for o in blotter.uncertain_orders()] == ["A"]
    result = blotter.reconcile(er("OrderStatus", "PartiallyFilled", "A", exec_id="0", cum=300, avg=2,
                                  order_id="OA"))
    assert [(f.qty, f.price) for f in result.missed] == [(300, 2)]
    assert blotter.uncertain_orders() == []


def test_cancel_reject_and_venue_reject_are_routed_by_the_request_id():
    blotter = book("A")
    blotter.request_cancel("A", "A-c1")
    blotter.apply(reject("A-c1", "A", "New"))
    assert blotter.get("A").status.label == "PendingNew"
    blotter.request_replace("A", "A-r1", price="1.3")
    blotter.apply(VenueReject(msg_type="j", ref_msg_type="G", reason=0, cl_ord_id="A-r1", text="busy"))
    assert not blotter.get("A").pending and blotter.get("A").reason == "rejected by venue: other (busy)"


def _busy_blotter() -> tuple[Blotter, list]:
    blotter = Blotter()
    log: list = []

    def persist(event):  # what VigilActor.persist does: log, then apply
        log.append(json.loads(json.dumps(event if isinstance(event, dict) else event.to_dict())))
        return blotter.apply(event)

    order = blotter.submit("A", **{**TERMS, "qty": 10000})
    persist(order.created_event())
    blotter.submit("B", **{**TERMS, "side": "Sell", "qty": 500})
    persist(blotter.get("B").created_event())
    persist(er("New", "New", "A", order_id="OA"))
    persist(er("Trade", "PartiallyFilled", "A", cum=1000, last=1000, order_id="OA"))
    persist(blotter.request_replace("A", "A2", qty=5000))
    persist(er("Replaced", "PartiallyFilled", "A2", "A", qty=5000, cum=1000, order_id="OA"))
    persist(blotter.request_cancel("A2", "A3"))
    persist(blotter.mark_uncertain())
    persist(er("OrderStatus", "PartiallyFilled", "A2", exec_id="0", qty=5000, cum=1500, avg=100, order_id="OA"))
    persist(er("Rejected", "Rejected", "B", order_id="OB", text="no"))
    return blotter, log


def test_the_actor_pattern_request_then_persist_reapplies_harmlessly():
    blotter, _ = _busy_blotter()
    a = blotter.get("A")
    assert (a.status.label, a.cl_ord_id, a.qty, a.cum_qty) == ("PendingCancel", "A2", 5000, 1500)
    assert a.pending[0].cl_ord_id == "A3"
    assert blotter.get("B").status.label == "Rejected"


def test_blotter_snapshot_round_trip():
    blotter, _ = _busy_blotter()
    snapshot = json.loads(json.dumps(blotter.to_dict()))
    restored = Blotter.from_dict(snapshot)
    assert restored.to_dict() == blotter.to_dict()
    assert restored.get("A3") is restored.get("A") and restored.by_order_id("OA") is restored.get("A")
    # ExecID protection survives the restart
    assert restored.apply(er("Trade", "PartiallyFilled", "A", exec_id=_first_trade_id(blotter))).duplicate


def _first_trade_id(blotter: Blotter) -> str:
    return next(e for e in sorted(blotter.get("A").exec_ids) if e != "0")


def test_replaying_the_log_on_a_fresh_blotter_gives_the_same_state():
    blotter, log = _busy_blotter()
    fresh = Blotter()
    for event in log:
        fresh.apply(event)
    assert fresh.to_dict() == blotter.to_dict()


def test_snapshot_plus_tail_replay_gives_the_same_state_and_positions():
    blotter, log = _busy_blotter()
    middle = len(log) // 2
    early = Blotter()
    positions = Positions()
    for event in log[:middle]:
        for fill in early.apply(event).fills:
            positions.apply(fill)
    recovered = Blotter.from_dict(json.loads(json.dumps(early.to_dict())))
    recovered_positions = Positions.from_dict(json.loads(json.dumps(positions.to_dict())))
    for event in log[middle:]:
        for fill in recovered.apply(event).fills:
            recovered_positions.apply(fill)
    assert recovered.to_dict() == blotter.to_dict()
    assert recovered_positions.get("ACC1", "mm", "EURUSD").qty == blotter.get("A").cum_qty == 1500


def test_a_report_that_closes_an_uncertain_order_settles_it():
    from actors.oms import Blotter
    from vocabulary.reports import ExecutionReport

    blotter = Blotter()
    blotter.submit("A1", account="main", strategy="s", session="fix-a", symbol="ACME", side="1", ord_type="2",
                   tif="0", qty="10", price="95")
    blotter.apply(ExecutionReport(exec_id="E1", exec_type="0", ord_status="0", cl_ord_id="A1", order_id="O1",
                                  cum_qty=0, leaves_qty=10, avg_px=0))
    blotter.apply(blotter.mark_uncertain("fix-a", "session down"))
    assert blotter.get("A1").view().uncertain
    # cancel-on-disconnect, resent by the venue after the logon
    blotter.apply(ExecutionReport(exec_id="E2", exec_type="4", ord_status="4", cl_ord_id="A1", order_id="O1",
                                  cum_qty=0, leaves_qty=0, avg_px=0, poss_dup=True, text="cancel on disconnect"))
    view = blotter.get("A1").view()
    assert view.status == "Canceled" and not view.uncertain and not view.is_open
