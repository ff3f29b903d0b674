"""What operators ask of the OMS besides orders: its books, its routing, halts, corporate actions."""
from __future__ import annotations

from typing import Any

from vigil.wire import Message


class GetOrders(Message, frozen=True):
    """Answered with a Listing of orders."""

    open_only: bool = False


class GetPositions(Message, frozen=True):
    """Answered with a Listing of positions per account, strategy and symbol."""


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
