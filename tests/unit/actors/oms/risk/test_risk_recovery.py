"""A restarted OMS comes back with the gateway as it was: states, run-time limits, the restricted list and
the day's P&L baselines from the snapshot and the events after it, the aggregates rebuilt from the OMS's
own rows; what is not persisted (rate windows, duplicates, VaR figures) starts empty."""
from __future__ import annotations

import json

from actors.oms.risk import RiskGateway
from actors.oms.state import OmsState
from tests.unit.actors.oms.risk.risk_support import INSTRUMENTS, Desk, assert_same

LIMITS = {"strategies": {"mean-rev": {"max_position": 500_000, "max_daily_loss": 5_000, "max_gross": 1e6,
                                      "message_rate": {"max": 50, "window_s": 1}}},
          "books": {"main": {"max_open_orders": 10}}}


def trade(desk: Desk) -> None:
    """A morning: orders, fills, a halt, a limit change, a day roll."""
    for qty in (100_000, 150_000):
        order = desk.submit(qty=qty)
        desk.ack(order)
        desk.fill(order, qty // 2, 1.1)
    desk.submit("momentum", side="sell", symbol="GBPUSD", qty=50_000, price=1.27)
    desk.persist(desk.gw.set_state("strategy", "momentum", "REDUCING", reason="drawdown", by="alice"))
    desk.persist(desk.gw.set_limits(desk.gw.config.updated("strategy", "mean-rev", max_position=400_000), by="bob"))
    desk.quote("EURUSD", 1.095, 1.0952)


def restarted(desk: Desk, snapshot_at: int) -> Desk:
    """A new OMS process from a snapshot taken after `snapshot_at` events, then the rest of the log."""
    before = Desk(LIMITS)
    for event in desk.log[:snapshot_at]:
        before.persist(event)
    rows, oms_snapshot, risk_snapshot = before.oms.snapshot_rows(), before.oms.snapshot(), before.gw.snapshot()
    stored = json.loads(json.dumps({"rows": rows, "oms": oms_snapshot, "risk": risk_snapshot}))
    new = Desk(LIMITS)
    new.market = desk.market
    new.oms = OmsState("T")
    new.gw = RiskGateway(new.gw.base_config, oms=new.oms, market=new.market, clock=desk.clock,
                         instruments=INSTRUMENTS)
    new.oms.restore(stored["oms"])
    new.gw.restore(stored["risk"])
    new.oms.restore_rows(stored["rows"])
    for event in desk.log[snapshot_at:]:
        new.persist(event)
    return new


def test_a_restarted_oms_comes_back_with_the_gateway_as_it_was():
    desk = Desk(LIMITS)
    trade(desk)
    for snapshot_at in (0, 5, len(desk.log) // 2, len(desk.log) - 1, len(desk.log)):
        again = restarted(desk, snapshot_at)
        assert again.gw.states.rows() == desk.gw.states.rows()
        assert again.gw.config == desk.gw.config
        assert again.gw.day == desk.gw.day and again.gw.agg.baselines == desk.gw.agg.baselines
        again.gw.refresh_marks()
        desk.gw.refresh_marks()
        assert_same(again.gw.agg, desk.gw.agg)
        for order in ((dict(qty=225_000)), dict(qty=225_001), dict(strategy="momentum", side="buy", qty=1000)):
            theirs, ours = again.gw.check_new(**_order(**order)), desk.gw.check_new(**_order(**order))
            assert (theirs.allowed, theirs.message) == (ours.allowed, ours.message)


def _order(strategy="mean-rev", book="main", symbol="EURUSD", side="buy", qty=1, price=1.095) -> dict:
    return dict(strategy=strategy, book=book, symbol=symbol, side=side, qty=qty, price=price)


def test_what_is_not_persisted_starts_empty_and_fails_closed():
    desk = Desk({**LIMITS, "books": {"main": {"max_var": 1e6}}})
    desk.gw.set_var("main", 10, at_ns=desk.clock.now_ns())
    assert desk.check()
    held = desk.submit(qty=1000)
    desk.ack(held)
    desk.fill(held, 1000, 1.1)
    again = Desk({**LIMITS, "books": {"main": {"max_var": 1e6}}})
    for event in desk.log:
        again.persist(event)
    assert again.check().reason == "no_var"  # until the VaR of what the book holds is computed again
    assert again.gw.denial_counts()["total"] == {"no_var": 1}  # counted since this gateway started
