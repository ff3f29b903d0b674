"""What operators and strategies ask of the OMS, and its answers."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NewOrder:
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


@dataclass(frozen=True)
class Acknowledged:
    """The venue's first answer to an order sent with wait_ack."""

    cl_ord_id: str
    status: str
    """FIX OrdStatus name after that answer (New, Rejected, Filled...)."""
    reason: str | None = None


@dataclass(frozen=True)
class CancelOrderCommand:
    cl_ord_id: str


@dataclass(frozen=True)
class ReplaceOrderCommand:
    cl_ord_id: str
    qty: str | None = None
    price: str | None = None


@dataclass(frozen=True)
class Accepted:
    cl_ord_id: str
    """The new order's ClOrdID, or the cancel/replace request's."""
    session: str


@dataclass(frozen=True)
class GetOrders:
    open_only: bool = False


@dataclass(frozen=True)
class GetPositions:
    pass


@dataclass(frozen=True)
class Listing:
    """Rows of JSON-ready dicts (orders or positions)."""

    rows: tuple[dict, ...]


@dataclass(frozen=True)
class GetRouting:
    """Which sessions take new orders now (logged on and reconciled)."""


@dataclass(frozen=True)
class HaltSymbol:
    """Stop new orders (and replaces) in a symbol; cancels still go through."""

    symbol: str
    reason: str


@dataclass(frozen=True)
class ResumeSymbol:
    symbol: str


@dataclass(frozen=True)
class GetHalts:
    """Answered with a Listing: symbol, reason, since (UTC ns)."""


@dataclass(frozen=True)
class GetCorporateActions:
    """Answered with a Listing: every known action, applied or not, and orders still to adjust."""


@dataclass(frozen=True)
class ReloadCorporateActions:
    """Read the corporate-actions file again (a bad file is refused and the old list kept)."""
