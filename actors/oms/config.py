"""The OMS's settings: its sessions and how to route among them, ids, timeouts, reference data."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from msgspec import Meta

from actors.oms.risk.config import RiskConfig
from actors.oms.router import Route
from vigil.config import Config, ConfigProblem, NonEmpty, Positive
from vigil.corporate_actions import DEFAULT_ACTIONS, CorporateAction, load_actions
from vigil.reference import Instrument, ReferenceDataError, SymbolsSetting, find_file, instruments


class SessionRoute(Config):
    id: NonEmpty
    """A broker session actor's id."""
    fee_bps: Annotated[float, Meta(ge=0)] = 0.0
    """What the router adds to the quoted price when it compares sessions."""
    symbols: tuple[str, ...] | None = None
    """The symbols this session trades; none: every symbol."""

    def route(self) -> Route:
        return Route(self.id, Decimal(str(self.fee_bps)), frozenset(self.symbols) if self.symbols else None)


class CorporateActionSettings(Config):
    file: NonEmpty = str(DEFAULT_ACTIONS)
    """Splits and dividends (vigil/corporate_actions.py); relative: beside the topology."""
    open_orders: Literal["adjust", "cancel"] = "adjust"
    """What an action does to open orders: a cancel/replace on the new terms, or a cancel."""


@dataclass(frozen=True)
class ReferenceData:
    instruments: dict[str, Instrument]
    actions_file: Path
    actions: tuple[CorporateAction, ...]


class OmsConfig(Config):
    sessions: Annotated[tuple[SessionRoute, ...], Meta(min_length=1)]
    """The broker sessions orders may go to; the router picks among those up, cheapest first."""
    account: NonEmpty = "main"
    """The account of an order that names none."""
    cl_ord_id_prefix: Annotated[str, Meta(pattern=r"^[A-Za-z0-9]+$")] = "V"
    """ClOrdIDs are PREFIX<epoch>-<counter>: letters and digits."""
    ack_timeout_s: Positive = 5.0
    """An order the venue has not answered for this long is asked about (OrderStatusRequest)."""
    reconcile_timeout_s: Positive = 5.0
    """A mass status not answered within this falls back to one status request per order; answers to those
    not all in within it end the reconciliation anyway (actors/oms/reconciliation.py)."""
    symbols: SymbolsSetting = None
    """Tick and lot sizes, for adjusted orders (vigil/reference.py); none: the repo's master."""
    corporate_actions: CorporateActionSettings = CorporateActionSettings()
    risk: RiskConfig = RiskConfig()
    """The pre-trade risk gateway's limits (actors/oms/risk/config.py): each off unless set."""
    control_settle_s: Positive = 10.0
    """How long `vigil kill` and `vigil flatten` wait for the venue to confirm each cancel (and a flatten's
    closing orders) before they report it as failed."""
    feed: NonEmpty | None = None
    """The feed whose quotes the gateway prices orders against; none: a check that needs a price (collar,
    notional, position, exposure, loss) denies every order (fail closed)."""

    def __post_init__(self) -> None:
        ids = [s.id for s in self.sessions]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"sessions: {', '.join(map(repr, twice))} listed more than once")

    def routes(self) -> list[Route]:
        return [s.route() for s in self.sessions]

    def reference(self, base: Path) -> ReferenceData:
        """The symbol master and corporate actions this config names; ReferenceDataError if unreadable."""
        symbols = instruments(self.symbols, "symbols", base=base)
        actions_file = find_file(self.corporate_actions.file, base)
        return ReferenceData(symbols, actions_file, load_actions(actions_file, symbols))

    def check_references(self, base: Path) -> list[ConfigProblem]:
        try:
            symbols = instruments(self.symbols, "symbols", base=base)
        except ReferenceDataError as err:
            return [ConfigProblem(("symbols",), str(err))]
        try:
            load_actions(find_file(self.corporate_actions.file, base), symbols)
        except ReferenceDataError as err:
            return [ConfigProblem(("corporate_actions", "file"), str(err))]
        return [ConfigProblem(("risk", *p.path), p.what) for p in self.risk.check_files(base)]
