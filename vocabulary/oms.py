"""What operators ask of the OMS besides orders: its books, its routing, halts, corporate actions."""
from __future__ import annotations

from typing import Any

from vigil.wire import Message


class GetOrders(Message, frozen=True):
    """Answered with a Listing of orders."""

    open_only: bool = False


class GetPositions(Message, frozen=True):
    """Answered with a Listing of positions per account, strategy and symbol."""


class GetBookPosition(Message, frozen=True):
    """How one strategy stands in one symbol of one book: answered with a BookPosition."""

    strategy: str
    account: str
    symbol: str
    ref: str = ""
    """The asker's reference, echoed in the answer (the signal intake's signal id)."""


class BookPosition(Message, frozen=True):
    """The answer to GetBookPosition, as the OMS's book stands when it handles it: what is filled, and what
    its open orders may still add. The OMS handles a sender's messages in order, so an order that sender
    submitted before asking is in `working`."""

    strategy: str
    account: str
    symbol: str
    qty: str
    """The position (signed, + long), decimal text: its fills."""
    working: str
    """The leaves of its open orders (uncertain ones included), signed (+ buys), decimal text."""
    ref: str = ""


class Listing(Message, frozen=True):
    """Rows of JSON-ready dicts (orders, positions, halts, corporate actions, routes)."""

    rows: tuple[dict[str, Any], ...]


class GetRouting(Message, frozen=True):
    """Which sessions take new orders now (logged on and reconciled), and which are reconciling."""


class HaltSymbol(Message, frozen=True):
    """Stop new orders (and replaces) in a symbol; cancels still go through."""

    symbol: str
    reason: str


class ResumeSymbol(Message, frozen=True):
    symbol: str


class GetHalts(Message, frozen=True):
    """Answered with a Listing: symbol, reason, by, since (UTC ns)."""


class GetCorporateActions(Message, frozen=True):
    """Answered with a Listing: every known action, applied or not, and orders still to adjust."""


class ReloadCorporateActions(Message, frozen=True):
    """Read the corporate-actions file again (a bad file is refused and the old list kept)."""
