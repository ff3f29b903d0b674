"""The simulated venue's matching engine: plain Python, clock injected, no I/O.

The FIX acceptor turns FIX messages into the requests below, calls the exchange, and sends
each returned report to ``report.owner`` (an ExecutionReport 35=8 or an OrderCancelReject
35=9). Enum values are the FIX codes; prices are integer ticks (the acceptor converts with
``exchange.spec(symbol).tick_size``), quantities integer units.

    exchange = Exchange({"EURUSD": SymbolSpec(tick_size=0.00001, lot_size=1000)}, clock)
    reports = exchange.submit(NewOrderSingle(owner="S1", cl_ord_id="a1", symbol="EURUSD",
                                             side=Side.BUY, order_qty=5000, price=110_000))

`Exchange(symbols, clock, *, phase=Phase.CONTINUOUS, ack_pending=False, id_prefix="",
max_closed_orders=200_000, max_trades=200_000)`

Participants' requests (never raise; refusals are reports):
  - ``submit(NewOrderSingle) -> list[Report]``: NEW, then TRADEs, then CANCELED for an
    IOC/FOK/market remainder; or one REJECTED report (OrdRejReason in ``reject_reason``).
  - ``cancel(OrderCancelRequest) -> list[Report]``: [PENDING_CANCEL,] CANCELED, or a
    `CancelReject`.
  - ``replace(OrderCancelReplaceRequest) -> list[Report]``: [PENDING_REPLACE,] REPLACED,
    then TRADEs if the new price crosses; or a `CancelReject`.
  - ``order_status(OrderStatusRequest) -> ExecutionReport`` (ExecType ORDER_STATUS).
  - ``mass_status(OrderMassStatusRequest) -> list[Report]``.
  - ``handle(request) -> list[Report]``: any of the above by type.

Venue operations (raise `VenueError` when impossible):
  - ``set_phase(phase, symbol=None) -> list[Report]`` (None: every symbol).
  - ``indicative_uncross(symbol) -> Uncross | None``.
  - ``venue_cancel(order_id, text=...) -> list[Report]``.
  - ``bust_trade(exec_id, text=...) -> list[Report]`` (TRADE_CANCEL to both sides).
  - ``correct_trade(exec_id, *, qty=None, price=None, text=...) -> list[Report]``.

Reading: ``symbols``, ``spec(symbol)``, ``phase(symbol)``, ``book(symbol) -> OrderBook``
(``top()``, ``best_bid()``, ``best_ask()``, ``bids/asks.depth(n)``, ``bids/asks.orders()``),
``last_price(symbol)``, ``order(order_id) -> Order | None``,
``open_orders(owner, symbol=None) -> list[Order]``. Returned orders are live: read only.

`trade_prints(reports) -> list[TradePrint]` picks one print per trade for market data.

`OrderFlow(exchange, seed, config=FlowConfig(), symbols=None)`: background orders of owner
"FLOW"; ``step(n) -> list[Report]``, ``run_due() -> list[Report]`` (by the clock, at
``config.rate_per_s``), ``mid(symbol)``.

Choices worth knowing:
  - Not thread-safe: one thread (the venue actor's loop) calls the exchange; QuickFIX
    callbacks hand their requests over to it.
  - Every accepted order gets a NEW report first, even one that fills or is killed at once.
  - IOC/market remainders and killed FOK orders end CANCELED (ExecType 4); DAY orders end
    EXPIRED (ExecType C) when their symbol moves to CLOSED.
  - Reject codes: UNKNOWN_SYMBOL 1; DUPLICATE_ORDER 6; EXCHANGE_CLOSED 2 when HALTED or
    CLOSED; INCORRECT_QUANTITY 13 for a bad or off-lot quantity; OTHER 99 for a missing or
    bad price; ORDER_EXCEEDS_LIMIT 3 above ``max_order_qty``; BROKER_OPTION 0 for a market,
    IOC or FOK order in PRE_OPEN/OPENING_AUCTION. The text always names the field or rule.
    CancelReject: UNKNOWN_ORDER 1, TOO_LATE_TO_CANCEL 0 (order already done),
    DUPLICATE_CL_ORD_ID 6, BROKER_OPTION 2 (replace while HALTED/CLOSED), OTHER 99 (bad
    new quantity/price).
  - Cancels are accepted in every phase (a GTC order can be pulled while CLOSED).
  - A rejected new order has order_id "NONE" and does not use up its ClOrdID. Duplicate
    detection covers open orders and the last ``max_closed_orders`` closed ones, and every
    ClOrdID an order has carried (the original and those of accepted cancels/replaces).
  - A replace keeps time priority when the price is unchanged and the quantity does not
    grow (a no-op replace keeps it too); replacing to a quantity <= cum_qty ends the order
    FILLED with order_qty = cum_qty (FIX). Replacing a FILLED DAY/GTC limit order to a
    quantity above its cum_qty reopens it PARTIALLY_FILLED for the difference (FIX 4.4
    Appendix D C.1.c); any other cancel or replace of a done order is TOO_LATE_TO_CANCEL.
  - A bust/correction never reopens a closed order (that could cross the book): an open
    order gets its leaves back in place, a FILLED one that is no longer full becomes
    DONE_FOR_DAY.
  - No self-trade prevention: an owner's orders may trade with each other.
"""
from venues.engine.auction import Uncross
from venues.engine.book import BookSide, OrderBook
from venues.engine.errors import VenueError
from venues.engine.exchange import Exchange
from venues.engine.flow import FlowConfig, OrderFlow
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
    TradePrint,
    trade_prints,
)
from venues.engine.types import (
    CxlRejReason,
    CxlRejResponseTo,
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

__all__ = [
    "BookSide", "CancelReject", "CxlRejReason", "CxlRejResponseTo", "Exchange", "ExecType",
    "ExecutionReport", "FlowConfig", "LiquidityInd", "NewOrderSingle", "Order", "OrderBook",
    "OrderCancelReplaceRequest", "OrderCancelRequest", "OrderFlow", "OrderMassStatusRequest",
    "OrderStatusRequest", "OrdRejReason", "OrdStatus", "OrdType", "Phase", "Report", "Request",
    "Side", "SymbolSpec", "TimeInForce", "TradePrint", "Uncross", "VenueError", "trade_prints",
]
