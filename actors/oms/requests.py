"""A cancel or replace the OMS sent for an order, until the venue answers it."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from vocabulary.fix_codes import OrdStatus
from vocabulary.numbers import opt_dec, to_json


@dataclass
class Request:
    """A cancel or replace we sent and the venue has not answered."""
    kind: str
    """"cancel" or "replace"."""
    cl_ord_id: str
    orig_cl_ord_id: str
    qty: Decimal | None
    price: Decimal | None
    prev_status: OrdStatus
    """The venue-confirmed status when it was sent."""
    acked: bool = False
    """The venue said PendingCancel/PendingReplace."""

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "qty": to_json(self.qty), "price": to_json(self.price),
                "prev_status": self.prev_status.value}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Request:
        return cls(d["kind"], d["cl_ord_id"], d["orig_cl_ord_id"], opt_dec(d["qty"]), opt_dec(d["price"]),
                   OrdStatus.parse(d["prev_status"]), d["acked"])
