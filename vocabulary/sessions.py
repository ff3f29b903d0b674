"""Between the OMS and a broker session: the FIX messages to send, and what the session reports.

The commands are named after the FIX messages a session sends for them, and carry FIX codes
(Side "1" buy, OrdType "2" limit, TimeInForce "0" DAY ...), so one command set serves FIX 4.4
and 4.2 alike; the session's codec handles the dialect.
"""
from __future__ import annotations

from vigil.wire import Message
from vocabulary.rejects import VenueReject
from vocabulary.reports import ExecutionReport, OrderCancelReject


class NewOrderSingle(Message, frozen=True):
    """NewOrderSingle (35=D)."""

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


class OrderCancelRequest(Message, frozen=True):
    """OrderCancelRequest (35=F)."""

    cl_ord_id: str
    """ClOrdID of this cancel request."""
    orig_cl_ord_id: str
    """The order's current ClOrdID."""
    order_id: str | None
    symbol: str
    side: str
    qty: str


class OrderCancelReplaceRequest(Message, frozen=True):
    """OrderCancelReplaceRequest (35=G): the order's terms as they are to be."""

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


class OrderStatusRequest(Message, frozen=True):
    """OrderStatusRequest (35=H) for one order."""

    cl_ord_id: str
    order_id: str | None
    symbol: str
    side: str


class OrderMassStatusRequest(Message, frozen=True):
    """OrderMassStatusRequest (35=AF, FIX 4.4): the status of every open order of the session."""

    req_id: str
    """MassStatusReqID (584): the answers carry it, the last with LastRptRequested (912=Y)."""


class GetSessionStatus(Message, frozen=True):
    """Answered with a SessionStatus."""


class SessionStatus(Message, frozen=True):
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
    reconcile: str = "mass_status"
    """How the OMS learns what became of its orders after a logon: mass_status or per_order."""


class FromVenue(Message, frozen=True):
    """A decoded venue message for the OMS."""

    session: str
    record: ExecutionReport | OrderCancelReject | VenueReject
    mass_status_req_id: str | None = None
    """MassStatusReqID (584) of a report answering a mass status request."""
    last_of_mass_status: bool = False
    """LastRptRequested (912=Y): the last answer to that request."""


class TradingStatus(Message, frozen=True):
    """The venue halted or resumed trading in a symbol (FIX SecurityStatus, 35=f)."""

    session: str
    symbol: str
    halted: bool
    text: str


class NotSent(Message, frozen=True):
    """A command the session could not put on the wire (not logged on, encoding failed)."""

    session: str
    cl_ord_id: str
    reason: str
