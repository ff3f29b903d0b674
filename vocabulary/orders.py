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
    client_id: str | None = None
    """The sender's own id for the order (a strategy logs it before it sends). A second SubmitOrder of the
    same strategy with the same client_id is the same order: answered as the first was, never sent twice."""


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
    client_id: str | None = None
    """The SubmitOrder's client_id, when it named one: which of the sender's orders this answers."""


class OrderAcknowledged(Message, frozen=True):
    """The venue's first answer to an order sent with wait_ack."""

    cl_ord_id: str
    status: str
    """FIX OrdStatus name after that answer (New, Rejected, Filled...)."""
    reason: str | None = None


class OrderDenied(Message, frozen=True):
    """The OMS did not take a SubmitOrder that named a client_id; nothing was sent (the answer to it)."""

    client_id: str
    strategy: str
    symbol: str
    reason: str


class OrderUpdate(Message, frozen=True):
    """What became of an order, sent to the strategy that watches its orders (WatchOrders) at every
    change: acknowledged, filled, replaced, cancelled, rejected, denied. Quantities and prices are
    decimal text."""

    cl_ord_id: str
    """The order's current ClOrdID."""
    root_cl_ord_id: str
    """Its first ClOrdID, the one OrderAccepted named."""
    client_id: str | None
    strategy: str
    account: str
    symbol: str
    side: str
    """Buy or Sell."""
    qty: str
    price: str | None
    status: str
    """FIX OrdStatus name: PendingNew, New, PartiallyFilled, Filled, Canceled, Rejected..."""
    cum_qty: str
    leaves_qty: str
    avg_px: str
    reason: str | None
    """The last reject, cancel or denial reason, in words."""
    is_open: bool
    uncertain: bool = False
    """The OMS does not know what became of it yet (its session is down or reconciling)."""


class WatchOrders(Message, frozen=True):
    """Send me an OrderUpdate for every change to this strategy's orders (one watcher per strategy: the
    newest). Answered at once with a StrategyBook, how its orders and positions stand now, and with a
    StrategyState whenever the trading state that applies to it (in `book`) changes. Sent again as a
    keepalive (full False), it is answered only if the sender was not the watcher (an OMS restarted since
    has forgotten it, and the watcher may have missed updates)."""

    strategy: str
    book: str = ""
    full: bool = True


class StrategyBook(Message, frozen=True):
    strategy: str
    orders: tuple[OrderUpdate, ...]
    """Every order of the strategy the OMS holds, open or not."""
    positions: tuple[dict[str, str], ...]
    """Its positions: account, symbol, qty, avg_px, realized_pnl (decimal text)."""
    state: str = "ACTIVE"
    """The trading state that applies to it (ACTIVE, REDUCING, HALTED), and why."""
    state_reason: str | None = None


class StrategyState(Message, frozen=True):
    """The trading state that applies to a strategy changed (a person, the gateway, a kill)."""

    strategy: str
    state: str
    reason: str | None
