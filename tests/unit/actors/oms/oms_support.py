"""Helpers for the OMS tests: an order factory, a matrix-row report builder, a tiny venue."""
from __future__ import annotations

import itertools
import json
from decimal import Decimal

from actors.oms import Order
from vocabulary.reports import ExecutionReport, OrderCancelReject

TERMS = dict(account="ACC1", strategy="mm", session="VENUE1", symbol="EURUSD", side="Buy",
             ord_type="Limit", tif="Day", price="1.1")


def new_order(cl_ord_id: str = "X", qty: int | str = 10000, **overrides) -> Order:
    return Order(cl_ord_id, **{**TERMS, "qty": qty, **overrides})


_exec_ids = itertools.count(1)


def er(exec_type: str, ord_status: str, cl: str = "X", orig: str | None = None, *, qty=10000, cum=0,
       leaves=None, last=None, px=None, avg=None, ref=None, exec_id=None, order_id="OID1", **kw) -> ExecutionReport:
    """One row of an Appendix D matrix: ExecType, OrdStatus, OrderQty, CumQty, LeavesQty, LastQty."""
    if leaves is None:
        leaves = 0 if ord_status in ("Filled", "Canceled", "Rejected", "Expired") else qty - cum
    if last and px is None:
        px = 100
    return ExecutionReport(exec_id=exec_id or f"E{next(_exec_ids)}", exec_type=exec_type, ord_status=ord_status,
                           cl_ord_id=cl, orig_cl_ord_id=orig, order_id=order_id, symbol="EURUSD", side="Buy",
                           order_qty=qty, cum_qty=cum, leaves_qty=leaves, last_qty=last, last_px=px,
                           avg_px=avg, exec_ref_id=ref, **kw)


def reject(cl: str, orig: str, status: str, response_to: str = "cancel", reason: int | None = None,
           text: str | None = None) -> OrderCancelReject:
    return OrderCancelReject(cl_ord_id=cl, orig_cl_ord_id=orig, order_id="OID1", ord_status=status,
                             response_to=response_to, cxl_rej_reason=reason, text=text)


def state(order: Order) -> tuple:
    """(status, qty, cum, leaves) as the matrices print them."""
    return order.status.label, int(order.qty), int(order.cum_qty), int(order.leaves_qty)


class SimVenue:
    """The venue's side of one order, producing consistent execution reports."""

    def __init__(self, order: Order) -> None:
        self.cl = order.cl_ord_id
        self.qty = order.qty
        self.fills: dict[str, tuple[Decimal, Decimal]] = {}
        self.status = "New"
        self.n = 0

    @property
    def cum(self) -> Decimal:
        return sum((q for q, _ in self.fills.values()), Decimal(0))

    @property
    def avg(self) -> Decimal:
        return sum((q * p for q, p in self.fills.values()), Decimal(0)) / self.cum if self.cum else Decimal(0)

    @property
    def done(self) -> bool:
        return self.status in ("Canceled", "Rejected", "Expired")

    def _working_status(self) -> str:
        return "New" if self.cum == 0 else "Filled" if self.cum >= self.qty else "PartiallyFilled"

    def report(self, exec_type: str, cl: str | None = None, orig: str | None = None, status: str | None = None,
               last=None, px=None, ref=None, exec_id=None) -> ExecutionReport:
        self.n += 1
        leaves = Decimal(0) if self.done or self.status == "Filled" else self.qty - self.cum
        return ExecutionReport(exec_id=exec_id or f"V{self.n}", exec_type=exec_type,
                               ord_status=status or self.status, cl_ord_id=cl or self.cl, orig_cl_ord_id=orig,
                               order_id="OID1", order_qty=self.qty, cum_qty=self.cum, leaves_qty=leaves,
                               avg_px=self.avg, last_qty=last, last_px=px, exec_ref_id=ref)

    def ack(self) -> ExecutionReport:
        return self.report("New")

    def fill(self, qty: Decimal, px: Decimal) -> ExecutionReport | None:
        qty = min(qty, self.qty - self.cum)
        if qty <= 0 or self.done:
            return None
        exec_id = f"V{self.n + 1}"
        self.fills[exec_id] = (qty, px)
        self.status = self._working_status()
        return self.report("Trade", last=qty, px=px, exec_id=exec_id)

    def bust(self, exec_id: str) -> ExecutionReport:
        qty, px = self.fills.pop(exec_id)
        if not self.done:
            self.status = self._working_status()
        return self.report("TradeCancel", last=Decimal(0), px=px, ref=exec_id)

    def correct(self, exec_id: str, qty: Decimal, px: Decimal) -> ExecutionReport | None:
        old_qty, _ = self.fills[exec_id]
        if self.cum - old_qty + qty > self.qty or qty <= 0:
            return None
        new_id = f"V{self.n + 1}"
        # keep the corrected fill where the original was, as the OMS does
        self.fills = {(new_id if k == exec_id else k): ((qty, px) if k == exec_id else v)
                      for k, v in self.fills.items()}
        if not self.done:
            self.status = self._working_status()
        return self.report("TradeCorrect", last=qty, px=px, ref=exec_id, exec_id=new_id)

    def replace(self, new_cl: str, orig: str, qty: Decimal) -> ExecutionReport:
        self.qty = max(qty, self.cum)  # below CumQty: amended to CumQty (C.3.c)
        old, self.cl = self.cl, new_cl
        self.status = self._working_status()
        return self.report("Replaced", cl=new_cl, orig=old)

    def cancel(self, new_cl: str) -> ExecutionReport:
        old, self.cl, self.status = self.cl, new_cl, "Canceled"
        return self.report("Canceled", cl=new_cl, orig=old)

    def status_report(self) -> ExecutionReport:
        return self.report("OrderStatus", exec_id="0")


def acked(qty=10000, **kw) -> Order:
    """A new order the venue has acknowledged (New)."""
    order = new_order(qty=qty, **kw)
    order.apply(er("New", "New", qty=qty))
    return order


def replay(events: list) -> Order:
    """A fresh order fed the logged events, after a trip through JSON as Redis would give them."""
    order = Order.from_event(events[0])
    for event in events[1:]:
        order.apply(json.loads(json.dumps(event)))
    return order
