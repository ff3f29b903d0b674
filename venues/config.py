"""The simulated venue's settings, as a topology's `config:` gives them (vigil.config)."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Literal

from msgspec import Meta

from venues.engine import FlowConfig, Phase, SymbolSpec
from vigil.config import Config, ConfigProblem, NonEmpty, Port, Positive, PositiveInt
from vigil.corporate_actions import CorporateAction, load_actions
from vigil.reference import ReferenceDataError, find_file

MassStatusMode = Literal["answer", "ignore", "business_reject", "session_reject"]


class Client(Config):
    comp_id: NonEmpty
    """The client's SenderCompID (our TargetCompID)."""
    begin_string: Literal["FIX.4.4", "FIX.4.2"] = "FIX.4.4"


class ListedSymbol(Config):
    tick_size: Positive
    lot_size: PositiveInt = 1
    max_order_qty: PositiveInt | None = None
    """Larger orders are rejected (OrdRejReason 3); none: no limit."""
    reference_price: Positive | None = None
    """The opening auction's tie-break before the symbol trades, and the flow's starting mid."""

    def spec(self) -> SymbolSpec:
        ticks = None if self.reference_price is None else round(self.reference_price / self.tick_size)
        return SymbolSpec(tick_size=self.tick_size, lot_size=self.lot_size, max_order_qty=self.max_order_qty,
                          reference_price=ticks)


_FLOW = FlowConfig()


class FlowSettings(Config):
    """Seeded background orders of owner FLOW (venues/engine/flow.py), so the book has a market."""

    seed: int = 0
    rate_per_s: Positive = _FLOW.rate_per_s
    max_burst: PositiveInt = _FLOW.max_burst
    orders_per_side: PositiveInt = _FLOW.orders_per_side
    spread_ticks: PositiveInt = _FLOW.spread_ticks
    cancel_distance: PositiveInt = _FLOW.cancel_distance
    max_lots: PositiveInt = _FLOW.max_lots
    aggressive_share: Annotated[float, Meta(ge=0, le=1)] = _FLOW.aggressive_share
    volatility_ticks: Annotated[float, Meta(ge=0)] = _FLOW.volatility_ticks
    start_mid: PositiveInt = _FLOW.start_mid

    def __post_init__(self) -> None:
        if self.cancel_distance < self.spread_ticks:
            raise ValueError(f"cancel_distance: must be at least spread_ticks ({self.spread_ticks}), or new "
                             f"orders are cancelled at once, got {self.cancel_distance}")

    def engine(self) -> FlowConfig:
        return FlowConfig(**{f.name: getattr(self, f.name) for f in dataclasses.fields(FlowConfig)
                             if hasattr(self, f.name)})


class VenueConfig(Config):
    port: Port
    """The FIX acceptor's port."""
    md_endpoint: NonEmpty
    """Where market data is published (ZeroMQ PUB, venues/marketdata.py)."""
    symbols: Annotated[dict[str, ListedSymbol], Meta(min_length=1)]
    clients: Annotated[tuple[Client, ...], Meta(min_length=1)]
    md_backup_endpoint: NonEmpty | None = None
    """A second market-data line (B) carrying the same messages as md_endpoint (A); none: no backup line."""
    comp_id: NonEmpty = "VENUE"
    host: NonEmpty = "127.0.0.1"
    phase: Literal["pre_open", "opening_auction", "continuous", "halted", "closed"] = "continuous"
    flow: FlowSettings | None = None
    """Background order flow; none: a book that only participants fill."""
    cancel_on_disconnect: bool = False
    ack_pending: bool = False
    """Answer a cancel or replace with PendingCancel / PendingReplace first."""
    heartbeat_s: PositiveInt = 30
    fix_log: bool = True
    """Log every FIX message under the run directory (venue/ID/log)."""
    mass_status: MassStatusMode = "answer"
    """What the venue does with an OrderMassStatusRequest (35=AF), as counterparties do: answer it, ignore it,
    or refuse it with a BusinessMessageReject (business_reject) or a session Reject (session_reject)."""
    corporate_actions: NonEmpty | None = None
    """A corporate actions file: at each action's effective time the flow moves to the new prices."""

    def __post_init__(self) -> None:
        # Identical wildcard ports (tcp://127.0.0.1:*) bind two different ports: no clash there
        if self.md_backup_endpoint == self.md_endpoint and not _ephemeral(self.md_endpoint):
            raise ValueError(f"md_backup_endpoint: {self.md_backup_endpoint!r} is the same as md_endpoint: "
                             f"the backup line needs an endpoint of its own")

    @property
    def engine_phase(self) -> Phase:
        return Phase[self.phase.upper()]

    def engine_symbols(self) -> dict[str, SymbolSpec]:
        return {name: listed.spec() for name, listed in self.symbols.items()}

    def load_actions(self, base: Path | None) -> tuple[CorporateAction, ...]:
        """The actions of the venue's symbols (one file may list others: theirs are not its business)."""
        if self.corporate_actions is None:
            return ()
        return tuple(a for a in load_actions(find_file(self.corporate_actions, base)) if a.symbol in self.symbols)

    def check_references(self, base: Path) -> list[ConfigProblem]:
        try:
            self.load_actions(base)
        except ReferenceDataError as err:
            return [ConfigProblem(("corporate_actions",), str(err))]
        return []


def _ephemeral(endpoint: str) -> bool:
    """A TCP endpoint whose port the OS chooses at bind time."""
    return endpoint.startswith("tcp://") and endpoint.rsplit(":", 1)[-1] in ("*", "0")
