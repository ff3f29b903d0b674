"""One order's state: its terms, its quantities and the venue-confirmed status under the requests.

`Order` (order.py) is this state with what moves it: local requests and venue messages
(_venue.py, the transitions of FIX Appendix D, which work on this state).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from actors.oms.errors import OrderError
from actors.oms.events import ORDER_CREATED
from actors.oms.ledger import Ledger
from actors.oms.requests import Request
from vocabulary.fix_codes import TERMINAL, OrdStatus, OrdType, Side, TimeInForce
from vocabulary.numbers import dec, opt_dec, to_json

_MAX_ANOMALIES = 20


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
    client_id: str | None = None
    """The strategy's own id for the order (SubmitOrder.client_id)."""


class OrderState:
    def __init__(self, cl_ord_id: str, *, account: str, strategy: str, session: str, symbol: str,
                 side: Side | str, ord_type: OrdType | str, tif: TimeInForce | str,
                 qty: Any, price: Any = None, client_id: str | None = None) -> None:
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
                         "price": to_json(self.price), **({"client_id": client_id} if client_id else {})}
        self.client_id = client_id
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

    def copy(self) -> OrderState:
        """An independent twin to try a report on. By hand, as deepcopy cost more than the report:
        only the containers need copying, the values in them are immutable."""
        twin = object.__new__(type(self))
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
                         self.cum_qty, self.leaves_qty, self.avg_px, self.reason, self.uncertain, self.is_open,
                         self.client_id)

    def __repr__(self) -> str:
        return (f"Order({self.cl_ord_id} {self.side.label} {self.qty} {self.symbol} {self.status.label} "
                f"cum={self.cum_qty} leaves={self.leaves_qty}{' uncertain' if self.uncertain else ''})")

    def _record_problem(self, problem: str) -> None:
        self.uncertain = True
        if not self.anomalies or self.anomalies[-1] != problem:
            self.anomalies = (self.anomalies + [problem])[-_MAX_ANOMALIES:]

    # ---- persistence -----------------------------------------------------
    def created_event(self) -> dict[str, Any]:
        """The order as submitted (terms before any replace): what to log before sending."""
        return dict(self._created)

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> OrderState:
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
    def from_dict(cls, d: dict[str, Any]) -> OrderState:
        order = cls.from_event(d["created"])
        order.cl_ord_id, order.order_id = d["cl_ord_id"], d["order_id"]
        order.qty, order.price = dec(d["qty"]), opt_dec(d["price"])
        order._status, order.leaves_qty = OrdStatus.parse(d["status"]), dec(d["leaves_qty"])
        order.uncertain, order.reason, order.anomalies = d["uncertain"], d["reason"], list(d["anomalies"])
        order._chain, order._ledger = list(d["chain"]), Ledger.from_dict(d["ledger"])
        order._pending = [Request.from_dict(r) for r in d["pending"]]
        order._exec_ids = set(d["exec_ids"])
        return order
