"""Shared set-up for the matching-engine tests: an exchange on a simulated clock and a
participant session that numbers its own ClOrdIDs."""
from __future__ import annotations

from itertools import count

from venues.engine import (
    CancelReject,
    Exchange,
    ExecType,
    ExecutionReport,
    NewOrderSingle,
    OrderCancelReplaceRequest,
    OrderCancelRequest,
    OrdType,
    Phase,
    Report,
    Side,
    SymbolSpec,
    TimeInForce,
)
from vigil.clock import SimClock

T0 = 1_577_836_800_000_000_000  # 2020-01-01T00:00:00Z
SYMBOLS = {
    "XYZ": SymbolSpec(tick_size=0.01),
    "ABC": SymbolSpec(tick_size=0.5, lot_size=10, max_order_qty=1_000, reference_price=100),
}


def make_exchange(phase: Phase = Phase.CONTINUOUS, **kwargs) -> Exchange:
    return Exchange(SYMBOLS, SimClock(T0), phase=phase, **kwargs)


class Session:
    """One participant: sends requests with fresh ClOrdIDs "<owner>-<n>"."""

    def __init__(self, exchange: Exchange, owner: str) -> None:
        self.ex = exchange
        self.owner = owner
        self._ids = count(1)

    def next_id(self) -> str:
        return f"{self.owner}-{next(self._ids)}"

    def send(self, side: Side, qty: int, price: int | None = None, *, symbol: str = "XYZ",
             tif: TimeInForce = TimeInForce.DAY, ord_type: OrdType | None = None,
             cl_ord_id: str | None = None, account: str = "") -> list[Report]:
        if ord_type is None:
            ord_type = OrdType.MARKET if price is None else OrdType.LIMIT
        return self.ex.submit(NewOrderSingle(
            owner=self.owner, cl_ord_id=cl_ord_id or self.next_id(), symbol=symbol, side=side,
            order_qty=qty, ord_type=ord_type, price=price, tif=tif, account=account))

    def buy(self, qty: int, price: int | None = None, **kwargs) -> list[Report]:
        return self.send(Side.BUY, qty, price, **kwargs)

    def sell(self, qty: int, price: int | None = None, **kwargs) -> list[Report]:
        return self.send(Side.SELL, qty, price, **kwargs)

    def cancel(self, orig_cl_ord_id: str | None = None, *, order_id: str | None = None,
               cl_ord_id: str | None = None) -> list[Report]:
        return self.ex.cancel(OrderCancelRequest(
            owner=self.owner, cl_ord_id=cl_ord_id or self.next_id(), orig_cl_ord_id=orig_cl_ord_id,
            order_id=order_id))

    def replace(self, orig_cl_ord_id: str | None = None, *, qty: int | None = None,
                price: int | None = None, order_id: str | None = None,
                cl_ord_id: str | None = None) -> list[Report]:
        return self.ex.replace(OrderCancelReplaceRequest(
            owner=self.owner, cl_ord_id=cl_ord_id or self.next_id(), orig_cl_ord_id=orig_cl_ord_id,
            order_id=order_id, order_qty=qty, price=price))


def kinds(reports: list[Report]) -> list[str]:
    """Compact shape of a report list: "OWNER:EXECTYPE" or "OWNER:CANCEL_REJECT"."""
    return [f"{r.owner}:{r.exec_type.name}" if isinstance(r, ExecutionReport) else f"{r.owner}:CANCEL_REJECT"
            for r in reports]


def trades(reports: list[Report], owner: str | None = None) -> list[ExecutionReport]:
    return [r for r in reports if isinstance(r, ExecutionReport) and r.exec_type is ExecType.TRADE
            and (owner is None or r.owner == owner)]


def only(reports: list[Report], exec_type: ExecType) -> ExecutionReport:
    found = [r for r in reports if isinstance(r, ExecutionReport) and r.exec_type is exec_type]
    assert len(found) == 1, f"expected one {exec_type.name} in {kinds(reports)}"
    return found[0]


def reject_of(reports: list[Report]) -> CancelReject:
    assert len(reports) == 1 and isinstance(reports[0], CancelReject), kinds(reports)
    return reports[0]


def book_orders(exchange: Exchange, symbol: str, side: Side) -> list[tuple[str, int, int]]:
    """(owner's ClOrdID, price, leaves) of one side's resting orders in priority order."""
    return [(o.cl_ord_id, o.price, o.leaves_qty) for o in exchange.book(symbol).side(side).orders()]
