"""The exchange's core: one book and one trading phase per listed symbol, and the
participants' requests (new order, cancel, cancel/replace, status) routed to them.

Participants' mistakes never raise: every request returns the reports it caused, rejects
included, in the order they happened. Venue-side actions (phases, busts, corrections, venue
cancels) live in `venues.engine.exchange.Exchange` and raise `VenueError` when they cannot be done.
"""
from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from venues.engine._ledger import Registry, Reporter, Trade
from venues.engine.book import OrderBook
from venues.engine.messages import (
    CancelReject,
    ExecutionReport,
    NewOrderSingle,
    OrderCancelReplaceRequest,
    OrderCancelRequest,
    OrderMassStatusRequest,
    OrderStatusRequest,
    Report,
    Request,
)
from venues.engine.types import (
    CxlRejReason,
    ExecType,
    LiquidityInd,
    Order,
    OrdRejReason,
    OrdStatus,
    OrdType,
    Phase,
    Side,
    SymbolSpec,
    TimeInForce,
)
from vigil.clock import Clock

_AUCTION_PHASES = (Phase.PRE_OPEN, Phase.OPENING_AUCTION)
_PHASE_WORDS = {Phase.PRE_OPEN: "pre-open", Phase.OPENING_AUCTION: "the opening auction"}


class ExchangeCore:
    """Books, phases and the participants' requests. Use `Exchange`, which adds the venue's
    own operations."""

    def __init__(self, symbols: Mapping[str, SymbolSpec], clock: Clock, *,
                 phase: Phase = Phase.CONTINUOUS, ack_pending: bool = False, id_prefix: str = "",
                 max_closed_orders: int = 200_000, max_trades: int = 200_000) -> None:
        if not symbols:
            raise ValueError("an exchange needs at least one symbol")
        self.clock = clock
        self.ack_pending = ack_pending
        """Send PENDING_CANCEL / PENDING_REPLACE before CANCELED / REPLACED."""
        self._specs = dict(symbols)
        self._books = {symbol: OrderBook(symbol) for symbol in self._specs}
        self._phases = dict.fromkeys(self._specs, phase)
        self._last_px: dict[str, int | None] = dict.fromkeys(self._specs)
        self._rep = Reporter(clock, id_prefix)
        self._orders = Registry(max_closed_orders, max_trades)

    # -- reading -------------------------------------------------------------------------

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self._specs)

    def spec(self, symbol: str) -> SymbolSpec:
        return self._specs[symbol]

    def phase(self, symbol: str) -> Phase:
        return self._phases[symbol]

    def book(self, symbol: str) -> OrderBook:
        """The live book; read it, never change it."""
        return self._books[symbol]

    def last_price(self, symbol: str) -> int | None:
        return self._last_px[symbol]

    def order(self, order_id: str) -> Order | None:
        """A known order (open, or among the recently closed); read it, never change it."""
        return self._orders.by_id.get(order_id)

    def open_orders(self, owner: str, symbol: str | None = None) -> list[Order]:
        """``owner``'s open orders in the order they were accepted."""
        orders = self._orders.open_orders(owner)
        return orders if symbol is None else [o for o in orders if o.symbol == symbol]

    def net_bought(self, owner: str) -> dict[str, int]:
        """``owner``'s position per symbol as the venue saw it trade (the last max_trades trades)."""
        return self._orders.net_bought(owner)

    # -- participants' requests ----------------------------------------------------------

    def handle(self, request: Request) -> list[Report]:
        """Dispatch any request type (what the FIX acceptor calls)."""
        if isinstance(request, NewOrderSingle):
            return self.submit(request)
        if isinstance(request, OrderCancelRequest):
            return self.cancel(request)
        if isinstance(request, OrderCancelReplaceRequest):
            return self.replace(request)
        if isinstance(request, OrderStatusRequest):
            return [self.order_status(request)]
        if isinstance(request, OrderMassStatusRequest):
            return self.mass_status(request)
        raise TypeError(f"not an exchange request: {type(request).__name__}")

    def submit(self, cmd: NewOrderSingle) -> list[Report]:
        """NEW then, in CONTINUOUS, its TRADEs and a CANCELED remainder for IOC/FOK/market;
        in PRE_OPEN/OPENING_AUCTION the order only rests. Or a single REJECTED report."""
        refusal = self._refuse_new(cmd)
        if refusal is not None:
            return [self._rep.rejected(cmd, *refusal)]
        order = Order(order_id=self._rep.order_id(), cl_ord_id=cmd.cl_ord_id, owner=cmd.owner,
                      account=cmd.account, symbol=cmd.symbol, side=cmd.side, ord_type=cmd.ord_type,
                      tif=cmd.tif, order_qty=cmd.order_qty, price=cmd.price, leaves_qty=cmd.order_qty)
        self._orders.add(order)
        out: list[Report] = [self._rep.report(order, ExecType.NEW)]
        if self._phases[order.symbol] is Phase.CONTINUOUS:
            self._execute(order, out)
        else:
            self._books[order.symbol].add(order)  # auction phases: rest without matching
        return out

    def cancel(self, cmd: OrderCancelRequest) -> list[Report]:
        """CANCELED (after PENDING_CANCEL when ``ack_pending``), in any phase; or a CancelReject."""
        order, reject = self._amendable(cmd)
        if reject is not None:
            return [reject]
        out: list[Report] = []
        if self.ack_pending:
            out.append(self._rep.report(order, ExecType.PENDING_CANCEL, ord_status=OrdStatus.PENDING_CANCEL,
                                        cl_ord_id=cmd.cl_ord_id, orig_cl_ord_id=order.cl_ord_id))
        orig = self._orders.rename(order, cmd.cl_ord_id)
        self._close(order, OrdStatus.CANCELED)
        out.append(self._rep.report(order, ExecType.CANCELED, orig_cl_ord_id=orig))
        return out

    def replace(self, cmd: OrderCancelReplaceRequest) -> list[Report]:
        """New quantity and/or price. The order keeps its time priority only when its price
        is unchanged and its quantity does not grow; otherwise it goes to the back of its
        (new) level, and in CONTINUOUS it first matches what it now crosses. A FILLED DAY or
        GTC limit order whose quantity is raised above its cum_qty works again
        (PARTIALLY_FILLED); any other replace of a done order is too late."""
        order, reject = self._amendable(cmd)
        if reject is not None:
            return [reject]
        spec = self._specs[order.symbol]
        new_qty = order.order_qty if cmd.order_qty is None else cmd.order_qty
        new_px = order.price if cmd.price is None else cmd.price
        problem = _qty_problem(new_qty, spec)
        if problem is None and cmd.price is not None and not _is_positive_int(new_px):
            problem = f"price must be a positive number of ticks, got {new_px!r}"
        if problem is None and spec.max_order_qty is not None and new_qty > spec.max_order_qty:
            problem = f"order_qty {new_qty} exceeds the maximum order size {spec.max_order_qty}"
        if problem is not None:
            return [self._rep.cancel_reject(cmd, order, CxlRejReason.OTHER, problem)]

        out: list[Report] = []
        if self.ack_pending:
            out.append(self._rep.report(order, ExecType.PENDING_REPLACE, ord_status=OrdStatus.PENDING_REPLACE,
                                        cl_ord_id=cmd.cl_ord_id, orig_cl_ord_id=order.cl_ord_id))
        orig = self._orders.rename(order, cmd.cl_ord_id)
        book = self._books[order.symbol]
        if not order.is_open:
            # FIX 4.4 Appendix D C.1.c: a filled order whose quantity grows works its new balance.
            self._orders.reopen(order)
            order.status = OrdStatus.PARTIALLY_FILLED
            self._work_anew(order, new_qty, new_px, orig, out)
        elif new_qty <= order.cum_qty:
            # FIX: reducing OrderQty to CumQty or below cancels the balance; "filled" takes
            # precedence over "canceled", and OrderQty reads as what was executed.
            book.remove(order)
            order.order_qty, order.price, order.leaves_qty = order.cum_qty, new_px, 0
            order.status = OrdStatus.FILLED
            self._orders.closed(order)
            out.append(self._rep.report(order, ExecType.REPLACED, orig_cl_ord_id=orig,
                                        text="order quantity reduced to the executed quantity: order is done"))
        elif new_px == order.price and new_qty <= order.order_qty:
            book.set_leaves(order, new_qty - order.cum_qty)
            order.order_qty = new_qty
            out.append(self._rep.report(order, ExecType.REPLACED, orig_cl_ord_id=orig))
        else:
            book.remove(order)
            self._work_anew(order, new_qty, new_px, orig, out)
        return out

    def _work_anew(self, order: Order, new_qty: int, new_px: int | None, orig: str, out: list) -> None:
        """A replaced order at its new terms, out of the book: it trades at once in continuous
        trading, else it rests, behind the orders already at its price."""
        order.order_qty, order.price, order.leaves_qty = new_qty, new_px, new_qty - order.cum_qty
        out.append(self._rep.report(order, ExecType.REPLACED, orig_cl_ord_id=orig))
        if self._phases[order.symbol] is Phase.CONTINUOUS:
            self._execute(order, out)
        else:
            self._books[order.symbol].add(order)

    def order_status(self, cmd: OrderStatusRequest) -> ExecutionReport:
        """ORDER_STATUS of one of the owner's orders; for an unknown order, ord_status
        REJECTED with reject_reason UNKNOWN_ORDER (5)."""
        order = self._orders.find(cmd.owner, cmd.order_id, cmd.cl_ord_id)
        if order is None:
            return self._rep.unknown_status(cmd.owner, cmd.cl_ord_id or "", cmd.symbol, cmd.side)
        return self._rep.report(order, ExecType.ORDER_STATUS)

    def mass_status(self, cmd: OrderMassStatusRequest) -> list[Report]:
        """ORDER_STATUS for every open order of the owner (optionally of one symbol)."""
        return [self._rep.report(o, ExecType.ORDER_STATUS) for o in self.open_orders(cmd.owner, cmd.symbol)]

    # -- internals -----------------------------------------------------------------------

    def _refuse_new(self, cmd: NewOrderSingle) -> tuple[OrdRejReason, str] | None:
        spec = self._specs.get(cmd.symbol)
        if spec is None:
            return OrdRejReason.UNKNOWN_SYMBOL, f"unknown symbol {cmd.symbol!r}"
        if self._orders.known(cmd.owner, cmd.cl_ord_id):
            return OrdRejReason.DUPLICATE_ORDER, f"duplicate cl_ord_id {cmd.cl_ord_id!r}"
        phase = self._phases[cmd.symbol]
        if phase is Phase.CLOSED:
            return OrdRejReason.EXCHANGE_CLOSED, f"{cmd.symbol} is closed"
        if phase is Phase.HALTED:
            return OrdRejReason.EXCHANGE_CLOSED, f"trading in {cmd.symbol} is halted"
        problem = _qty_problem(cmd.order_qty, spec)
        if problem is not None:
            return OrdRejReason.INCORRECT_QUANTITY, problem
        if cmd.ord_type is OrdType.LIMIT:
            if cmd.price is None:
                return OrdRejReason.OTHER, "price is required for a limit order"
            if not _is_positive_int(cmd.price):
                return OrdRejReason.OTHER, f"price must be a positive number of ticks, got {cmd.price!r}"
        elif cmd.price is not None:
            return OrdRejReason.OTHER, f"price must be empty for a market order, got {cmd.price!r}"
        if spec.max_order_qty is not None and cmd.order_qty > spec.max_order_qty:
            return (OrdRejReason.ORDER_EXCEEDS_LIMIT,
                    f"order_qty {cmd.order_qty} exceeds the maximum order size {spec.max_order_qty}")
        if phase in _AUCTION_PHASES:
            if cmd.ord_type is OrdType.MARKET:
                return OrdRejReason.BROKER_OPTION, f"market order not accepted in {_PHASE_WORDS[phase]}"
            if cmd.tif in (TimeInForce.IOC, TimeInForce.FOK):
                return OrdRejReason.BROKER_OPTION, f"{cmd.tif.name} order not accepted in {_PHASE_WORDS[phase]}"
        return None

    def _amendable(self, cmd: OrderCancelRequest | OrderCancelReplaceRequest
                   ) -> tuple[Order, None] | tuple[None, CancelReject]:
        """The order a cancel/replace names, or the CancelReject that refuses the request."""
        order = self._orders.find(cmd.owner, cmd.order_id, cmd.orig_cl_ord_id)
        if order is None or (cmd.symbol is not None and cmd.symbol != order.symbol):
            named = cmd.order_id or cmd.orig_cl_ord_id
            text = f"unknown order {named!r}" if named else "neither order_id nor orig_cl_ord_id given"
            return None, self._rep.cancel_reject(cmd, None, CxlRejReason.UNKNOWN_ORDER, text)
        if self._orders.known(cmd.owner, cmd.cl_ord_id):
            return None, self._rep.cancel_reject(cmd, order, CxlRejReason.DUPLICATE_CL_ORD_ID,
                                                 f"duplicate cl_ord_id {cmd.cl_ord_id!r}")
        if not order.is_open and not _reopens(cmd, order):
            return None, self._rep.cancel_reject(cmd, order, CxlRejReason.TOO_LATE_TO_CANCEL,
                                                 f"order {order.order_id} is already {order.status.name.lower()}")
        phase = self._phases[order.symbol]
        if isinstance(cmd, OrderCancelReplaceRequest) and phase in (Phase.HALTED, Phase.CLOSED):
            what = "halted" if phase is Phase.HALTED else "closed"
            return None, self._rep.cancel_reject(cmd, order, CxlRejReason.BROKER_OPTION,
                                                 f"replace not accepted: {order.symbol} is {what}")
        return order, None

    def _execute(self, order: Order, out: list[Report]) -> None:
        """CONTINUOUS: match ``order`` as the aggressor, then rest or cancel what is left."""
        book = self._books[order.symbol]
        if order.tif is TimeInForce.FOK and not book.fillable(order):
            self._close(order, OrdStatus.CANCELED)
            out.append(self._rep.report(order, ExecType.CANCELED,
                                        text="FOK order cannot be filled in full: killed, nothing filled"))
            return
        book.match(order, partial(self._on_trade, order, out))
        if order.leaves_qty == 0:
            self._orders.closed(order)
        elif order.ord_type is OrdType.MARKET or order.tif in (TimeInForce.IOC, TimeInForce.FOK):
            kind = "market order" if order.ord_type is OrdType.MARKET else order.tif.name
            self._close(order, OrdStatus.CANCELED)
            out.append(self._rep.report(order, ExecType.CANCELED,
                                        text=f"{kind} remainder cancelled: no more liquidity within its limit"))
        else:
            book.add(order)

    def _on_trade(self, taker: Order, out: list[Report], maker: Order, qty: int, px: int) -> None:
        buy, sell = (taker, maker) if taker.side is Side.BUY else (maker, taker)
        self._record_trade(buy, sell, qty, px, taker, out)

    def _record_trade(self, buy: Order, sell: Order, qty: int, px: int, taker: Order | None,
                      out: list[Report]) -> None:
        """Report a fill to both sides (taker first; buy first in an auction) and keep it."""
        trade_id = self._rep.trade_id()
        reports = {}
        for order in (buy, sell) if taker is None or taker is buy else (sell, buy):
            liquidity = (LiquidityInd.AUCTION if taker is None
                         else LiquidityInd.REMOVED if order is taker else LiquidityInd.ADDED)
            reports[order.side] = report = self._rep.report(
                order, ExecType.TRADE, last_qty=qty, last_px=px, trade_id=trade_id, liquidity=liquidity)
            out.append(report)
            if order is not taker and order.leaves_qty == 0:
                self._orders.closed(order)
        self._orders.add_trade(Trade(trade_id, qty, px, buy, sell,
                                     reports[Side.BUY].exec_id, reports[Side.SELL].exec_id))
        self._last_px[buy.symbol] = px

    def _close(self, order: Order, status: OrdStatus) -> None:
        """End an open order (resting, or an aggressor that never rested)."""
        if order.stamp:
            self._books[order.symbol].remove(order)
        order.leaves_qty = 0
        order.status = status
        self._orders.closed(order)


def _reopens(cmd: OrderCancelRequest | OrderCancelReplaceRequest, order: Order) -> bool:
    """A replace that raises a filled order's quantity above what it executed (Appendix D C.1.c).
    Only an order that could rest (a DAY or GTC limit order) works again."""
    return (isinstance(cmd, OrderCancelReplaceRequest) and order.status is OrdStatus.FILLED
            and order.ord_type is OrdType.LIMIT and order.tif in (TimeInForce.DAY, TimeInForce.GTC)
            and isinstance(cmd.order_qty, int) and cmd.order_qty > order.cum_qty)


def _is_positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _qty_problem(qty: object, spec: SymbolSpec) -> str | None:
    if not _is_positive_int(qty):
        return f"order_qty must be a positive integer, got {qty!r}"
    if qty % spec.lot_size:
        return f"order_qty {qty} is not a multiple of the lot size {spec.lot_size}"
    return None
