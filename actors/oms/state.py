"""Everything the OMS holds, rebuilt from its event log: orders, positions, ClOrdIDs, halts and corporate
actions. `apply` is the one place an event changes it (on replay and after each `persist`)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from actors.oms.blotter import Blotter
from actors.oms.events import ORDER_CREATED, decode
from actors.oms.ids import EPOCH_STARTED, ClOrdIdGenerator
from actors.oms.positions import Positions
from actors.oms.reference_state import CORPORATE_ACTION, ReferenceState
from actors.oms.reference_state import EVENTS as REFERENCE_EVENTS
from vigil.corporate_actions import CorporateAction


class OmsState:
    def __init__(self, cl_ord_id_prefix: str) -> None:
        self.blotter = Blotter()
        self.positions = Positions()
        self.ids = ClOrdIdGenerator(cl_ord_id_prefix)
        self.reference = ReferenceState()

    def apply(self, event: Any) -> None:
        kind = event.get("event") if isinstance(event, dict) else None  # else a venue record, logged as is
        if kind == EPOCH_STARTED:
            self.ids.apply(event)
            return
        if kind in REFERENCE_EVENTS:
            if kind == CORPORATE_ACTION and event["action"]["id"] not in self.reference.applied:
                self.positions.apply_corporate_action(CorporateAction.from_dict(event["action"]))
            self.reference.apply(event, self.blotter.open_orders())
            return
        if kind == ORDER_CREATED:
            self.ids.observe(event["cl_ord_id"])
        applied = self.blotter.apply(event)
        for fill in applied.fills:
            self.positions.apply(fill)
        if self.reference.requests:  # a corporate action's cancel/replace is outstanding: is this its answer?
            self.reference.settle(decode(event))

    # ---- snapshots ---------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        return {"ids": self.ids.to_dict(), "reference": self.reference.to_dict()}

    def snapshot_rows(self) -> dict[str, Any]:
        # Orders and positions are rows, written as they change: a snapshot costs what changed since
        # the last one, not the whole blotter (tens of thousands of orders would stall the OMS).
        return {**self.blotter.changed_rows(), **self.positions.changed_rows()}

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        self.ids = ClOrdIdGenerator.from_dict(snapshot["ids"])
        self.reference = ReferenceState.from_dict(snapshot.get("reference"))

    def restore_rows(self, rows: Mapping[str, Any]) -> None:
        self.blotter = Blotter.from_rows(row for key, row in rows.items() if key.startswith("order:"))
        self.positions = Positions.from_rows(row for key, row in rows.items() if key.startswith("position:"))
