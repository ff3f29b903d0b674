"""The OMS's event vocabulary: every change to an order is one JSON-compatible dict.

    order_created       a new order, PendingNew, logged before it goes on the wire
    cancel_requested    {root_cl_ord_id, cl_ord_id (the request's), orig_cl_ord_id}
    replace_requested   the same plus qty and price (None: unchanged)
    marked_uncertain    {session (None: all), reason}: the venue may have moved without us
    execution_report    an `ExecutionReport.to_dict()`
    order_cancel_reject an `OrderCancelReject.to_dict()`
    venue_reject        a `VenueReject.to_dict()`

Venue messages are their own events, so what the log holds is what the venue said.
"""
from __future__ import annotations

from typing import Any

from vocabulary.rejects import VenueReject
from vocabulary.reports import ExecutionReport, OrderCancelReject

Record = ExecutionReport | OrderCancelReject | VenueReject

ORDER_CREATED = "order_created"
CANCEL_REQUESTED = "cancel_requested"
REPLACE_REQUESTED = "replace_requested"
MARKED_UNCERTAIN = "marked_uncertain"

_RECORDS: dict[str, Any] = {
    "execution_report": ExecutionReport,
    "order_cancel_reject": OrderCancelReject,
    "venue_reject": VenueReject,
}

LOCAL = frozenset({ORDER_CREATED, CANCEL_REQUESTED, REPLACE_REQUESTED, MARKED_UNCERTAIN})


def decode(event: Record | dict[str, Any]) -> Record | dict[str, Any]:
    """A venue record from its dict; local events stay dicts. Unknown kinds are an error."""
    if isinstance(event, (ExecutionReport, OrderCancelReject, VenueReject)):
        return event
    if not isinstance(event, dict) or "event" not in event:
        raise ValueError(f"not an OMS event: {event!r}")
    kind = event["event"]
    if kind in _RECORDS:
        return _RECORDS[kind].from_dict(event)
    if kind in LOCAL:
        return event
    raise ValueError(f"unknown OMS event kind {kind!r}")


def encode(event: Record | dict[str, Any]) -> dict[str, Any]:
    return event if isinstance(event, dict) else event.to_dict()
