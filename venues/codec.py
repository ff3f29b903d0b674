"""The venue's side of FIX: requests from FIX messages, FIX messages from engine reports.

Prices cross the wire as decimals and live in the engine as integer ticks.
FIX 4.2 differs from 4.4 in what the engine reports need: fills are
ExecType 1/2 (not F), busts and corrections are ExecTransType 1/2, a status
is ExecTransType 3, and some reason codes do not exist (mapped to "broker
option" with the reason in Text).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import quickfix as fix

from venues.engine import (
    CancelReject,
    ExecType,
    ExecutionReport,
    NewOrderSingle,
    OrderCancelReplaceRequest,
    OrderCancelRequest,
    OrderMassStatusRequest,
    OrderStatusRequest,
    OrdStatus,
    OrdType,
    Side,
    SymbolSpec,
    TimeInForce,
    VenueError,
)
from vigil.fix.fields import new_message, set_fields

FIX42 = "FIX.4.2"
SUPPORTED_ORD_TYPES = {t.value for t in OrdType}
SUPPORTED_TIFS = {t.value for t in TimeInForce}
_42_ORD_REJ = {0, 1, 2, 3, 4, 5, 6}
_42_CXL_REJ = {0, 1, 2, 3}
_42_EXEC_TRANS = {ExecType.TRADE_CANCEL: "1", ExecType.TRADE_CORRECT: "2", ExecType.ORDER_STATUS: "3"}


@dataclass(frozen=True)
class Unsupported(VenueError):
    """A field the venue refuses: answered with a session-level Reject (35=3)."""

    tag: int
    value: str
    text: str
    reason: int = 5  # SessionRejectReason: value is incorrect (out of range) for this tag


def _ticks(message: Mapping[int, str], tag: int, spec: SymbolSpec | None) -> int | None:
    text = message.get(tag, "")
    if not text:
        return None
    if spec is None:
        return 0  # unknown symbol: the engine rejects the order with the right code
    try:
        ticks = float(text) / spec.tick_size
    except ValueError:
        raise Unsupported(tag, text, "not a number") from None
    if abs(ticks - round(ticks)) > 1e-6:
        raise Unsupported(tag, text, f"not a multiple of the tick size {spec.tick_size:g}")
    return round(ticks)


def _qty(message: Mapping[int, str], tag: int = 38) -> int | None:
    text = message.get(tag, "")
    if not text:
        return None
    try:
        qty = float(text)
    except ValueError:
        raise Unsupported(tag, text, "not a number") from None
    if qty != int(qty):
        raise Unsupported(tag, text, "not a whole quantity")
    return int(qty)


def _check(message: Mapping[int, str], tag: int, allowed: set[str], default: str) -> str:
    value = message.get(tag, default)
    if value not in allowed:
        raise Unsupported(tag, value, "")
    return value


def request(message: Mapping[int, str], owner: str, specs: dict[str, SymbolSpec]):
    """The engine request for an application message (its fields: `vigil.fix.fields.fields_of`);
    None for a type the venue ignores."""
    msg_type = message.get(35, "")
    symbol = message.get(55, "")
    spec = specs.get(symbol)
    order_id = message.get(37, "")
    order_id = None if order_id in ("", "NONE") else order_id
    if msg_type == "D":
        return NewOrderSingle(owner=owner, cl_ord_id=message.get(11, ""), symbol=symbol, side=Side(message.get(54, "")),
                              order_qty=_qty(message) or 0,
                              ord_type=OrdType(_check(message, 40, SUPPORTED_ORD_TYPES, "2")),
                              price=_ticks(message, 44, spec), tif=TimeInForce(_check(message, 59, SUPPORTED_TIFS, "0")),
                              account=message.get(1, ""))
    if msg_type == "F":
        return OrderCancelRequest(owner=owner, cl_ord_id=message.get(11, ""), orig_cl_ord_id=message.get(41, "") or None,
                                  order_id=order_id, symbol=symbol or None)
    if msg_type == "G":
        _check(message, 40, SUPPORTED_ORD_TYPES, "2")
        return OrderCancelReplaceRequest(owner=owner, cl_ord_id=message.get(11, ""),
                                         orig_cl_ord_id=message.get(41, "") or None, order_id=order_id,
                                         symbol=symbol or None, order_qty=_qty(message),
                                         price=_ticks(message, 44, spec))
    if msg_type == "H":
        return OrderStatusRequest(owner=owner, cl_ord_id=message.get(11, "") or None, order_id=order_id,
                                  symbol=symbol, side=Side(message.get(54, "1")))
    if msg_type == "AF":
        return OrderMassStatusRequest(owner=owner, symbol=symbol or None)
    return None


def price_text(ticks: int | float | None, spec: SymbolSpec) -> str:
    """A price in ticks as the FIX reports write it: 10007 ticks of 0.01 is "100.07", not the product's
    100.07000000000001 ("" for none)."""
    return f"{ticks * spec.tick_size:.10g}" if ticks is not None else ""


def execution_report(r: ExecutionReport, spec: SymbolSpec, begin_string: str) -> fix.Message:
    m = new_message("8")
    exec_type, ord_status, reason = r.exec_type.value, r.ord_status.value, r.reject_reason
    text = r.text
    if begin_string == FIX42:
        m.setField(20, _42_EXEC_TRANS.get(r.exec_type, "0"))
        if r.exec_type in _42_EXEC_TRANS:  # 4.2 says what changed through ExecTransType
            exec_type = ord_status
        if r.exec_type is ExecType.TRADE:
            exec_type = "2" if r.ord_status is OrdStatus.FILLED else "1"
        if reason is not None and reason.value not in _42_ORD_REJ:
            reason, text = 0, text or reason.name.lower().replace("_", " ")
    set_fields(m, ((37, r.order_id), (11, r.cl_ord_id), (41, r.orig_cl_ord_id), (17, r.exec_id),
                   (150, exec_type), (39, ord_status), (1, r.account), (55, r.symbol), (54, r.side.value),
                   (38, r.order_qty), (40, r.ord_type.value if r.ord_type else None),
                   (44, price_text(r.price, spec)), (59, r.tif.value if r.tif else None),
                   (14, r.cum_qty), (151, r.leaves_qty), (6, price_text(r.avg_px, spec) or "0"),
                   (19, r.exec_ref_id), (58, text)))
    if r.last_qty or r.exec_type in (ExecType.TRADE, ExecType.TRADE_CORRECT, ExecType.TRADE_CANCEL):
        set_fields(m, ((32, r.last_qty), (31, price_text(r.last_px, spec) or "0")))
    if reason is not None:
        m.setField(103, str(int(reason.value if hasattr(reason, "value") else reason)))
    if begin_string != FIX42 and r.trade_id:
        m.setField(880, r.trade_id)
    m.setField(fix.TransactTime())
    return m


def cancel_reject(r: CancelReject, begin_string: str) -> fix.Message:
    m = new_message("9")
    reason, text = r.reason.value, r.text
    if begin_string == FIX42 and reason not in _42_CXL_REJ:
        reason = 2  # broker option; the reason stays in Text
    set_fields(m, ((11, r.cl_ord_id), (41, r.orig_cl_ord_id or r.cl_ord_id), (37, r.order_id or "NONE"),
                   (39, r.ord_status.value), (434, r.response_to.value), (102, reason), (58, text)))
    return m


def session_reject(inbound: Mapping[int, str], problem: Unsupported) -> fix.Message:
    m = new_message("3")
    set_fields(m, ((45, inbound.get(34, "")), (371, problem.tag), (372, inbound.get(35, "")),
                   (373, problem.reason), (58, problem.text)))
    return m


def empty_mass_status(req_id: str) -> fix.Message:
    """FIX 4.4 answer to a mass status request when the owner has no open order."""
    m = new_message("8")
    set_fields(m, ((37, "NONE"), (17, "0"), (150, "I"), (39, "0"), (55, "[N/A]"), (54, "1"), (14, "0"),
                   (151, "0"), (6, "0"), (584, req_id), (911, "0"), (912, "Y")))
    return m


def mass_status_refused(inbound: Mapping[int, str], business: bool) -> fix.Message:
    """What a counterparty without OrderMassStatusRequest answers it with: a BusinessMessageReject (35=j,
    BusinessRejectReason 3 unsupported message type) or a session Reject (35=3, reason 11 invalid MsgType)."""
    text = "OrderMassStatusRequest is not supported"
    if business:
        m = new_message("j")
        set_fields(m, ((45, inbound.get(34, "")), (372, "AF"), (379, inbound.get(584, "")), (380, 3), (58, text)))
    else:
        m = new_message("3")
        set_fields(m, ((45, inbound.get(34, "")), (372, "AF"), (373, 11), (58, text)))
    return m


def security_status(symbol: str, halted: bool, text: str) -> fix.Message:
    """SecurityStatus (35=f): SecurityTradingStatus 326 is 2 (trading halt) or 3 (resume), in 4.2 and 4.4."""
    m = new_message("f")
    set_fields(m, ((55, symbol), (326, "2" if halted else "3"), (58, text)))
    return m


def fault_reject(inbound: Mapping[int, str], exec_id: str) -> fix.Message:
    """A NewOrderSingle rejected on purpose (drills): OrdRejReason 0, the reason in Text."""
    m = new_message("8")
    set_fields(m, ((37, "NONE"), (11, inbound.get(11, "")), (17, exec_id), (150, "8"), (39, "8"),
                   (55, inbound.get(55, "")), (54, inbound.get(54, "")), (38, inbound.get(38, "")), (14, "0"),
                   (151, "0"), (6, "0"), (103, "0"), (58, "rejected by the venue (fault injection)")))
    if inbound.get(8, "") == FIX42:
        m.setField(20, "0")
    return m
