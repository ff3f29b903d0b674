"""Trading halts and corporate actions as the OMS sees them, in plain Python.

Every change is an event (below) the OMS logs before acting, so a restart
replays to the same halts, the same applied actions and the same orders still
waiting for their adjustment. An action is applied once (by id); each open
order of its symbol then waits in `pending` until the OMS has sent its cancel
or replace (or found it closed), which logs `ca_order` and takes it out.

Events
    {"event": "halt", "symbol", "reason", "by": "operator"|"venue", "at_ns"}      {"event": "resume", "symbol", "at_ns"}
    {"event": "corporate_action", "action": {...}, "at_ns"}
    {"event": "ca_order", "cl_ord_id", "action", "outcome": "replace"|"cancel"|"keep"|"closed", "qty", "price",
     "request": the cancel/replace's ClOrdID, until the venue's final answer to it (settle)}
    {"event": "ca_refused", "cl_ord_id", "action", "reason"}   the venue (or the OMS) would not adjust it
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from vigil.corporate_actions import CorporateAction, adjusted_order
from vigil.reference import Instrument
from vocabulary.fix_codes import ExecType, OrdType
from vocabulary.reports import ExecutionReport, OrderCancelReject

HALT, RESUME, CORPORATE_ACTION, CA_ORDER, CA_REFUSED = "halt", "resume", "corporate_action", "ca_order", "ca_refused"
EVENTS = (HALT, RESUME, CORPORATE_ACTION, CA_ORDER, CA_REFUSED)


@dataclass(frozen=True)
class Adjustment:
    outcome: str
    """"replace", "cancel" or "keep" (nothing to change, e.g. a sell order on a dividend)."""
    qty: Decimal | None = None
    """The order's new total quantity (what is filled stays, what is left is adjusted)."""
    price: Decimal | None = None
    bolder: bool = False
    """The new limit is nearer the other side of the book (a buy's higher, a sell's lower): on new terms
    before our orders on that side are, the order could trade with one of them."""


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
    bolder = price is not None and limit is not None and (price - limit) * order.side.sign > 0
    return Adjustment("replace", order.cum_qty + leaves, price, bolder)


class ReferenceState:
    def __init__(self) -> None:
        self.halts: dict[str, dict[str, Any]] = {}  # symbol -> {"reason", "by", "at_ns"}
        self.applied: dict[str, CorporateAction] = {}
        self.applied_at: dict[str, int] = {}
        self.pending: dict[str, list[str]] = {}  # ClOrdID -> ids of the actions it waits on, in order
        self.refused: dict[str, dict[str, str]] = {}  # action id -> {ClOrdID: why it was not adjusted}
        self.requests: dict[str, tuple[str, str]] = {}  # cancel/replace ClOrdID -> (order, action) it adjusts

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
            if event.get("request"):
                self.requests[event["request"]] = (event["cl_ord_id"], event["action"])
            waiting = self.pending.get(event["cl_ord_id"], [])
            if event["action"] in waiting:
                waiting.remove(event["action"])
            if not waiting:
                self.pending.pop(event["cl_ord_id"], None)
        elif kind == CA_REFUSED:
            self.refused.setdefault(event["action"], {})[event["cl_ord_id"]] = event["reason"]
            of = (event["cl_ord_id"], event["action"])
            self.requests = {request: adjusts for request, adjusts in self.requests.items() if adjusts != of}
        else:
            return False
        return True

    def settle(self, record: Any) -> None:
        """A venue record (or the OMS's own NotSent reject): the final answer to an adjustment's request
        (replaced, cancelled, or refused) ends it."""
        final = isinstance(record, OrderCancelReject) or (
            isinstance(record, ExecutionReport) and record.kind in (ExecType.REPLACED, ExecType.CANCELED))
        if final:
            self.requests.pop(record.cl_ord_id, None)

    def to_dict(self) -> dict[str, Any]:
        return {"halts": self.halts, "requests": self.requests, "applied": [a.to_dict() for a in self.applied.values()],
                "applied_at": self.applied_at, "pending": self.pending, "refused": self.refused}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ReferenceState:
        state = cls()
        if data:  # snapshots from before halts and corporate actions have none
            state.halts = dict(data["halts"])
            state.applied = {a["id"]: CorporateAction.from_dict(a) for a in data["applied"]}
            state.applied_at = dict(data["applied_at"])
            state.pending = {cl_ord_id: list(ids) for cl_ord_id, ids in data["pending"].items()}
            state.refused = {action: dict(orders) for action, orders in data.get("refused", {}).items()}
            state.requests = {request: tuple(of) for request, of in data.get("requests", {}).items()}
        return state
