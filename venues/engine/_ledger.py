"""The exchange's memory: ids, reports, known orders, past trades.

Closed orders and past trades are kept for status queries, duplicate-ClOrdID checks and
busts, but only the most recent ``max_closed_orders`` / ``max_trades`` of them: a venue that
runs the background flow all day would otherwise grow without bound.
"""
from __future__ import annotations

from collections import deque
from itertools import count

from venues.engine.messages import (
    CancelReject,
    ExecutionReport,
    NewOrderSingle,
    OrderCancelReplaceRequest,
    OrderCancelRequest,
)
from venues.engine.types import (
    CxlRejReason,
    CxlRejResponseTo,
    ExecType,
    LiquidityInd,
    Order,
    OrdRejReason,
    OrdStatus,
    Side,
)
from vigil.clock import Clock

NONE_ID = "NONE"
"""OrderID of reports about an order the venue never accepted (FIX convention)."""


class Reporter:
    """Builds reports with ids from one deterministic sequence and times from the clock."""

    def __init__(self, clock: Clock, prefix: str) -> None:
        self._clock = clock
        self._prefix = prefix
        self._exec_seq = count(1)
        self._order_seq = count(1)
        self._trade_seq = count(1)

    def order_id(self) -> str:
        return f"{self._prefix}O{next(self._order_seq)}"

    def trade_id(self) -> str:
        return f"{self._prefix}T{next(self._trade_seq)}"

    def report(self, order: Order, exec_type: ExecType, *, ord_status: OrdStatus | None = None,
               cl_ord_id: str | None = None, orig_cl_ord_id: str | None = None, last_qty: int = 0,
               last_px: int | None = None, exec_ref_id: str | None = None, trade_id: str | None = None,
               liquidity: LiquidityInd | None = None, text: str = "") -> ExecutionReport:
        """A report of ``order`` as it is now (override status/ClOrdID for pending reports)."""
        return ExecutionReport(
            exec_id=f"{self._prefix}E{next(self._exec_seq)}", exec_type=exec_type,
            ord_status=order.status if ord_status is None else ord_status, owner=order.owner, order_id=order.order_id,
            cl_ord_id=order.cl_ord_id if cl_ord_id is None else cl_ord_id, orig_cl_ord_id=orig_cl_ord_id,
            account=order.account, symbol=order.symbol, side=order.side, ord_type=order.ord_type,
            tif=order.tif, order_qty=order.order_qty, price=order.price, cum_qty=order.cum_qty,
            leaves_qty=order.leaves_qty, avg_px=order.avg_px, transact_time_ns=self._clock.now_ns(),
            last_qty=last_qty, last_px=last_px, exec_ref_id=exec_ref_id, trade_id=trade_id,
            liquidity=liquidity, text=text)

    def rejected(self, cmd: NewOrderSingle, reason: OrdRejReason, text: str) -> ExecutionReport:
        return ExecutionReport(
            exec_id=f"{self._prefix}E{next(self._exec_seq)}", exec_type=ExecType.REJECTED,
            ord_status=OrdStatus.REJECTED, owner=cmd.owner, order_id=NONE_ID, cl_ord_id=cmd.cl_ord_id,
            orig_cl_ord_id=None, account=cmd.account, symbol=cmd.symbol, side=cmd.side,
            ord_type=cmd.ord_type, tif=cmd.tif, order_qty=cmd.order_qty, price=cmd.price, cum_qty=0,
            leaves_qty=0, avg_px=0.0, transact_time_ns=self._clock.now_ns(), text=text,
            reject_reason=reason)

    def unknown_status(self, owner: str, cl_ord_id: str, symbol: str, side: Side) -> ExecutionReport:
        return ExecutionReport(
            exec_id=f"{self._prefix}E{next(self._exec_seq)}", exec_type=ExecType.ORDER_STATUS,
            ord_status=OrdStatus.REJECTED, owner=owner, order_id=NONE_ID, cl_ord_id=cl_ord_id,
            orig_cl_ord_id=None, account="", symbol=symbol, side=side, ord_type=None, tif=None,
            order_qty=0, price=None, cum_qty=0, leaves_qty=0, avg_px=0.0,
            transact_time_ns=self._clock.now_ns(), text="unknown order",
            reject_reason=OrdRejReason.UNKNOWN_ORDER)

    def cancel_reject(self, cmd: OrderCancelRequest | OrderCancelReplaceRequest, order: Order | None,
                      reason: CxlRejReason, text: str) -> CancelReject:
        response_to = (CxlRejResponseTo.CANCEL if isinstance(cmd, OrderCancelRequest)
                       else CxlRejResponseTo.REPLACE)
        return CancelReject(
            owner=cmd.owner, cl_ord_id=cmd.cl_ord_id,
            orig_cl_ord_id=order.cl_ord_id if order else cmd.orig_cl_ord_id,
            order_id=order.order_id if order else NONE_ID,
            ord_status=order.status if order else OrdStatus.REJECTED, response_to=response_to,
            reason=reason, text=text, transact_time_ns=self._clock.now_ns())


class Trade:
    """One past trade, mutable by busts and corrections."""

    __slots__ = ("trade_id", "qty", "price", "buy", "sell", "buy_exec_id", "sell_exec_id",
                 "exec_ids", "busted")

    def __init__(self, trade_id: str, qty: int, price: int, buy: Order, sell: Order,
                 buy_exec_id: str, sell_exec_id: str) -> None:
        self.trade_id = trade_id
        self.qty = qty
        self.price = price
        self.buy = buy
        self.sell = sell
        self.buy_exec_id = buy_exec_id
        """This side's latest execution of the trade (the trade, then each correction)."""
        self.sell_exec_id = sell_exec_id
        self.exec_ids = [buy_exec_id, sell_exec_id]
        """Every ExecID that names this trade."""
        self.busted = False


class Registry:
    """Orders by id, by (owner, ClOrdID) and open by owner; trades by any of their ExecIDs."""

    def __init__(self, max_closed_orders: int, max_trades: int) -> None:
        self.by_id: dict[str, Order] = {}
        self._by_cl: dict[tuple[str, str], Order] = {}
        self._cl_ids: dict[str, list[str]] = {}
        self._open: dict[str, dict[str, Order]] = {}
        self._closed: deque[Order] = deque()
        self._max_closed = max_closed_orders
        self._trades: dict[str, Trade] = {}
        self._trade_log: deque[Trade] = deque()
        self._max_trades = max_trades

    def add(self, order: Order) -> None:
        self.by_id[order.order_id] = order
        self._by_cl[order.owner, order.cl_ord_id] = order
        self._cl_ids[order.order_id] = [order.cl_ord_id]
        self._open.setdefault(order.owner, {})[order.order_id] = order

    def rename(self, order: Order, cl_ord_id: str) -> str:
        """Give ``order`` the ClOrdID of an accepted cancel/replace; returns the previous one.
        Every ClOrdID of the chain keeps finding the order."""
        previous, order.cl_ord_id = order.cl_ord_id, cl_ord_id
        self._by_cl[order.owner, cl_ord_id] = order
        self._cl_ids[order.order_id].append(cl_ord_id)
        return previous

    def known(self, owner: str, cl_ord_id: str) -> bool:
        return (owner, cl_ord_id) in self._by_cl

    def find(self, owner: str, order_id: str | None, cl_ord_id: str | None) -> Order | None:
        order = self.by_id.get(order_id) if order_id else self._by_cl.get((owner, cl_ord_id))
        return order if order is not None and order.owner == owner else None

    def open_orders(self, owner: str) -> list[Order]:
        return list(self._open.get(owner, {}).values())

    def closed(self, order: Order) -> None:
        """``order`` just left the open state."""
        self._open[order.owner].pop(order.order_id, None)
        self._closed.append(order)
        while len(self._closed) > self._max_closed:
            old = self._closed.popleft()
            del self.by_id[old.order_id]
            for cl in self._cl_ids.pop(old.order_id):
                self._by_cl.pop((old.owner, cl), None)

    def reopen(self, order: Order) -> None:
        """``order`` is open again (a replace raised a filled order's quantity)."""
        try:
            self._closed.remove(order)  # else it could be forgotten while it works
        except ValueError:
            pass
        self._open.setdefault(order.owner, {})[order.order_id] = order

    def add_trade(self, trade: Trade) -> None:
        for exec_id in trade.exec_ids:
            self._trades[exec_id] = trade
        self._trade_log.append(trade)
        while len(self._trade_log) > self._max_trades:
            for exec_id in self._trade_log.popleft().exec_ids:
                del self._trades[exec_id]

    def alias_trade(self, trade: Trade, exec_id: str) -> None:
        """A correction's ExecID names the trade too."""
        trade.exec_ids.append(exec_id)
        self._trades[exec_id] = trade

    def trade(self, exec_id: str) -> Trade | None:
        return self._trades.get(exec_id)

    def net_bought(self, owner: str) -> dict[str, int]:
        """Per symbol, what `owner` bought less what it sold, over the trades still remembered (unbusted)."""
        net: dict[str, int] = {}
        for t in self._trade_log:
            if not t.busted and owner in (t.buy.owner, t.sell.owner):
                signed = (t.qty if t.buy.owner == owner else 0) - (t.qty if t.sell.owner == owner else 0)
                net[t.buy.symbol] = net.get(t.buy.symbol, 0) + signed
        return net
