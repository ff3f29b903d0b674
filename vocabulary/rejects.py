"""Session Reject (35=3) and BusinessMessageReject (35=j), decoded as an error on an order.

Neither message names the order directly: a session reject points at the sequence
number of the message it refuses, a business reject usually carries the ClOrdID in
BusinessRejectRefID (379). The broker session resolves that to `cl_ord_id` (and,
when it knows what it sent, `ref_value`) before the OMS applies the record.
"""
from __future__ import annotations

from typing import Any

from msgspec.structs import asdict, force_setattr

from vigil.wire import Message

SESSION = "3"
BUSINESS = "j"

_MSG_NAMES = {"D": "NewOrderSingle", "F": "OrderCancelRequest", "G": "OrderCancelReplaceRequest",
              "H": "OrderStatusRequest", "AF": "OrderMassStatusRequest", "q": "OrderMassCancelRequest"}

# SessionRejectReason (373). {tag} and {value} are filled in when known.
_SESSION_REASONS = {
    0: "tag {tag} is not a valid tag number",
    1: "required tag {tag} missing",
    2: "tag {tag} not allowed in {msg}",
    3: "tag {tag} undefined",
    4: "tag {tag} sent without a value",
    5: "tag {tag} value {value} not supported",
    6: "tag {tag} value {value} has the wrong format",
    7: "decryption problem",
    8: "signature problem",
    9: "CompID problem",
    10: "SendingTime accuracy problem",
    11: "invalid MsgType {msg}",
    12: "XML validation error",
    13: "tag {tag} appears more than once",
    14: "tag {tag} out of required order",
    15: "repeating group fields out of order at tag {tag}",
    16: "wrong NumInGroup count at tag {tag}",
    17: "tag {tag} value contains a field delimiter",
    99: "other",
}

# BusinessRejectReason (380).
_BUSINESS_REASONS = {
    0: "other",
    1: "unknown id",
    2: "unknown security",
    3: "unsupported message type {msg}",
    4: "application not available",
    5: "conditionally required tag {tag} missing",
    6: "not authorized",
    7: "DeliverTo firm not available",
    18: "invalid price increment",
}


def reject_message(*, msg_type: str = SESSION, reason: int | None = None, ref_tag_id: int | None = None,
                   ref_value: str | None = None, ref_msg_type: str | None = None,
                   text: str | None = None) -> str:
    """One line for an operator, e.g. "rejected by venue: tag 40 value 3 not supported"."""
    table = _BUSINESS_REASONS if msg_type == BUSINESS else _SESSION_REASONS
    template = table.get(reason) if reason is not None else None
    if template is None:
        template = f"reason {reason}" if reason is not None else ("tag {tag}" if ref_tag_id is not None else "")
    detail = template.format(tag=ref_tag_id if ref_tag_id is not None else "?",
                             value=ref_value if ref_value is not None else "",
                             msg=_MSG_NAMES.get(ref_msg_type or "", ref_msg_type or "message"))
    detail = " ".join(detail.split())  # an unknown value leaves a double space behind
    if text and text.strip() and text.strip().lower() not in detail.lower():
        detail = f"{detail} ({text.strip()})" if detail else text.strip()
    return f"rejected by venue: {detail or 'no reason given'}"


class VenueReject(Message, frozen=True, kw_only=True):
    msg_type: str = SESSION
    """"3" for a session-level Reject, "j" for a BusinessMessageReject."""
    ref_seq_num: int | None = None
    """RefSeqNum (45): sequence number of the refused message."""
    ref_tag_id: int | None = None
    """RefTagID (371): the offending tag."""
    ref_msg_type: str | None = None
    """RefMsgType (372): type of the refused message (D new order, F cancel, G replace)."""
    reason: int | None = None
    """SessionRejectReason (373) or BusinessRejectReason (380)."""
    text: str | None = None
    """Text (58)."""
    cl_ord_id: str | None = None
    """ClOrdID of the refused message: BusinessRejectRefID (379), or looked up from RefSeqNum."""
    ref_value: str | None = None
    """Value of `ref_tag_id` in the refused message, when the sender knows it."""

    def __post_init__(self) -> None:
        if self.msg_type not in (SESSION, BUSINESS):
            raise ValueError(f"VenueReject.msg_type must be '3' or 'j', got {self.msg_type!r}")
        for name in ("ref_seq_num", "ref_tag_id", "reason"):
            value = getattr(self, name)
            if value is not None and value != "":
                force_setattr(self, name, int(value))
            elif value == "":
                force_setattr(self, name, None)
        if self.ref_value is not None:
            force_setattr(self, "ref_value", str(self.ref_value))

    @property
    def message(self) -> str:
        return reject_message(msg_type=self.msg_type, reason=self.reason, ref_tag_id=self.ref_tag_id,
                              ref_value=self.ref_value, ref_msg_type=self.ref_msg_type, text=self.text)

    def to_dict(self) -> dict[str, Any]:
        return {"event": "venue_reject", **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VenueReject:
        return cls(**{k: v for k, v in data.items() if k != "event"})
