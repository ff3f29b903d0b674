"""The OMS's book of orders: every order by any ClOrdID it has used, and by venue OrderID.

A report is routed by its ClOrdID, then OrigClOrdID, then OrderID, so a chain of
replaces (X -> Y -> Z) resolves to one order whichever id the venue quotes. ExecIDs
are remembered per session across the whole blotter: the same execution is applied
once even if a resend names a different order.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

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
from actors.oms.order import Order
from vocabulary.fix_codes import ExecType
from vocabulary.reports import ExecutionReport


class Blotter:
    def __init__(self) -> None:
        self._orders: dict[str, Order] = {}
        self._by_cl_ord_id: dict[str, str] = {}
        self._by_order_id: dict[str, str] = {}
        self._seen: dict[tuple[str, str], str] = {}
        self._order_ids: dict[str, set[str]] = {}  # root -> every OrderID the venue gave it
        self._changed: set[str] = set()  # roots changed since the last changed_rows()
        self._places: dict[str, int] = {}  # root -> its place in the blotter
        self._by_client: dict[tuple[str, str], str] = {}  # (strategy, client id) -> root

    # ---- looking orders up -----------------------------------------------
    def find(self, cl_ord_id: str) -> Order | None:
        """The order that has used `cl_ord_id` (first, replacement or request id)."""
        root = self._by_cl_ord_id.get(cl_ord_id)
        return self._orders[root] if root else None

    def get(self, cl_ord_id: str) -> Order:
        order = self.find(cl_ord_id)
        if order is None:
            raise OrderError("unknown_order", f"no order with ClOrdID {cl_ord_id}")
        return order

    def by_client_id(self, strategy: str, client_id: str) -> Order | None:
        """The order a strategy submitted under its own id (SubmitOrder.client_id)."""
        root = self._by_client.get((strategy, client_id))
        return self._orders[root] if root else None

    def by_order_id(self, order_id: str) -> Order | None:
        root = self._by_order_id.get(order_id)
        return self._orders[root] if root else None

    def route(self, record: Record) -> Order | None:
        for cl_ord_id in (record.cl_ord_id, getattr(record, "orig_cl_ord_id", None)):
            if cl_ord_id and cl_ord_id in self._by_cl_ord_id:
                return self._orders[self._by_cl_ord_id[cl_ord_id]]
        order_id = getattr(record, "order_id", None)
        return self.by_order_id(order_id) if order_id else None

    def open_orders(self, session: str | None = None) -> list[Order]:
        return [o for o in self._orders.values() if o.is_open and session in (None, o.session)]

    def uncertain_orders(self) -> list[Order]:
        return [o for o in self._orders.values() if o.uncertain]

    def __iter__(self) -> Iterator[Order]:
        return iter(self._orders.values())

    def __len__(self) -> int:
        return len(self._orders)

    def __contains__(self, cl_ord_id: object) -> bool:
        return cl_ord_id in self._by_cl_ord_id

    # ---- local requests: each checks, applies, and returns the event to log --
    def submit(self, cl_ord_id: str, **terms: Any) -> Order:
        """A new order in PendingNew. Log `order.created_event()` before it goes on the wire."""
        self._refuse_used(cl_ord_id, "new order")
        order = Order(cl_ord_id, **terms)
        self._add(order)
        return order

    def request_cancel(self, cl_ord_id: str, new_cl_ord_id: str) -> dict[str, Any]:
        order = self.get(cl_ord_id)
        self._refuse_used(new_cl_ord_id, f"cancel {cl_ord_id}")
        event = order.request_cancel(new_cl_ord_id)
        self._index(order)
        return event

    def request_replace(self, cl_ord_id: str, new_cl_ord_id: str, qty: Any = None,
                        price: Any = None) -> dict[str, Any]:
        order = self.get(cl_ord_id)
        self._refuse_used(new_cl_ord_id, f"replace {cl_ord_id}")
        event = order.request_replace(new_cl_ord_id, qty, price)
        self._index(order)
        return event

    def mark_uncertain(self, session: str | None = None, reason: str = "session lost") -> dict[str, Any]:
        """At a disconnect: every open order (of `session`, or all) is uncertain until a
        status report reconciles it. Returns the event; `uncertain_orders()` lists whom to ask."""
        event = {"event": MARKED_UNCERTAIN, "session": session, "reason": reason}
        self.apply(event)
        return event

    def reconcile(self, report: ExecutionReport) -> Applied:
        if report.kind is not ExecType.ORDER_STATUS:
            raise ValueError(f"reconcile needs an order status report (ExecType I), got {report.kind.label}")
        return self.apply(report)

    # ---- applying events ---------------------------------------------------
    def apply(self, event: Record | dict[str, Any]) -> Applied:
        record = decode(event)
        if isinstance(record, dict):
            return self._apply_local(record)
        order = self.route(record)
        if order is None:
            ids = ", ".join(f"{name} {value}" for name in ("cl_ord_id", "orig_cl_ord_id", "order_id")
                            if (value := getattr(record, name, None)))
            return Applied(False, problem=f"no order for {type(record).__name__} ({ids or 'no ids'})")
        key = None
        if isinstance(record, ExecutionReport) and record.kind is not ExecType.ORDER_STATUS:
            key = (order.session, record.exec_id)
            if key in self._seen:
                return Applied(False, cl_ord_id=order.cl_ord_id, duplicate=True)
        result = order.apply(record)
        if key is not None:
            self._seen[key] = order.root_cl_ord_id
        self._index(order)
        return result

    def _apply_local(self, event: dict[str, Any]) -> Applied:
        kind = event["event"]
        if kind == ORDER_CREATED:
            if event["cl_ord_id"] in self._orders:
                return Applied(False, cl_ord_id=event["cl_ord_id"], duplicate=True)
            self._refuse_used(event["cl_ord_id"], "new order")
            order = self._add(Order.from_event(event))
            return Applied(True, cl_ord_id=order.cl_ord_id)
        if kind == MARKED_UNCERTAIN:
            orders = self.open_orders(event.get("session"))
            self._changed.update(o.root_cl_ord_id for o in orders)
            return Applied(any([o.apply(event) for o in orders]))
        if kind in (CANCEL_REQUESTED, REPLACE_REQUESTED):
            order = self._orders.get(event["root_cl_ord_id"])
            if order is None:
                raise OrderError("unknown_order", f"no order with ClOrdID {event['root_cl_ord_id']}")
            owner = self._by_cl_ord_id.get(event["cl_ord_id"])
            if owner not in (None, order.root_cl_ord_id):
                raise OrderError("duplicate_cl_ord_id", f"ClOrdID {event['cl_ord_id']} belongs to order {owner}")
            result = order.apply(event)
            self._index(order)
            return result
        raise ValueError(f"unknown OMS event kind {kind!r}")

    def _add(self, order: Order) -> Order:
        self._orders[order.root_cl_ord_id] = order
        self._places[order.root_cl_ord_id] = len(self._places)
        self._index(order)
        return order

    def _refuse_used(self, cl_ord_id: str, what: str) -> None:
        if cl_ord_id in self._by_cl_ord_id:
            raise OrderError("duplicate_cl_ord_id",
                             f"{what}: ClOrdID {cl_ord_id} already used by order {self._by_cl_ord_id[cl_ord_id]}")

    def _index(self, order: Order) -> None:
        root = order.root_cl_ord_id
        if order.client_id:
            self._by_client[(order.strategy, order.client_id)] = root
        for cl_ord_id in order.cl_ord_ids:
            self._by_cl_ord_id[cl_ord_id] = root
        if order.order_id:
            self._by_order_id[order.order_id] = root
            self._order_ids.setdefault(root, set()).add(order.order_id)
        self._changed.add(root)

    # ---- persistence ---------------------------------------------------------
    # Indexes are derived; each order's row holds the order and every OrderID it had (for routing).
    def _row(self, root: str) -> dict[str, Any]:
        # "n", the order's place in the blotter: rows come back from Redis in no particular order
        return {**self._orders[root].to_dict(), "order_ids": sorted(self._order_ids.get(root, ())),
                "n": self._places[root]}

    def changed_rows(self) -> dict[str, dict[str, Any]]:
        """The orders changed since the last call, as snapshot rows: a snapshot then costs what
        changed, not the whole blotter."""
        rows = {f"order:{root}": self._row(root) for root in self._changed}
        self._changed.clear()
        return rows

    @classmethod
    def from_rows(cls, rows: Iterable[dict[str, Any]]) -> Blotter:
        blotter = cls()
        for row in sorted(rows, key=lambda row: row["n"]):
            order = Order.from_dict(row)
            root = order.root_cl_ord_id
            blotter._orders[root] = order
            blotter._places[root] = row["n"]
            for order_id in row["order_ids"]:
                blotter._by_order_id[order_id] = root
                blotter._order_ids.setdefault(root, set()).add(order_id)
            blotter._index(order)
            for exec_id in order.exec_ids:
                blotter._seen[(order.session, exec_id)] = root
        blotter._changed.clear()
        return blotter

    def to_dict(self) -> dict[str, Any]:
        return {"orders": [self._row(root) for root in self._orders]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Blotter:
        return cls.from_rows(data["orders"])
