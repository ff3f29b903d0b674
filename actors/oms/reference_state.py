"""Trading halts and corporate actions as the OMS sees them, in plain Python.

Every change is an event (below) the OMS logs before acting, so a restart
replays to the same halts, the same applied actions and the same orders still
waiting for their adjustment. An action is applied once (by id); each open
order of its symbol then waits in `pending` until the OMS has sent its cancel
or replace (or found it closed), which logs `ca_order` and takes it out.

Events
    {"event": "halt", "symbol", "reason", "by": "operator"|"venue", "at_ns"}      {"event": "resume", "symbol", "at_ns"}
    {"event": "corporate_action", "action": {...}, "at_ns"}
    {"event": "ca_order", "cl_ord_id", "action", "outcome": "replace"|"cancel"|"keep"|"closed", "qty", "price"}
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from actors.oms.fix_codes import OrdType
from vigil.corporate_actions import CorporateAction, adjusted_order
from vigil.reference import Instrument

HALT, RESUME, CORPORATE_ACTION, CA_ORDER = "halt", "resume", "corporate_action", "ca_order"
POLICIES = ("adjust", "cancel")


@dataclass(frozen=True)
class Adjustment:
    outcome: str
    """"replace", "cancel" or "keep" (nothing to change, e.g. a sell order on a dividend)."""
    qty: Decimal | None = None
    """The order's new total quantity (what is filled stays, what is left is adjusted)."""
    price: Decimal | None = None


def plan(order: Any, action: CorporateAction, policy: str, instrument: Instrument) -> Adjustment:
    """What to do with one open order at `action`: cancel it (policy, or nothing would be left), or
    replace it with its leaves quantity and limit price adjusted (vigil.corporate_actions rounding)."""
    if policy == "cancel":
        return Adjustment("cancel")
    limit = order.price if order.ord_type is OrdType.LIMIT else None
    leaves, price = adjusted_order(action, order.side.sign > 0, order.leaves_qty, limit,
                                   Decimal(str(instrument.tick_size)), Decimal(str(instrument.lot_size)))
    if leaves <= 0 or (price is not None and price <= 0):
        return Adjustment("cancel")
    if leaves == order.leaves_qty and price == limit:
        return Adjustment("keep")
    return Adjustment("replace", order.cum_qty + leaves, price)


class ReferenceState:
    def __init__(self) -> None:
        self.halts: dict[str, dict[str, Any]] = {}  # symbol -> {"reason", "by", "at_ns"}
        self.applied: dict[str, CorporateAction] = {}
        self.applied_at: dict[str, int] = {}
        self.pending: dict[str, list[str]] = {}  # ClOrdID -> ids of the actions it waits on, in order

    def halted(self, symbol: str) -> str | None:
        """Why `symbol` takes no new orders, or None."""
        halt = self.halts.get(symbol)
        return halt["reason"] if halt else None

    def apply(self, event: dict[str, Any], open_orders: Iterable[Any]) -> bool:
        """Apply one of the events above; False when it is not one of them."""
        kind = event.get("event")
        if kind == HALT:
            self.halts[event["symbol"]] = {"reason": event["reason"], "by": event.get("by", "operator"),
                                           "at_ns": event["at_ns"]}
        elif kind == RESUME:
            self.halts.pop(event["symbol"], None)
        elif kind == CORPORATE_ACTION:
            action = CorporateAction.from_dict(event["action"])
            if action.id in self.applied:
                return True
            self.applied[action.id] = action
            self.applied_at[action.id] = event["at_ns"]
            for order in open_orders:
                if order.symbol == action.symbol:
                    self.pending.setdefault(order.cl_ord_id, []).append(action.id)
        elif kind == CA_ORDER:
            waiting = self.pending.get(event["cl_ord_id"], [])
            if event["action"] in waiting:
                waiting.remove(event["action"])
            if not waiting:
                self.pending.pop(event["cl_ord_id"], None)
        else:
            return False
        return True

    def to_dict(self) -> dict[str, Any]:
        return {"halts": self.halts, "applied": [a.to_dict() for a in self.applied.values()],
                "applied_at": self.applied_at, "pending": self.pending}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ReferenceState:
        state = cls()
        if data:  # snapshots from before halts and corporate actions have none
            state.halts = dict(data["halts"])
            state.applied = {a["id"]: CorporateAction.from_dict(a) for a in data["applied"]}
            state.applied_at = dict(data["applied_at"])
            state.pending = {cl_ord_id: list(ids) for cl_ord_id, ids in data["pending"].items()}
        return state
