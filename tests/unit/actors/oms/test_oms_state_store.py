"""The OMS's objects through a real StateStore, the way a VigilActor persists and recovers them:
events appended before they are applied, snapshots part-way (the ids whole, orders and positions as
rows written when they change), recovery = snapshot + rows + replay."""
from __future__ import annotations

import pytest

from actors.oms import Blotter, ClOrdIdGenerator, Positions
from tests.unit.actors.oms.oms_support import TERMS, SimVenue
from vigil.state_store import StateStore


class OmsShell:
    """A stand-in for the OMS actor's persistence hooks (persist, apply, snapshot, restore)."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.blotter, self.positions, self.ids = Blotter(), Positions(), ClOrdIdGenerator("T")

    def apply(self, event: dict) -> None:
        if event["event"] == "id_epoch_started":
            self.ids.apply(event)
            return
        if event["event"] == "order_created":
            self.ids.observe(event["cl_ord_id"])
        for fill in self.blotter.apply(event).fills:
            self.positions.apply(fill)

    def persist(self, event) -> int:
        event = event if isinstance(event, dict) else event.to_dict()
        seq = self.store.append(event)
        self.apply(event)
        return seq

    def snapshot(self, seq: int) -> None:
        rows = {**self.blotter.changed_rows(), **self.positions.changed_rows()}
        self.store.snapshot({"ids": self.ids.to_dict()}, seq, rows)

    def recover(self) -> None:
        recovered = self.store.load()
        if recovered.snapshot is not None:
            self.ids = ClOrdIdGenerator.from_dict(recovered.snapshot["ids"])
        self.blotter = Blotter.from_rows(v for k, v in recovered.rows.items() if k.startswith("order:"))
        self.positions = Positions.from_rows(v for k, v in recovered.rows.items() if k.startswith("position:"))
        for _, event in recovered.events:
            self.apply(event)


@pytest.fixture
def store(redis_client):
    return StateStore(redis_client, "run1", "root/oms")


def test_blotter_positions_and_ids_survive_a_restart(store):
    oms = OmsShell(store)
    oms.persist(oms.ids.begin_epoch(floor=100))
    cl = oms.ids.next()
    order = oms.blotter.submit(cl, **{**TERMS, "qty": 10000})
    oms.persist(order.created_event())
    venue = SimVenue(order)
    oms.persist(venue.ack())
    oms.persist(venue.fill(2000, 100))
    seq = oms.persist(oms.blotter.request_replace(cl, oms.ids.next(), qty=8000))
    oms.snapshot(seq)
    replace_id = oms.blotter.get(cl).pending[0].cl_ord_id
    oms.persist(venue.replace(replace_id, cl, 8000))
    oms.persist(venue.fill(1000, 102))
    oms.persist(oms.blotter.mark_uncertain("VENUE1"))
    lost = venue.fill(500, 103)  # filled while we were away: never logged
    assert lost is not None
    oms.persist(venue.status_report())

    restarted = OmsShell(store)
    restarted.recover()
    assert restarted.blotter.to_dict() == oms.blotter.to_dict()
    assert restarted.positions.to_dict() == oms.positions.to_dict()
    order = restarted.blotter.get(cl)
    assert (order.status.label, order.qty, order.cum_qty, order.cl_ord_id) == ("PartiallyFilled", 8000, 3500,
                                                                              replace_id)
    assert restarted.positions.get("ACC1", "mm", "EURUSD").qty == 3500
    restarted.persist(restarted.ids.begin_epoch(floor=100))
    assert restarted.ids.next() not in order.cl_ord_ids


def test_a_snapshot_writes_only_the_orders_changed_since_the_last_one(store):
    oms = OmsShell(store)
    oms.persist(oms.ids.begin_epoch(floor=100))
    orders = [oms.blotter.submit(oms.ids.next(), **{**TERMS, "qty": 5000}) for _ in range(3)]
    for order in orders:
        seq = oms.persist(order.created_event())
    oms.snapshot(seq)
    venue = SimVenue(orders[1])
    oms.persist(venue.ack())
    seq = oms.persist(venue.fill(1000, 100))
    written = {**oms.blotter.changed_rows(), **oms.positions.changed_rows()}
    assert list(written) == [f"order:{orders[1].cl_ord_id}", 'position:["ACC1", "mm", "EURUSD"]']
    store.snapshot({"ids": oms.ids.to_dict()}, seq, written)

    restarted = OmsShell(store)
    restarted.recover()
    assert restarted.blotter.to_dict() == oms.blotter.to_dict()
    assert restarted.positions.get("ACC1", "mm", "EURUSD").qty == 1000
    assert restarted.blotter.get(orders[1].cl_ord_id).status.label == "PartiallyFilled"
    assert restarted.blotter.get(orders[0].cl_ord_id).status.label == "PendingNew"
