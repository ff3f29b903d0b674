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

from typing import Any

from actors.oms import _venue
from actors.oms.errors import OrderError
from actors.oms.events import CANCEL_REQUESTED, MARKED_UNCERTAIN, REPLACE_REQUESTED, Record, decode
from actors.oms.fills import Applied
from actors.oms.order_state import OrderState, OrderView
from actors.oms.requests import Request
from vocabulary.fix_codes import ExecType, OrdStatus
from vocabulary.numbers import opt_dec, to_json
from vocabulary.reports import ExecutionReport

__all__ = ["Order", "OrderView"]


class Order(OrderState):
    """An order, and what moves it: every method of OrderState (order_state.py), and these."""


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
