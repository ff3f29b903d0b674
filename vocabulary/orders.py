"""Orders as strategies, signals and operators give them to the OMS, and the OMS's answers.

Codes may be words or FIX codes ("buy" or "1"); quantities and prices are decimal text, so
nothing is lost to binary floats on the way. The OMS turns an accepted order into the FIX
messages of `vocabulary.sessions` for the broker session it routes it to.
"""
from __future__ import annotations

from vigil.wire import Message


class SubmitOrder(Message, frozen=True):
    """A new order."""

    symbol: str
    side: str
    """"buy" or "sell" (or the FIX code)."""
    qty: str
    """Decimal text."""
    price: str | None = None
    """Decimal text; required for limit orders."""
    ord_type: str = "limit"
    """"limit" or "market"."""
    tif: str = "DAY"
    """DAY, IOC, FOK or GTC."""
    session: str | None = None
    """Broker session id; None lets the router choose."""
    strategy: str = "manual"
    account: str = ""
    wait_ack: bool = False
    """Answer when the venue has acknowledged (or rejected) the order, not when it is sent."""


class CancelOrder(Message, frozen=True):
    cl_ord_id: str
    """The order's ClOrdID (its first, or its current one)."""


class ReplaceOrder(Message, frozen=True):
    cl_ord_id: str
    qty: str | None = None
    """The new quantity, decimal text; None: unchanged."""
    price: str | None = None
    """The new price, decimal text; None: unchanged."""


class OrderAccepted(Message, frozen=True):
    """The OMS took the order (or the cancel or replace) and sent it to a session."""

    cl_ord_id: str
    """The new order's ClOrdID, or the cancel/replace request's."""
    session: str


class OrderAcknowledged(Message, frozen=True):
    """The venue's first answer to an order sent with wait_ack."""

    cl_ord_id: str
    status: str
    """FIX OrdStatus name after that answer (New, Rejected, Filled...)."""
    reason: str | None = None
