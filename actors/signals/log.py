"""What the signal intake knows of the signals it took, rebuilt from its event log: plain Python.

Every signal taken is one event when it comes, before anything is sent:

    refused     a bad signal: its reason code and reason, what could be read of it
    accepted    a good one: its terms, and for a side its order (side, qty), which is sent next
    duplicate   one sent again under an id taken by the same signal

and a good one moves on with more events:

    ordered         a target's order, once the OMS told its strategy's position (sent next)
    target_refused  a target that needs no order (or too big a one) from that position
    answered        the OMS's answer to its order: accepted (with its ClOrdID) or denied (why)

A signal's status is pending (a target waiting for its position), sent (its order logged and sent), accepted
or denied (the OMS's answer), or refused. `outstanding()` is what a restarted intake must carry on with:
orders sent and not answered are sent again (the OMS knows them by client_id, so none doubles), positions
asked and not told are asked again.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any

from vocabulary.signals import CLIENT_ID_PREFIX

PENDING, SENT, ACCEPTED, DENIED, REFUSED, DUPLICATE = "pending", "sent", "accepted", "denied", "refused", "duplicate"
SETTLED = (ACCEPTED, DENIED)


class SignalLog:
    def __init__(self, *, recent: int, remember: int) -> None:
        self.remember = remember
        self.received = self.accepted = self.duplicates = 0
        self.refused: dict[str, int] = {}
        self.oms = {ACCEPTED: 0, DENIED: 0}
        self.records: dict[str, dict[str, Any]] = {}
        """Signal id -> its record, for the signals accepted (the newest `remember`; never one outstanding)."""
        self.recent: deque[dict[str, Any]] = deque(maxlen=recent)
        """The newest signals' records, oldest first (those in `records` are the same objects)."""

    # ---- events ------------------------------------------------------------------------
    def apply(self, event: dict[str, Any], seq: int) -> None:
        kind, sig_id = event["event"], event.get("id")
        if kind == "refused":
            self.received += 1
            self._refused(event["code"])
            self.recent.append({"seq": seq, "at_ns": event["at_ns"], "id": sig_id, **event.get("fields", {}),
                                "status": REFUSED, "code": event["code"], "reason": event["reason"]})
        elif kind == "accepted":
            self.received += 1
            order = event.get("order")
            record = {"seq": seq, "at_ns": event["at_ns"], "id": sig_id, **event["terms"],
                      "status": SENT if order else PENDING, "client_id": CLIENT_ID_PREFIX + sig_id}
            if order:
                self.accepted += 1
                record.update(order_side=order["side"], order_qty=order["qty"])
            self.records[sig_id] = record
            self.recent.append(record)
            self._forget()
        elif kind == "duplicate":
            self.received += 1
            self.duplicates += 1
            first = self.records.get(sig_id) or {}
            self.recent.append({"seq": seq, "at_ns": event["at_ns"], "id": sig_id,
                                **{k: first.get(k) for k in ("strategy", "symbol", "side", "size", "target", "price")},
                                "status": DUPLICATE, "cl_ord_id": first.get("cl_ord_id"),
                                "reason": "sent again: no second order" + (f" (the first is {first['status']})"
                                                                           if first else "")})
        elif kind == "ordered":
            record = self.records[sig_id]
            self.accepted += 1
            record.update(status=SENT, order_side=event["order"]["side"], order_qty=event["order"]["qty"],
                          position=event["position"], working=event["working"])
        elif kind == "target_refused":
            record = self.records.pop(sig_id)  # not taken: the same id may come again, and is judged again
            self._refused(event["code"])
            record.update(status=REFUSED, code=event["code"], reason=event["reason"], position=event["position"],
                          working=event["working"])
        elif kind == "answered":
            record = self.records.get(sig_id)
            if record is not None and record["status"] == SENT:
                self.oms[event["status"]] += 1
                record.update(status=event["status"], cl_ord_id=event.get("cl_ord_id"), reason=event.get("reason"))
                self._forget()

    def _refused(self, code: str) -> None:
        self.refused[code] = self.refused.get(code, 0) + 1

    def _forget(self) -> None:
        """Keep `remember` records: the oldest settled go first; outstanding ones stay whatever their age."""
        while len(self.records) > self.remember:
            oldest = next((i for i, r in self.records.items() if r["status"] in SETTLED), None)
            if oldest is None:
                return
            del self.records[oldest]

    # ---- what it says -------------------------------------------------------------------
    def outstanding(self) -> Iterator[dict[str, Any]]:
        """Records whose order is sent and not answered, or whose target waits for its position, oldest first."""
        return (r for r in list(self.records.values()) if r["status"] in (PENDING, SENT))

    def counts(self) -> dict[str, Any]:
        return {"received": self.received, "accepted": self.accepted, "refused": dict(self.refused),
                "duplicates": self.duplicates, "pending": sum(r["status"] == PENDING for r in self.records.values()),
                "oms": {**self.oms, "unanswered": sum(r["status"] == SENT for r in self.records.values())}}

    # ---- snapshots -----------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        return {"received": self.received, "accepted": self.accepted, "duplicates": self.duplicates,
                "refused": self.refused, "oms": self.oms, "records": list(self.records.values()),
                "recent": list(self.recent)}

    def restore(self, snapshot: dict[str, Any]) -> None:
        self.received, self.accepted = snapshot["received"], snapshot["accepted"]
        self.duplicates, self.refused, self.oms = snapshot["duplicates"], dict(snapshot["refused"]), dict(snapshot["oms"])
        self.records = {r["id"]: dict(r) for r in snapshot["records"]}
        by_seq = {r["seq"]: r for r in self.records.values()}
        self.recent.clear()
        self.recent.extend(by_seq.get(r["seq"], r) for r in snapshot["recent"])
