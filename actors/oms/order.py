"""One order's life, driven by local requests and by what the venue reports.

`status` is the FIX OrdStatus the order is in from our side: the venue's last word,
except that a cancel or replace we sent shows as PendingCancel/PendingReplace until
the venue answers (a fill completing the order meanwhile shows as Filled: "too late
to cancel"). Underneath, the venue-confirmed status is kept, so an OrderCancelReject
restores exactly what the order is now, fills that crossed the request included.

Every change is an event (`events.py`); `apply` takes events and records alike, is
idempotent (an ExecID is applied once, a request id once) and never raises for a
venue message: one it cannot reconcile is refused as a whole, recorded in
`anomalies`, and leaves the order `uncertain` until a status report settles it.
Local requests that break the rules raise `OrderError` before anything changes.
"""
from __future__ import annotations

import copy

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from actors.oms import _venue
from actors.oms._num import dec, opt_dec, to_json
from actors.oms.errors import OrderError
from actors.oms.events import (
    CANCEL_REQUESTED,
    MARKED_UNCERTAIN,
    ORDER_CREATED,
    REPLACE_REQUESTED,
    Record,
    decode,
)
from actors.oms.fills import Applied
from actors.oms.fix_codes import TERMINAL, ExecType, OrdStatus, OrdType, Side, TimeInForce
from actors.oms.ledger import Ledger
from actors.oms.reports import ExecutionReport

_MAX_ANOMALIES = 20


@dataclass
class Request:
    """A cancel or replace we sent and the venue has not answered."""
    kind: str
    """"cancel" or "replace"."""
    cl_ord_id: str
    orig_cl_ord_id: str
    qty: Decimal | None
    price: Decimal | None
    prev_status: OrdStatus
    """The venue-confirmed status when it was sent."""
    acked: bool = False
    """The venue said PendingCancel/PendingReplace."""

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "qty": to_json(self.qty), "price": to_json(self.price),
                "prev_status": self.prev_status.value}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Request:
        return cls(d["kind"], d["cl_ord_id"], d["orig_cl_ord_id"], opt_dec(d["qty"]), opt_dec(d["price"]),
                   OrdStatus.parse(d["prev_status"]), d["acked"])


@dataclass(frozen=True)
class OrderView:
    """What the rest of Vigil sees of an order."""
    cl_ord_id: str
    root_cl_ord_id: str
    order_id: str | None
    account: str
    strategy: str
    session: str
    symbol: str
    side: str
    qty: Decimal
    price: Decimal | None
    status: str
    """FIX OrdStatus name, e.g. "PartiallyFilled"."""
    cum_qty: Decimal
    leaves_qty: Decimal
    avg_px: Decimal
    reason: str | None
    """Last reject or cancel reason."""
    uncertain: bool
    is_open: bool


class Order:
    def __init__(self, cl_ord_id: str, *, account: str, strategy: str, session: str, symbol: str,
                 side: Side | str, ord_type: OrdType | str, tif: TimeInForce | str,
                 qty: Any, price: Any = None) -> None:
        for name, value in (("cl_ord_id", cl_ord_id), ("account", account), ("strategy", strategy),
                            ("session", session), ("symbol", symbol)):
            if not isinstance(value, str) or not value:
                raise OrderError("bad_request", f"new order: {name} must be a non-empty string, got {value!r}")
        self.root_cl_ord_id = self.cl_ord_id = cl_ord_id
        self.account, self.strategy, self.session, self.symbol = account, strategy, session, symbol
        try:
            self.side, self.ord_type = Side.parse(side), OrdType.parse(ord_type)
            self.tif, self.qty, self.price = TimeInForce.parse(tif), dec(qty), opt_dec(price)
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise OrderError("bad_request", f"new order {cl_ord_id}: {exc}") from None
        if self.qty <= 0:
            raise OrderError("bad_request", f"new order {cl_ord_id}: qty must be positive, got {self.qty}")
        if self.ord_type.needs_price and self.price is None:
            raise OrderError("bad_request", f"new order {cl_ord_id}: a {self.ord_type.label} order needs a price")
        self._created = {"event": ORDER_CREATED, "cl_ord_id": cl_ord_id, "account": account,
                         "strategy": strategy, "session": session, "symbol": symbol, "side": self.side.value,
                         "ord_type": self.ord_type.value, "tif": self.tif.value, "qty": to_json(self.qty),
                         "price": to_json(self.price)}
        self.order_id: str | None = None
        self.leaves_qty = self.qty
        self.uncertain = False
        self.reason: str | None = None
        self.anomalies: list[str] = []
        self._chain = [cl_ord_id]
        self._status = OrdStatus.PENDING_NEW
        self._ledger = Ledger()
        self._pending: list[Request] = []
        self._exec_ids: set[str] = set()

    def copy(self) -> Order:
        """An independent twin to try a report on. By hand, as deepcopy cost more than the report:
        only the containers need copying, the values in them are immutable."""
        twin = object.__new__(Order)
        twin.__dict__.update(self.__dict__)
        twin._created, twin.anomalies, twin._chain = dict(self._created), list(self.anomalies), list(self._chain)
        twin._pending = [copy.copy(r) for r in self._pending]
        twin._exec_ids, twin._ledger = set(self._exec_ids), self._ledger.copy()
        return twin

    # ---- what it is ----------------------------------------------------
    @property
    def status(self) -> OrdStatus:
        if not self._pending:
            return self._status
        if self._status in TERMINAL and self._pending[-1].prev_status not in TERMINAL:
            return self._status  # completed while the request was in flight: too late
        return (OrdStatus.PENDING_CANCEL if any(r.kind == "cancel" for r in self._pending)
                else OrdStatus.PENDING_REPLACE)

    @property
    def cum_qty(self) -> Decimal:
        return self._ledger.cum_qty

    @property
    def avg_px(self) -> Decimal:
        return self._ledger.avg_px

    @property
    def is_open(self) -> bool:
        """The venue may still work it (or will, for a GT order done for the day)."""
        status = self.status
        if status in TERMINAL:
            return False
        return not (status in (OrdStatus.DONE_FOR_DAY, OrdStatus.CALCULATED) and self.leaves_qty == 0)

    @property
    def cl_ord_ids(self) -> tuple[str, ...]:
        """Every ClOrdID this order has used, requests included, oldest first."""
        return tuple(self._chain)

    @property
    def pending(self) -> tuple[Request, ...]:
        return tuple(self._pending)

    @property
    def exec_ids(self) -> frozenset[str]:
        return frozenset(self._exec_ids)

    def view(self) -> OrderView:
        return OrderView(self.cl_ord_id, self.root_cl_ord_id, self.order_id, self.account, self.strategy,
                         self.session, self.symbol, self.side.label, self.qty, self.price, self.status.label,
                         self.cum_qty, self.leaves_qty, self.avg_px, self.reason, self.uncertain, self.is_open)

    def __repr__(self) -> str:
        return (f"Order({self.cl_ord_id} {self.side.label} {self.qty} {self.symbol} {self.status.label} "
                f"cum={self.cum_qty} leaves={self.leaves_qty}{' uncertain' if self.uncertain else ''})")

    # ---- local requests ------------------------------------------------
    def request_cancel(self, new_cl_ord_id: str) -> dict[str, Any]:
        """Send-side cancel: checks, applies and returns the event to log before sending."""
        event = {"event": CANCEL_REQUESTED, "root_cl_ord_id": self.root_cl_ord_id,
                 "cl_ord_id": new_cl_ord_id, "orig_cl_ord_id": self._last_live_id()}
        self.check_request(event)
        self.apply(event)
        return event

    def request_replace(self, new_cl_ord_id: str, qty: Any = None, price: Any = None) -> dict[str, Any]:
        """Send-side cancel/replace to `qty` and/or `price` (None: unchanged)."""
        try:
            terms = {"qty": to_json(opt_dec(qty)), "price": to_json(opt_dec(price))}
        except (ValueError, TypeError) as exc:
            raise OrderError("bad_request", f"replace {self.cl_ord_id}: {exc}") from None
        event = {"event": REPLACE_REQUESTED, "root_cl_ord_id": self.root_cl_ord_id,
                 "cl_ord_id": new_cl_ord_id, "orig_cl_ord_id": self._last_live_id(), **terms}
        self.check_request(event)
        self.apply(event)
        return event

    def mark_uncertain(self, reason: str = "session lost") -> dict[str, Any]:
        event = {"event": MARKED_UNCERTAIN, "session": self.session, "reason": reason}
        self.apply(event)
        return event

    def check_request(self, event: dict[str, Any]) -> None:
        """Raise `OrderError` if this cancel/replace event would be refused now."""
        new_id, kind = event["cl_ord_id"], event["event"]
        verb = "cancel" if kind == CANCEL_REQUESTED else "replace"
        if not isinstance(new_id, str) or not new_id:
            raise OrderError("bad_request", f"{verb} {self.cl_ord_id}: the request needs a ClOrdID")
        if new_id in self._chain:
            raise OrderError("duplicate_cl_ord_id", f"{verb} {self.cl_ord_id}: ClOrdID {new_id} already used")
        if any(r.kind == "cancel" for r in self._pending):
            raise OrderError("cancel_pending", f"{verb} {self.cl_ord_id}: a cancel is already pending")
        if kind == CANCEL_REQUESTED:
            if not self.is_open:
                raise OrderError("closed", f"cancel {self.cl_ord_id}: order is {self.status.label}")
            return
        qty, price = opt_dec(event.get("qty")), opt_dec(event.get("price"))
        if qty is None and price is None:
            raise OrderError("bad_request", f"replace {self.cl_ord_id}: neither qty nor price given")
        if qty is not None and qty <= 0:
            raise OrderError("bad_request", f"replace {self.cl_ord_id}: qty must be positive, got {qty}")
        reopening = self._status is OrdStatus.FILLED and qty is not None and qty > self.cum_qty
        if not self.is_open and not reopening:  # Appendix D C.1.c: a filled order may grow
            raise OrderError("closed", f"replace {self.cl_ord_id}: order is {self.status.label}")

    def _last_live_id(self) -> str:
        # FIX: OrigClOrdID is the last non-rejected ClOrdID, a pending replace's included.
        replaces = [r for r in self._pending if r.kind == "replace"]
        return replaces[-1].cl_ord_id if replaces else self.cl_ord_id

    # ---- applying events -----------------------------------------------
    def apply(self, event: Record | dict[str, Any]) -> Applied:
        record = decode(event)
        if isinstance(record, dict):
            return self._apply_local(record)
        return _venue.apply(self, record)

    def reconcile(self, report: ExecutionReport) -> Applied:
        """Apply a status report (ExecType I, e.g. from a mass status request): take the
        venue's terms and quantities, synthesise fills we missed (`Applied.missed`), clear
        `uncertain`."""
        if report.kind is not ExecType.ORDER_STATUS:
            raise ValueError(f"reconcile needs an order status report (ExecType I), got {report.kind.label}")
        return self.apply(report)

    def _apply_local(self, event: dict[str, Any]) -> Applied:
        kind = event["event"]
        if kind == MARKED_UNCERTAIN:
            changed = self.is_open and not self.uncertain
            self.uncertain = self.uncertain or self.is_open
            return Applied(changed, cl_ord_id=self.cl_ord_id)
        if kind not in (CANCEL_REQUESTED, REPLACE_REQUESTED):
            raise ValueError(f"{kind} does not apply to an existing order")
        if event["cl_ord_id"] in self._chain:  # logged and applied already
            return Applied(False, cl_ord_id=self.cl_ord_id, duplicate=True)
        self.check_request(event)
        self._pending.append(Request("cancel" if kind == CANCEL_REQUESTED else "replace", event["cl_ord_id"],
                                     event["orig_cl_ord_id"], opt_dec(event.get("qty")),
                                     opt_dec(event.get("price")), self._status))
        self._chain.append(event["cl_ord_id"])
        return Applied(True, cl_ord_id=self.cl_ord_id)

    def _record_problem(self, problem: str) -> None:
        self.uncertain = True
        if not self.anomalies or self.anomalies[-1] != problem:
            self.anomalies = (self.anomalies + [problem])[-_MAX_ANOMALIES:]

    # ---- persistence -----------------------------------------------------
    def created_event(self) -> dict[str, Any]:
        """The order as submitted (terms before any replace): what to log before sending."""
        return dict(self._created)

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> Order:
        if event.get("event") != ORDER_CREATED:
            raise ValueError(f"not an {ORDER_CREATED} event: {event!r}")
        return cls(**{k: v for k, v in event.items() if k != "event"})

    def to_dict(self) -> dict[str, Any]:
        return {"created": self.created_event(), "cl_ord_id": self.cl_ord_id,
                "order_id": self.order_id, "qty": to_json(self.qty), "price": to_json(self.price),
                "status": self._status.value, "leaves_qty": to_json(self.leaves_qty),
                "uncertain": self.uncertain, "reason": self.reason, "anomalies": list(self.anomalies),
                "chain": list(self._chain), "ledger": self._ledger.to_dict(),
                "pending": [r.to_dict() for r in self._pending], "exec_ids": sorted(self._exec_ids)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Order:
        order = cls.from_event(d["created"])
        order.cl_ord_id, order.order_id = d["cl_ord_id"], d["order_id"]
        order.qty, order.price = dec(d["qty"]), opt_dec(d["price"])
        order._status, order.leaves_qty = OrdStatus.parse(d["status"]), dec(d["leaves_qty"])
        order.uncertain, order.reason, order.anomalies = d["uncertain"], d["reason"], list(d["anomalies"])
        order._chain, order._ledger = list(d["chain"]), Ledger.from_dict(d["ledger"])
        order._pending = [Request.from_dict(r) for r in d["pending"]]
        order._exec_ids = set(d["exec_ids"])
        return order
