"""FIX vocabulary for orders: each member's value is its FIX code, `label` its human name.

Members are `str` subclasses whose value is the code on the wire, so they
serialise to JSON as that code. `parse` accepts a member, a code (str or int)
or a label, because decoders and operators spell the same thing differently.
"""
from __future__ import annotations

from enum import Enum
from functools import cache
from typing import Any, TypeVar

E = TypeVar("E", bound="FixEnum")


class FixEnum(str, Enum):
    label: str

    def __new__(cls, code: str, label: str) -> FixEnum:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member

    @property
    def code(self) -> str:
        return self.value

    @classmethod
    def parse(cls: type[E], value: Any) -> E:
        if isinstance(value, cls):
            return value
        text = str(value)
        member = cls._value2member_map_.get(text) or _by_label(cls).get(text.lower())
        if member is None:
            raise ValueError(f"{cls.__name__}: unknown FIX value {value!r}")
        return member

    def __str__(self) -> str:
        return self.label


@cache
def _by_label(cls: type[E]) -> dict[str, E]:
    return {member.label.lower(): member for member in cls}


class OrdStatus(FixEnum):
    """Tag 39: the order's state as the venue sees it."""
    NEW = "0", "New"
    PARTIALLY_FILLED = "1", "PartiallyFilled"
    FILLED = "2", "Filled"
    DONE_FOR_DAY = "3", "DoneForDay"
    CANCELED = "4", "Canceled"
    REPLACED = "5", "Replaced"
    PENDING_CANCEL = "6", "PendingCancel"
    STOPPED = "7", "Stopped"
    REJECTED = "8", "Rejected"
    SUSPENDED = "9", "Suspended"
    PENDING_NEW = "A", "PendingNew"
    CALCULATED = "B", "Calculated"
    EXPIRED = "C", "Expired"
    ACCEPTED_FOR_BIDDING = "D", "AcceptedForBidding"
    PENDING_REPLACE = "E", "PendingReplace"


class ExecType(FixEnum):
    """Tag 150: why this execution report was sent."""
    NEW = "0", "New"
    PARTIAL_FILL = "1", "PartialFill"  # FIX 4.2 only; a trade in 4.4 terms
    FILL = "2", "Fill"  # FIX 4.2 only; a trade in 4.4 terms
    DONE_FOR_DAY = "3", "DoneForDay"
    CANCELED = "4", "Canceled"
    REPLACED = "5", "Replaced"
    PENDING_CANCEL = "6", "PendingCancel"
    STOPPED = "7", "Stopped"
    REJECTED = "8", "Rejected"
    SUSPENDED = "9", "Suspended"
    PENDING_NEW = "A", "PendingNew"
    CALCULATED = "B", "Calculated"
    EXPIRED = "C", "Expired"
    RESTATED = "D", "Restated"
    PENDING_REPLACE = "E", "PendingReplace"
    TRADE = "F", "Trade"
    TRADE_CORRECT = "G", "TradeCorrect"
    TRADE_CANCEL = "H", "TradeCancel"
    ORDER_STATUS = "I", "OrderStatus"

    @property
    def normalized(self) -> ExecType:
        """The FIX 4.4 meaning: 4.2's PartialFill and Fill are both a Trade."""
        return ExecType.TRADE if self in (ExecType.PARTIAL_FILL, ExecType.FILL) else self


class ExecTransType(FixEnum):
    """Tag 20 (FIX 4.2): in 4.4 busts, corrections and status became ExecTypes H, G, I."""
    NEW = "0", "New"
    CANCEL = "1", "Cancel"
    CORRECT = "2", "Correct"
    STATUS = "3", "Status"


class Side(FixEnum):
    """Tag 54."""
    BUY = "1", "Buy"
    SELL = "2", "Sell"
    BUY_MINUS = "3", "BuyMinus"
    SELL_PLUS = "4", "SellPlus"
    SELL_SHORT = "5", "SellShort"
    SELL_SHORT_EXEMPT = "6", "SellShortExempt"
    UNDISCLOSED = "7", "Undisclosed"
    CROSS = "8", "Cross"
    CROSS_SHORT = "9", "CrossShort"

    @property
    def sign(self) -> int:
        """+1 for sides that add to a position, -1 for sides that reduce it."""
        if self in (Side.BUY, Side.BUY_MINUS):
            return 1
        if self in (Side.SELL, Side.SELL_PLUS, Side.SELL_SHORT, Side.SELL_SHORT_EXEMPT):
            return -1
        raise ValueError(f"side {self.label} has no position direction")


class OrdType(FixEnum):
    """Tag 40."""
    MARKET = "1", "Market"
    LIMIT = "2", "Limit"
    STOP = "3", "Stop"
    STOP_LIMIT = "4", "StopLimit"
    MARKET_ON_CLOSE = "5", "MarketOnClose"
    WITH_OR_WITHOUT = "6", "WithOrWithout"
    LIMIT_OR_BETTER = "7", "LimitOrBetter"
    LIMIT_WITH_OR_WITHOUT = "8", "LimitWithOrWithout"
    ON_BASIS = "9", "OnBasis"
    ON_CLOSE = "A", "OnClose"
    LIMIT_ON_CLOSE = "B", "LimitOnClose"
    FOREX_MARKET = "C", "ForexMarket"
    PREVIOUSLY_QUOTED = "D", "PreviouslyQuoted"
    PREVIOUSLY_INDICATED = "E", "PreviouslyIndicated"
    FOREX_LIMIT = "F", "ForexLimit"
    FOREX_SWAP = "G", "ForexSwap"
    FOREX_PREVIOUSLY_QUOTED = "H", "ForexPreviouslyQuoted"
    FUNARI = "I", "Funari"
    MARKET_IF_TOUCHED = "J", "MarketIfTouched"
    MARKET_WITH_LEFTOVER_AS_LIMIT = "K", "MarketWithLeftoverAsLimit"
    PEGGED = "P", "Pegged"

    @property
    def needs_price(self) -> bool:
        return self in (OrdType.LIMIT, OrdType.STOP_LIMIT, OrdType.LIMIT_OR_BETTER,
                        OrdType.LIMIT_WITH_OR_WITHOUT, OrdType.LIMIT_ON_CLOSE, OrdType.FOREX_LIMIT)


class TimeInForce(FixEnum):
    """Tag 59."""
    DAY = "0", "Day"
    GOOD_TILL_CANCEL = "1", "GoodTillCancel"
    AT_THE_OPENING = "2", "AtTheOpening"
    IMMEDIATE_OR_CANCEL = "3", "ImmediateOrCancel"
    FILL_OR_KILL = "4", "FillOrKill"
    GOOD_TILL_CROSSING = "5", "GoodTillCrossing"
    GOOD_TILL_DATE = "6", "GoodTillDate"
    AT_THE_CLOSE = "7", "AtTheClose"


class CxlRejResponseTo(FixEnum):
    """Tag 434: which request an OrderCancelReject answers."""
    CANCEL = "1", "cancel"
    REPLACE = "2", "replace"


CXL_REJ_REASONS = {
    0: "too late to cancel", 1: "unknown order", 2: "broker/exchange option",
    3: "order already pending cancel or replace", 4: "unable to process mass cancel",
    5: "OrigOrdModTime mismatch", 6: "duplicate ClOrdID", 18: "invalid price increment", 99: "other",
}
"""Tag 102 CxlRejReason, as an operator would say it."""

ORD_REJ_REASONS = {
    0: "broker/exchange option", 1: "unknown symbol", 2: "exchange closed", 3: "order exceeds limit",
    4: "too late to enter", 5: "unknown order", 6: "duplicate order", 7: "duplicate of a verbal order",
    8: "stale order", 9: "trade along required", 10: "invalid investor id",
    11: "unsupported order characteristic", 12: "surveillance option", 13: "incorrect quantity",
    14: "incorrect allocated quantity", 15: "unknown account", 18: "invalid price increment", 99: "other",
}
"""Tag 103 OrdRejReason."""

TERMINAL = frozenset({OrdStatus.FILLED, OrdStatus.CANCELED, OrdStatus.REJECTED, OrdStatus.EXPIRED})
"""Statuses after which the venue will not work the order again (a bust may still reopen it)."""

PENDING = frozenset({OrdStatus.PENDING_CANCEL, OrdStatus.PENDING_REPLACE})
"""Statuses that describe a request in flight rather than the order itself."""
