"""Vocabulary of the matching engine: enums with FIX values, the instrument spec, the order.

String enums carry the FIX 4.4 code as their value (``ExecType.TRADE == "F"``) and the FIX
name as their member name, so the FIX acceptor sets a field with ``.value`` and nothing
needs a translation table. Prices are integers in ticks of the instrument, quantities are
integers in units (a multiple of the lot size).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, IntEnum, StrEnum


class Side(StrEnum):
    """FIX Side (54)."""

    BUY = "1"
    SELL = "2"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrdType(StrEnum):
    """FIX OrdType (40)."""

    MARKET = "1"
    LIMIT = "2"


class TimeInForce(StrEnum):
    """FIX TimeInForce (59)."""

    DAY = "0"
    GTC = "1"
    IOC = "3"
    FOK = "4"


class Phase(Enum):
    """Trading phase of one symbol; see `Exchange.set_phase` for the allowed transitions."""

    PRE_OPEN = "PRE_OPEN"
    OPENING_AUCTION = "OPENING_AUCTION"
    CONTINUOUS = "CONTINUOUS"
    HALTED = "HALTED"
    CLOSED = "CLOSED"


class ExecType(StrEnum):
    """FIX 4.4 ExecType (150). There is no 1/2 (partial fill/fill) in 4.4: a trade is F."""

    NEW = "0"
    DONE_FOR_DAY = "3"
    CANCELED = "4"
    REPLACED = "5"
    PENDING_CANCEL = "6"
    REJECTED = "8"
    EXPIRED = "C"
    PENDING_REPLACE = "E"
    TRADE = "F"
    TRADE_CORRECT = "G"
    TRADE_CANCEL = "H"
    ORDER_STATUS = "I"


class OrdStatus(StrEnum):
    """FIX OrdStatus (39)."""

    NEW = "0"
    PARTIALLY_FILLED = "1"
    FILLED = "2"
    DONE_FOR_DAY = "3"
    CANCELED = "4"
    PENDING_CANCEL = "6"
    REJECTED = "8"
    EXPIRED = "C"
    PENDING_REPLACE = "E"


OPEN_STATUSES = frozenset({OrdStatus.NEW, OrdStatus.PARTIALLY_FILLED})


class OrdRejReason(IntEnum):
    """FIX OrdRejReason (103), the codes this engine uses.

    11 and 13 do not exist in FIX 4.2: the 4.2 acceptor maps anything above 8 to 0 or 99.
    """

    BROKER_OPTION = 0
    UNKNOWN_SYMBOL = 1
    EXCHANGE_CLOSED = 2
    ORDER_EXCEEDS_LIMIT = 3
    UNKNOWN_ORDER = 5
    DUPLICATE_ORDER = 6
    UNSUPPORTED_ORDER_CHARACTERISTIC = 11
    INCORRECT_QUANTITY = 13
    OTHER = 99


class CxlRejReason(IntEnum):
    """FIX CxlRejReason (102)."""

    TOO_LATE_TO_CANCEL = 0
    UNKNOWN_ORDER = 1
    BROKER_OPTION = 2
    ALREADY_PENDING = 3
    DUPLICATE_CL_ORD_ID = 6
    OTHER = 99


class CxlRejResponseTo(StrEnum):
    """FIX CxlRejResponseTo (434)."""

    CANCEL = "1"
    REPLACE = "2"


class LiquidityInd(StrEnum):
    """FIX LastLiquidityInd (851) on trade reports: who added and who removed liquidity."""

    ADDED = "1"
    REMOVED = "2"
    AUCTION = "4"


@dataclass(frozen=True, slots=True, kw_only=True)
class SymbolSpec:
    """One instrument the exchange lists."""

    tick_size: float
    """Price of one tick; the engine never uses it, the FIX layer converts prices with it."""
    lot_size: int = 1
    """Order quantities must be a positive multiple of this."""
    max_order_qty: int | None = None
    """Larger orders are rejected with ORDER_EXCEEDS_LIMIT (3); None: no limit."""
    reference_price: int | None = None
    """Ticks; the opening auction's tie-break before the symbol has traded, and the
    background flow's starting mid."""

    def __post_init__(self) -> None:
        if not self.tick_size > 0:
            raise ValueError(f"tick_size must be positive, got {self.tick_size!r}")
        if self.lot_size < 1:
            raise ValueError(f"lot_size must be at least 1, got {self.lot_size!r}")
        if self.max_order_qty is not None and self.max_order_qty < self.lot_size:
            raise ValueError(f"max_order_qty {self.max_order_qty} is below lot_size {self.lot_size}")
        if self.reference_price is not None and self.reference_price <= 0:
            raise ValueError(f"reference_price must be positive ticks, got {self.reference_price!r}")


@dataclass(slots=True, kw_only=True, eq=False)
class Order:
    """An order the venue accepted. The exchange owns and mutates it; callers only read it.

    While the order is open, ``cum_qty + leaves_qty == order_qty`` and it rests in its book.
    """

    order_id: str
    cl_ord_id: str
    """The latest accepted ClOrdID (a cancel or replace moves it on)."""
    owner: str
    account: str
    symbol: str
    side: Side
    ord_type: OrdType
    tif: TimeInForce
    order_qty: int
    price: int | None
    cum_qty: int = 0
    leaves_qty: int = 0
    avg_px: float = 0.0
    status: OrdStatus = OrdStatus.NEW
    notional: int = field(default=0, repr=False)
    """Sum of qty * px over its fills, in ticks: avg_px without float drift."""
    stamp: int = field(default=0, repr=False)
    """Time-priority stamp while resting (0 when not in the book); the book's to set."""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def apply_fill(self, qty: int, px: int) -> None:
        self.cum_qty += qty
        self.leaves_qty -= qty
        self.notional += qty * px
        self.avg_px = self.notional / self.cum_qty
        self.status = OrdStatus.FILLED if self.leaves_qty == 0 else OrdStatus.PARTIALLY_FILLED

    def adjust_execution(self, qty_delta: int, notional_delta: int) -> None:
        """Undo or amend part of a past execution (bust/correct); leaves are the caller's."""
        self.cum_qty += qty_delta
        self.notional += notional_delta
        self.avg_px = self.notional / self.cum_qty if self.cum_qty else 0.0
