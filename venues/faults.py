"""Faults the simulated venue produces on request, for drills and tests."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Faults:
    reject_next: int = 0
    """Reject this many new orders (OrdRejReason 0, "fault injection")."""
    delay_ms: int = 0
    """Hold every report for this long before sending it."""
    refuse_logon: int = 0
    """Refuse this many logons (-1: all until cleared)."""
    refuse_only: str | None = None
    """Refuse only this client CompID's logons (None: everyone's)."""
    silent: bool = False
    """Answer nothing and publish no market data (the FIX engine still heartbeats)."""

    def take_reject(self) -> bool:
        if self.reject_next > 0:
            self.reject_next -= 1
            return True
        return False

    def take_refusal(self, comp_id: str) -> bool:
        if self.refuse_logon and self.refuse_only in (None, comp_id):
            if self.refuse_logon > 0:
                self.refuse_logon -= 1
            return True
        return False


@dataclass(frozen=True)
class VenueCommand:
    """An operator's or a drill's order to the venue.

    kind: reject_next (n), delay_reports (ms), drop_connection (comp_id: one client, else all),
    refuse_logon (n: -1 forever, 0 stop; comp_id: one client, else all),
    sequence_gap (n), silent (on), phase (phase, symbol), unsolicited_cancel (order_id, text),
    bust (exec_id), correct (exec_id, qty, price), flow (on), status.
    """

    kind: str
    args: dict | None = None
