"""Commands the OMS gives a broker session, and what a session tells the OMS.

Codes are FIX's (Side "1" buy, OrdType "2" limit, TimeInForce "0" DAY ...), so
one command set serves FIX 4.4 and 4.2 alike; the session's codec handles
the dialect.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SubmitOrder:
    cl_ord_id: str
    symbol: str
    side: str
    """Side (54): "1" buy, "2" sell."""
    qty: str
    """OrderQty (38), decimal text."""
    ord_type: str = "2"
    """OrdType (40): "1" market, "2" limit."""
    price: str | None = None
    """Price (44), decimal text; None for market orders."""
    tif: str = "0"
    """TimeInForce (59): "0" DAY, "1" GTC, "3" IOC, "4" FOK."""
    account: str = ""


@dataclass(frozen=True)
class CancelOrder:
    cl_ord_id: str
    """ClOrdID of this cancel request."""
    orig_cl_ord_id: str
    """The order's current ClOrdID."""
    order_id: str | None
    symbol: str
    side: str
    qty: str


@dataclass(frozen=True)
class ReplaceOrder:
    cl_ord_id: str
    orig_cl_ord_id: str
    order_id: str | None
    symbol: str
    side: str
    qty: str
    ord_type: str
    price: str | None
    tif: str
    account: str = ""


@dataclass(frozen=True)
class RequestStatus:
    """OrderStatusRequest (35=H) for one order."""

    cl_ord_id: str
    order_id: str | None
    symbol: str
    side: str


@dataclass(frozen=True)
class RequestMassStatus:
    """OrderMassStatusRequest (35=AF, FIX 4.4); a 4.2 session answers with one status request per order."""

    req_id: str
    orders: tuple[RequestStatus, ...] = ()
    """The orders to ask about where mass status is not available."""


@dataclass(frozen=True)
class SessionStatus:
    """A session's state, sent to the OMS on every change and asked for by the CLI."""

    session: str
    """The session actor's id in the topology."""
    logged_on: bool
    begin_string: str
    sender_comp_id: str
    target_comp_id: str
    host: str
    port: int
    next_sender_seq: int
    next_target_seq: int
    last_logon: str
    last_error: str


@dataclass(frozen=True)
class FromVenue:
    """A decoded venue message for the OMS: ExecutionReport, OrderCancelReject or VenueReject."""

    session: str
    record: Any
    mass_status_req_id: str | None = None
    last_of_mass_status: bool = False


@dataclass(frozen=True)
class TradingStatus:
    """The venue halted or resumed trading in a symbol (FIX SecurityStatus, 35=f)."""

    session: str
    symbol: str
    halted: bool
    text: str


@dataclass(frozen=True)
class NotSent:
    """A command the session could not put on the wire (not logged on, encoding failed)."""

    session: str
    cl_ord_id: str
    reason: str


@dataclass(frozen=True)
class GetSessionStatus:
    pass
