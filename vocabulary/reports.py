"""What the venue says about an order: ExecutionReport (35=8) and OrderCancelReject (35=9).

Both are frozen records decoded from FIX 4.4 or 4.2 by the broker session and sent to
the OMS (vocabulary.sessions.FromVenue). Each is also the event the OMS logs: `to_dict()`
is JSON-compatible and carries an "event" key, `from_dict()` reads it back. Constructors
coerce: codes, labels or members for the enums; str, int, float or Decimal for quantities
and prices.
"""
from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any

from msgspec.structs import force_setattr

from vigil.wire import Message
from vocabulary.fix_codes import (
    CXL_REJ_REASONS,
    ORD_REJ_REASONS,
    CxlRejResponseTo,
    ExecTransType,
    ExecType,
    OrdStatus,
    Side,
)
from vocabulary.numbers import opt_dec, to_json

_DECIMALS = ("order_qty", "price", "last_qty", "last_px", "cum_qty", "leaves_qty", "avg_px")


def _opt_int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


class ExecutionReport(Message, frozen=True, kw_only=True):
    exec_id: str
    """ExecID (17). Unique per venue for everything but status reports, which send "0"."""
    exec_type: ExecType
    """ExecType (150) as received; `kind` gives its FIX 4.4 meaning."""
    ord_status: OrdStatus
    """OrdStatus (39): the order's state at the venue after this report."""
    cl_ord_id: str | None = None
    """ClOrdID (11): the order, or the cancel/replace request, this report answers."""
    orig_cl_ord_id: str | None = None
    """OrigClOrdID (41): the ClOrdID a cancel or replace refers to."""
    order_id: str | None = None
    """OrderID (37): the venue's id, constant across replaces."""
    symbol: str | None = None
    """Symbol (55)."""
    side: Side | None = None
    """Side (54)."""
    order_qty: Decimal | None = None
    """OrderQty (38): the venue's order quantity (the new one once a replace is accepted)."""
    price: Decimal | None = None
    """Price (44)."""
    last_qty: Decimal | None = None
    """LastQty (32; LastShares in 4.2): quantity of this fill, or of the corrected fill."""
    last_px: Decimal | None = None
    """LastPx (31): price of this fill."""
    cum_qty: Decimal | None = None
    """CumQty (14): quantity filled over the order's life, after this report."""
    leaves_qty: Decimal | None = None
    """LeavesQty (151): quantity still working."""
    avg_px: Decimal | None = None
    """AvgPx (6): average price of all fills."""
    exec_ref_id: str | None = None
    """ExecRefID (19): the fill a bust or correction refers to."""
    exec_trans_type: ExecTransType | None = None
    """ExecTransType (20), FIX 4.2 only: Cancel, Correct and Status there mean 4.4's H, G and I."""
    text: str | None = None
    """Text (58)."""
    ord_rej_reason: int | None = None
    """OrdRejReason (103)."""
    poss_dup: bool = False
    """PossDupFlag (43) or PossResend (97): possibly seen before; ExecID decides."""
    transact_time: str | int | None = None
    """TransactTime (60): the FIX timestamp text or nanoseconds since the epoch."""

    def __post_init__(self) -> None:
        if not isinstance(self.exec_id, str) or not self.exec_id:
            raise ValueError(f"ExecutionReport.exec_id must be a non-empty string, got {self.exec_id!r}")
        force_setattr(self, "exec_type", ExecType.parse(self.exec_type))
        force_setattr(self, "ord_status", OrdStatus.parse(self.ord_status))
        if self.side is not None:
            force_setattr(self, "side", Side.parse(self.side))
        if self.exec_trans_type is not None:
            force_setattr(self, "exec_trans_type", ExecTransType.parse(self.exec_trans_type))
        for name in _DECIMALS:
            force_setattr(self, name, opt_dec(getattr(self, name)))
        force_setattr(self, "ord_rej_reason", _opt_int(self.ord_rej_reason))
        force_setattr(self, "poss_dup", bool(self.poss_dup))

    @property
    def kind(self) -> ExecType:
        """What happened, in FIX 4.4 terms: 4.2 fills are trades, 4.2 ExecTransType folded in."""
        if self.exec_trans_type is ExecTransType.CANCEL:
            return ExecType.TRADE_CANCEL
        if self.exec_trans_type is ExecTransType.CORRECT:
            return ExecType.TRADE_CORRECT
        if self.exec_trans_type is ExecTransType.STATUS:
            return ExecType.ORDER_STATUS
        return self.exec_type.normalized

    @property
    def is_trade(self) -> bool:
        return self.kind is ExecType.TRADE

    @property
    def reason(self) -> str | None:
        """The reject reason or text, in words."""
        parts = [ORD_REJ_REASONS.get(self.ord_rej_reason, f"reason {self.ord_rej_reason}")
                 if self.ord_rej_reason is not None else None, self.text]
        return ": ".join(p for p in parts if p) or None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"event": "execution_report"}
        for name in self.__struct_fields__:
            value = getattr(self, name)
            out[name] = to_json(value) if name in _DECIMALS else (
                value.value if isinstance(value, Enum) else value)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExecutionReport:
        return cls(**{k: v for k, v in data.items() if k != "event"})


class OrderCancelReject(Message, frozen=True, kw_only=True):
    cl_ord_id: str
    """ClOrdID (11) of the cancel or replace request that was refused."""
    orig_cl_ord_id: str | None = None
    """OrigClOrdID (41): the order's last accepted ClOrdID."""
    order_id: str | None = None
    """OrderID (37); "NONE" when the venue does not know the order."""
    ord_status: OrdStatus | None = None
    """OrdStatus (39): the order's state at the venue, now that the request failed."""
    response_to: CxlRejResponseTo = CxlRejResponseTo.CANCEL
    """CxlRejResponseTo (434): "cancel" (1) or "replace" (2)."""
    cxl_rej_reason: int | None = None
    """CxlRejReason (102), e.g. 0 too late to cancel, 1 unknown order."""
    text: str | None = None
    """Text (58)."""

    def __post_init__(self) -> None:
        if not isinstance(self.cl_ord_id, str) or not self.cl_ord_id:
            raise ValueError(f"OrderCancelReject.cl_ord_id must be a non-empty string, got {self.cl_ord_id!r}")
        if self.ord_status is not None:
            force_setattr(self, "ord_status", OrdStatus.parse(self.ord_status))
        force_setattr(self, "response_to", CxlRejResponseTo.parse(self.response_to))
        force_setattr(self, "cxl_rej_reason", _opt_int(self.cxl_rej_reason))

    @property
    def reason(self) -> str:
        code = self.cxl_rej_reason
        parts = [f"{self.response_to.label} rejected",
                 CXL_REJ_REASONS.get(code, f"reason {code}") if code is not None else None, self.text]
        return ": ".join(p for p in parts if p)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"event": "order_cancel_reject"}
        for name in self.__struct_fields__:
            value = getattr(self, name)
            out[name] = value.value if isinstance(value, Enum) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OrderCancelReject:
        return cls(**{k: v for k, v in data.items() if k != "event"})

