"""A broker session's settings: which FIX counterparty, and how to talk to it."""
from __future__ import annotations

from typing import Literal

from vigil.config import Config, NonEmpty, Port, PositiveInt
from vigil.fix.settings import SessionConfig


class BrokerSessionConfig(Config):
    begin_string: Literal["FIX.4.4", "FIX.4.2"] = "FIX.4.4"
    sender_comp_id: NonEmpty
    """Our CompID."""
    target_comp_id: NonEmpty
    """The counterparty's CompID."""
    host: NonEmpty = "127.0.0.1"
    port: Port
    heartbeat_s: PositiveInt = 30
    reconnect_s: PositiveInt = 1
    """Seconds between connection attempts."""
    oms: NonEmpty = "oms"
    """The id of the OMS this session reports to."""
    fix_log: bool = True
    """Log every FIX message under the run directory (fix/ID/log)."""
    reconcile: Literal["mass_status", "per_order"] | None = None
    """How the OMS learns what became of its orders after a logon: one OrderMassStatusRequest (35=AF), or
    one OrderStatusRequest per order (for a counterparty without 35=AF). Default: mass_status in FIX 4.4,
    per_order in FIX 4.2 (which has no 35=AF). A mass status refused or unanswered falls back to per_order."""

    def __post_init__(self) -> None:
        if self.begin_string == "FIX.4.2" and self.reconcile == "mass_status":
            raise ValueError("reconcile: FIX 4.2 has no OrderMassStatusRequest; use per_order")

    @property
    def reconcile_mode(self) -> str:
        return self.reconcile or ("per_order" if self.begin_string == "FIX.4.2" else "mass_status")

    def session(self) -> SessionConfig:
        return SessionConfig(begin_string=self.begin_string, sender_comp_id=self.sender_comp_id,
                             target_comp_id=self.target_comp_id, host=self.host, port=self.port,
                             heartbeat_s=self.heartbeat_s, reconnect_s=self.reconnect_s)
