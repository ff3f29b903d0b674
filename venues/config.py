"""The simulated venue's settings, from a topology `config:` mapping or a standalone file."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from venues.engine import FlowConfig, Phase, SymbolSpec
from vigil.corporate_actions import CorporateAction, load_actions
from vigil.errors import VigilError
from vigil.reference import ReferenceDataError, find_file


class VenueConfigError(VigilError):
    pass


@dataclass(frozen=True)
class Client:
    comp_id: str
    """The client's SenderCompID (our TargetCompID)."""
    begin_string: str = "FIX.4.4"


@dataclass(frozen=True)
class VenueConfig:
    port: int
    md_endpoint: str
    symbols: dict[str, SymbolSpec]
    clients: tuple[Client, ...]
    md_backup_endpoint: str | None = None
    """A second market-data line (B) carrying the same messages as md_endpoint (A); None: no backup line."""
    comp_id: str = "VENUE"
    host: str = "127.0.0.1"
    phase: Phase = Phase.CONTINUOUS
    flow_seed: int | None = None
    flow: FlowConfig = field(default_factory=FlowConfig)
    cancel_on_disconnect: bool = False
    ack_pending: bool = False
    heartbeat_s: int = 30
    fix_log: bool = True
    """Log every FIX message under the run directory (venue/ID/log)."""
    corporate_actions: tuple[CorporateAction, ...] = ()
    """Of the venue's symbols: at each one's effective time the simulated flow moves to the new prices."""

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], where: str = "venue", base: Path | None = None) -> "VenueConfig":
        def need(key: str) -> Any:
            if key not in raw:
                raise VenueConfigError(f"{where}: config needs {key!r}")
            return raw[key]

        symbols = {}
        for name, s in dict(need("symbols")).items():
            tick = float(s["tick_size"])
            ref = s.get("reference_price")
            symbols[name] = SymbolSpec(tick_size=tick, lot_size=int(s.get("lot_size", 1)),
                                       max_order_qty=s.get("max_order_qty"),
                                       reference_price=round(float(ref) / tick) if ref is not None else None)
        clients = tuple(Client(c["comp_id"], c.get("begin_string", "FIX.4.4")) for c in need("clients"))
        try:
            phase = Phase[str(raw.get("phase", "continuous")).upper()]
        except KeyError:
            raise VenueConfigError(f"{where}: unknown phase {raw.get('phase')!r} "
                                   f"({', '.join(p.name.lower() for p in Phase)})") from None
        flow = dict(raw.get("flow") or {})
        seed = flow.pop("seed", None)
        md_endpoint = str(need("md_endpoint"))
        backup = raw.get("md_backup_endpoint")
        backup = None if backup is None else str(backup)
        # Identical wildcard ports (tcp://127.0.0.1:*) bind two different ports: no clash there
        if backup == md_endpoint and not _ephemeral(backup):
            raise VenueConfigError(f"{where}: md_backup_endpoint {backup!r} is the same as md_endpoint "
                                   f"{md_endpoint!r}: the backup line needs an endpoint of its own")
        actions: tuple[CorporateAction, ...] = ()
        if raw.get("corporate_actions") is not None:
            try:  # one file may list symbols this venue does not trade: theirs are not its business
                actions = tuple(a for a in load_actions(find_file(str(raw["corporate_actions"]), base))
                                if a.symbol in symbols)
            except ReferenceDataError as err:
                raise VenueConfigError(f"{where}: corporate_actions: {err}") from None
        return cls(port=int(need("port")), md_endpoint=md_endpoint, md_backup_endpoint=backup,
                   symbols=symbols, clients=clients,
                   comp_id=str(raw.get("comp_id", "VENUE")), host=str(raw.get("host", "127.0.0.1")), phase=phase,
                   flow_seed=seed, flow=FlowConfig(**flow), cancel_on_disconnect=bool(raw.get("cancel_on_disconnect")),
                   ack_pending=bool(raw.get("ack_pending")), heartbeat_s=int(raw.get("heartbeat_s", 30)),
                   fix_log=bool(raw.get("fix_log", True)), corporate_actions=actions)


def _ephemeral(endpoint: str) -> bool:
    """A TCP endpoint whose port the OS chooses at bind time."""
    return endpoint.startswith("tcp://") and endpoint.rsplit(":", 1)[-1] in ("*", "0")
