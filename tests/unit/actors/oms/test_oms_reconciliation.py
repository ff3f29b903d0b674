"""Reconciling a session after a logon always ends: by mass status, per order, or falling back from the
one to the other when a counterparty refuses or ignores OrderMassStatusRequest (actors/oms/reconciliation.py,
a plain object: its effects are recorded here, its events applied to a real OmsState)."""
from __future__ import annotations

import pytest

from actors.oms.reconciliation import Reconciliation, Sessions
from actors.oms.router import Route
from actors.oms.state import OmsState
from vigil.alerts import alert_detail
from vigil.component import Refused
from vocabulary.rejects import VenueReject
from vocabulary.reports import ExecutionReport
from vocabulary.sessions import FromVenue, OrderMassStatusRequest, OrderStatusRequest, SessionStatus

S = "fix-a"


class Out:
    """The OMS's Effects, recorded: events are applied to the state, as the OMS's persist does."""

    def __init__(self, state: OmsState) -> None:
        self.state = state
        self.sent: list = []
        self.alerts: list[dict] = []
        self.timers: list = []

    def persist(self, event) -> None:
        self.state.apply(event)

    def send(self, session, msg) -> None:
        self.sent.append(msg)

    def reply(self, to, msg) -> None:
        raise AssertionError("reconciliation answers nobody")

    def event(self, what, **detail) -> None:
        raise AssertionError(f"reconciliation reports no {what} but alerts")

    def alert(self, problem, **detail) -> None:
        self.alerts.append(alert_detail(problem, **detail))

    def wakeup_after(self, delay, payload) -> None:
        self.timers.append(payload)


def desk(orders: int = 0, mode: str = "mass_status"):
    state = OmsState("V")
    state.ids.begin_epoch(1)
    for i in range(orders):
        state.apply(state.blotter.submit(f"O{i}", account="main", strategy="s", session=S, symbol="ACME",
                                         side="1", ord_type="2", tif="0", qty=10, price="99").created_event())
    state.apply(state.blotter.mark_uncertain(S, "OMS restarted"))
    sessions = Sessions([Route(S)])
    out = Out(state)
    reconciliation = Reconciliation(state, sessions, out, timeout_s=5)
    reconciliation.session_status(status(True, mode))
    return state, sessions, out, reconciliation


def status(logged_on: bool, mode: str = "mass_status") -> SessionStatus:
    return SessionStatus(S, logged_on, "FIX.4.4", "VIGIL_A", "VENUE", "127.0.0.1", 1, 1, 1, "", "", mode)


def status_report(cl: str, ord_status: str = "0", req_id: str | None = None, last: bool = False) -> FromVenue:
    report = ExecutionReport(exec_id="0", exec_type="I", ord_status=ord_status, cl_ord_id=cl, order_id=f"X{cl}",
                             symbol="ACME", side="1", order_qty=10, price="99", cum_qty=0, leaves_qty=10, avg_px=0)
    return FromVenue(S, report, req_id, last)


def answer(state, reconciliation, msg: FromVenue) -> None:
    state.apply(msg.record)  # what the OMS does first: log it
    reconciliation.from_venue(msg)


def test_a_mass_status_answered_puts_the_session_up():
    state, sessions, out, reconciliation = desk(orders=1)
    [ask] = out.sent
    assert isinstance(ask, OrderMassStatusRequest) and S in sessions.reconciling and S not in sessions.up
    answer(state, reconciliation, status_report("O0", req_id=ask.req_id, last=True))
    assert S in sessions.up and not sessions.reconciling and out.alerts == []
    assert not state.blotter.find("O0").uncertain


@pytest.mark.parametrize("refusal", [
    VenueReject(msg_type="j", ref_msg_type="AF", reason=3, text="not supported"),
    VenueReject(msg_type="3", ref_msg_type="AF", reason=11, ref_seq_num=7),
], ids=["business-reject", "session-reject"])
def test_a_refused_mass_status_falls_back_to_one_status_request_per_order(refusal):
    state, sessions, out, reconciliation = desk(orders=2)
    answer(state, reconciliation, FromVenue(S, refusal))
    [alert] = out.alerts
    assert alert["problem"] == "reconcile_fallback" and alert["fallback"] == "per_order"
    assert alert["reason"].startswith("OrderMassStatusRequest refused: rejected by venue")
    asks = [m for m in out.sent if isinstance(m, OrderStatusRequest)]
    assert sorted(a.cl_ord_id for a in asks) == ["O0", "O1"]
    assert sessions.rows()[0]["reconcile"] == "per_order"
    answer(state, reconciliation, status_report("O0"))
    assert S not in sessions.up  # one answer of two
    answer(state, reconciliation, status_report("O1", ord_status="4"))  # cancelled at the venue meanwhile
    assert S in sessions.up and not state.blotter.find("O1").is_open


def test_an_unanswered_mass_status_falls_back_and_unanswered_orders_end_it_too():
    state, sessions, out, reconciliation = desk(orders=1)
    first = out.timers[-1]
    reconciliation.on_timer(*first[1:])
    assert out.alerts[0]["reason"] == "no answer to OrderMassStatusRequest within 5 s"
    assert [m.cl_ord_id for m in out.sent if isinstance(m, OrderStatusRequest)] == ["O0"]
    reconciliation.on_timer(*first[1:])  # the first request's timer again: it is over, nothing happens
    assert S not in sessions.up and len(out.alerts) == 1
    reconciliation.on_timer(*out.timers[-1][1:])
    assert out.alerts[1]["problem"] == "reconcile_incomplete" and out.alerts[1]["orders"] == "O0"
    assert S in sessions.up and state.blotter.find("O0").uncertain  # up, and the order still in doubt


def test_a_session_that_fell_back_reconciles_per_order_at_its_next_logon():
    state, sessions, out, reconciliation = desk(orders=0)
    reconciliation.on_timer(*out.timers[-1][1:])  # no answer: fall back; no order known: up at once
    assert S in sessions.up
    reconciliation.session_status(status(False))
    out.sent.clear()
    reconciliation.session_status(status(True))
    assert out.sent == [] and S in sessions.up  # nothing to ask, per order: up at once, no mass status again


def test_per_order_with_no_order_known_has_nothing_to_ask():
    state, sessions, out, reconciliation = desk(orders=0, mode="per_order")
    assert out.sent == [] and out.timers == [] and S in sessions.up


def test_an_order_refused_while_its_session_reconciles_says_reconciling_not_down():
    state, sessions, out, reconciliation = desk(orders=0)
    with pytest.raises(Refused, match=r"no session for ACME is up \(fix-a reconciling\)"):
        sessions.route(None, "ACME", "1")
    reconciliation.session_status(status(False))
    with pytest.raises(Refused, match=r"no session for ACME is up \(fix-a all down\)"):
        sessions.route(None, "ACME", "1")
