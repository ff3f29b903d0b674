"""The OMS's errors: one root (GUIDE convention 9), a reason code a caller can branch on."""
from __future__ import annotations

from vigil.errors import VigilError


class OmsError(VigilError):
    """Root of the order management errors."""


class OrderError(OmsError):
    """A local request the order cannot take, e.g. a cancel of a filled order.

    Raised before anything changes, so nothing already accepted is lost.
    ``reason`` is a short code (``closed``, ``cancel_pending``, ``duplicate_cl_ord_id``,
    ``unknown_order``, ``bad_request``); ``str(err)`` says it in words.
    """

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(reason, message)

    def __str__(self) -> str:
        return self.args[1]
