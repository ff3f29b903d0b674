"""FIX 4.4 / 4.2 messages to and from the OMS's records and the session's commands."""
from __future__ import annotations

from collections.abc import Mapping

import quickfix as fix

from vigil.fix.fields import new_message, set_fields
from vocabulary.rejects import VenueReject
from vocabulary.reports import ExecutionReport, OrderCancelReject
from vocabulary.sessions import NewOrderSingle, OrderCancelReplaceRequest, OrderCancelRequest, OrderStatusRequest

FIX42 = "FIX.4.2"


def _stamp(message: fix.Message, begin_string: str) -> None:
    message.setField(fix.TransactTime())
    if begin_string == FIX42:
        message.setField(21, "1")  # HandlInst: required in 4.2


def new_order_single(cmd: NewOrderSingle, begin_string: str) -> fix.Message:
    m = new_message("D")
    set_fields(m, ((11, cmd.cl_ord_id), (1, cmd.account), (55, cmd.symbol), (54, cmd.side), (38, cmd.qty),
                   (40, cmd.ord_type), (44, cmd.price), (59, cmd.tif)))
    _stamp(m, begin_string)
    return m


def cancel_request(cmd: OrderCancelRequest) -> fix.Message:
    m = new_message("F")
    set_fields(m, ((11, cmd.cl_ord_id), (41, cmd.orig_cl_ord_id), (37, cmd.order_id), (55, cmd.symbol),
                   (54, cmd.side), (38, cmd.qty)))
    m.setField(fix.TransactTime())
    return m


def replace_request(cmd: OrderCancelReplaceRequest, begin_string: str) -> fix.Message:
    m = new_message("G")
    set_fields(m, ((11, cmd.cl_ord_id), (41, cmd.orig_cl_ord_id), (37, cmd.order_id), (1, cmd.account),
                   (55, cmd.symbol), (54, cmd.side), (38, cmd.qty), (40, cmd.ord_type), (44, cmd.price),
                   (59, cmd.tif)))
    _stamp(m, begin_string)
    return m


def status_request(cmd: OrderStatusRequest) -> fix.Message:
    m = new_message("H")
    set_fields(m, ((11, cmd.cl_ord_id), (37, cmd.order_id), (55, cmd.symbol), (54, cmd.side)))
    return m


def mass_status_request(req_id: str) -> fix.Message:
    m = new_message("AF")
    m.setField(584, req_id)
    m.setField(585, "7")  # status for all orders
    return m


# Reports arrive as tag -> value maps (vigil.fix.fields.fields_of), not parsed QuickFIX messages.
def _opt(m: Mapping[int, str], tag: int) -> str | None:
    return m.get(tag) or None


def execution_report(m: Mapping[int, str]) -> ExecutionReport:
    return ExecutionReport(
        exec_id=m.get(17, ""), exec_type=m.get(150, ""), ord_status=m.get(39, ""),
        cl_ord_id=_opt(m, 11), orig_cl_ord_id=_opt(m, 41), order_id=_opt(m, 37), symbol=_opt(m, 55),
        side=_opt(m, 54), order_qty=_opt(m, 38), price=_opt(m, 44), last_qty=_opt(m, 32), last_px=_opt(m, 31),
        cum_qty=_opt(m, 14), leaves_qty=_opt(m, 151), avg_px=_opt(m, 6), exec_ref_id=_opt(m, 19),
        exec_trans_type=_opt(m, 20), text=_opt(m, 58), ord_rej_reason=_opt(m, 103),
        poss_dup=m.get(43) == "Y" or m.get(97) == "Y", transact_time=_opt(m, 60))


def cancel_reject(m: Mapping[int, str]) -> OrderCancelReject:
    return OrderCancelReject(cl_ord_id=m.get(11, ""), orig_cl_ord_id=_opt(m, 41), order_id=_opt(m, 37),
                             ord_status=_opt(m, 39), response_to=m.get(434, "1"),
                             cxl_rej_reason=_opt(m, 102), text=_opt(m, 58))


def venue_reject(m: Mapping[int, str], original: dict[int, str]) -> VenueReject:
    """A session Reject (3) or BusinessMessageReject (j); `original`: fields of the message it refuses."""
    ref_tag = m.get(371, "")
    msg_type = m.get(35, "")
    return VenueReject(msg_type=msg_type, ref_seq_num=_opt(m, 45), ref_tag_id=ref_tag or None,
                       ref_msg_type=_opt(m, 372) or original.get(35),
                       reason=_opt(m, 373) if msg_type == "3" else _opt(m, 380), text=_opt(m, 58),
                       cl_ord_id=_opt(m, 379) or original.get(11),
                       ref_value=original.get(int(ref_tag)) if ref_tag.isdigit() else None)
