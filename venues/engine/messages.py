"""What goes into the engine (FIX-named requests) and what comes out (reports).

Every call on the `Exchange` returns a list of `Report`s in the order they happened. Each
report names the ``owner`` (FIX session / participant) it must be sent to: one trade
yields one report per side, and a background-flow order can fill a client's resting order.
"""
from __future__ import annotations

from dataclasses import dataclass

from venues.engine.types import (
    CxlRejReason,
    CxlRejResponseTo,
    ExecType,
    LiquidityInd,
    OrdRejReason,
    OrdStatus,
    OrdType,
    Side,
    TimeInForce,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class NewOrderSingle:
    """FIX 35=D."""

    owner: str
    """Session / participant the order belongs to; reports go back to it."""
    cl_ord_id: str
    """Client's id, unique per owner (ClOrdID 11)."""
    symbol: str
    """One of the exchange's listed symbols (else rejected, UNKNOWN_SYMBOL)."""
    side: Side
    """BUY or SELL (Side 54)."""
    order_qty: int
    """Units; a positive multiple of the symbol's lot size."""
    ord_type: OrdType = OrdType.LIMIT
    """LIMIT or MARKET (OrdType 40)."""
    price: int | None = None
    """Limit price in ticks; required for LIMIT, must be None for MARKET."""
    tif: TimeInForce = TimeInForce.DAY
    """DAY, GTC, IOC or FOK (TimeInForce 59); a MARKET order never rests whatever it says."""
    account: str = ""
    """Account 1, echoed on every report of the order; may be empty."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCancelRequest:
    """FIX 35=F. The order is found by ``order_id`` if given, else by ``orig_cl_ord_id``."""

    owner: str
    """Who asks; only the order's owner can cancel it."""
    cl_ord_id: str
    """The request's own ClOrdID; becomes the order's ClOrdID when the cancel is accepted."""
    orig_cl_ord_id: str | None = None
    """Any ClOrdID the order has carried (OrigClOrdID 41)."""
    order_id: str | None = None
    """The venue's OrderID 37; takes precedence over ``orig_cl_ord_id``."""
    symbol: str | None = None
    """When given, must match the order's symbol (else: unknown order)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCancelReplaceRequest:
    """FIX 35=G: new quantity and/or price; None keeps the current value."""

    owner: str
    """Who asks; only the order's owner can replace it."""
    cl_ord_id: str
    """The replacement's ClOrdID; the order carries it once the replace is accepted."""
    orig_cl_ord_id: str | None = None
    """Any ClOrdID the order has carried (OrigClOrdID 41)."""
    order_id: str | None = None
    """The venue's OrderID 37; takes precedence over ``orig_cl_ord_id``."""
    symbol: str | None = None
    """When given, must match the order's symbol (else: unknown order)."""
    order_qty: int | None = None
    """The new total quantity (not the remaining one), as FIX means OrderQty."""
    price: int | None = None
    """The new limit price in ticks."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderStatusRequest:
    """FIX 35=H. ``symbol`` and ``side`` are echoed when the order is unknown."""

    owner: str
    cl_ord_id: str | None = None
    order_id: str | None = None
    symbol: str = ""
    side: Side = Side.BUY


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderMassStatusRequest:
    """FIX 35=AF: every open order of ``owner``, optionally of one symbol."""

    owner: str
    """Whose open orders."""
    symbol: str | None = None
    """Only this symbol's; None: every symbol."""


Request = (NewOrderSingle | OrderCancelRequest | OrderCancelReplaceRequest | OrderStatusRequest
           | OrderMassStatusRequest)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutionReport:
    """FIX 35=8: one state change of one order, for one owner."""

    exec_id: str
    """Unique, from the exchange's deterministic sequence (ExecID 17)."""
    exec_type: ExecType
    """What happened (ExecType 150)."""
    ord_status: OrdStatus
    """The order's status after it (OrdStatus 39); PENDING_* on pending acknowledgements."""
    owner: str
    """Who to send it to."""
    order_id: str
    """Venue id of the order; "NONE" when a new order was rejected or is unknown."""
    cl_ord_id: str
    """The order's current ClOrdID (the request's, on pending and cancel/replace reports)."""
    orig_cl_ord_id: str | None
    """Set on cancel/replace (and their pending) reports: the ClOrdID being replaced."""
    account: str
    """As on the order."""
    symbol: str
    """As on the order (or the request, for a reject)."""
    side: Side
    """As on the order (or the request, for a reject)."""
    ord_type: OrdType | None
    """None only on the status report of an unknown order (as is ``tif``)."""
    tif: TimeInForce | None
    """The order's TimeInForce."""
    order_qty: int
    """The order's total quantity, after any replace."""
    price: int | None
    """The order's limit price in ticks; None for market orders."""
    cum_qty: int
    """Executed so far (CumQty 14)."""
    leaves_qty: int
    """Still open for execution (LeavesQty 151); 0 once the order is done."""
    avg_px: float
    """Ticks (the FIX layer multiplies by the tick size)."""
    transact_time_ns: int
    """From the injected clock (TransactTime 60)."""
    last_qty: int = 0
    """Trade, bust and correct reports: the quantity of that execution (the new one for a correct)."""
    last_px: int | None = None
    """Trade, bust and correct reports: the price of that execution, in ticks."""
    exec_ref_id: str | None = None
    """Bust/correct: the ExecID of this side's execution being cancelled or corrected."""
    trade_id: str | None = None
    """Trade, bust and correct: shared by the two sides of one trade (TrdMatchID 880)."""
    liquidity: LiquidityInd | None = None
    """Trade reports: whether this side added or removed liquidity, or traded in the auction."""
    text: str = ""
    """Why: reject, cancel, expiry and venue-action reports always say."""
    reject_reason: OrdRejReason | None = None
    """Rejects (and status of an unknown order): OrdRejReason 103."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelReject:
    """FIX 35=9: a cancel or cancel/replace request the engine refused."""

    owner: str
    cl_ord_id: str
    """The request's ClOrdID."""
    orig_cl_ord_id: str | None
    """The order's current ClOrdID when it is known, else what the request named."""
    order_id: str
    """"NONE" when the order is unknown."""
    ord_status: OrdStatus
    """The order's status; REJECTED when the order is unknown."""
    response_to: CxlRejResponseTo
    """Whether a cancel or a cancel/replace was refused (CxlRejResponseTo 434)."""
    reason: CxlRejReason
    """CxlRejReason 102."""
    text: str
    """Why, in words."""
    transact_time_ns: int
    """From the injected clock."""


Report = ExecutionReport | CancelReject


@dataclass(frozen=True, slots=True)
class TradePrint:
    """One trade as the market-data publisher sees it (see `trade_prints`)."""

    symbol: str
    trade_id: str
    """The trade_id both sides' reports carry."""
    price: int
    """Ticks."""
    qty: int
    aggressor: Side | None
    """The side that took liquidity; None for an auction trade."""
    transact_time_ns: int
    """From the injected clock."""


def trade_prints(reports: list[Report]) -> list[TradePrint]:
    """The trades among ``reports``, one per trade (not per side), in order."""
    prints = []
    for r in reports:
        if not isinstance(r, ExecutionReport) or r.exec_type is not ExecType.TRADE:
            continue
        if r.liquidity is LiquidityInd.REMOVED:
            prints.append(TradePrint(r.symbol, r.trade_id, r.last_px, r.last_qty, r.side, r.transact_time_ns))
        elif r.liquidity is LiquidityInd.AUCTION and r.side is Side.BUY:
            prints.append(TradePrint(r.symbol, r.trade_id, r.last_px, r.last_qty, None, r.transact_time_ns))
    return prints
