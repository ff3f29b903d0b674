"""Between the OMS and the risk monitor (actors/risk_monitor), which follows the OMS's flow off the order
path: every order update and position change, P&L, stop-losses, VaR figures and surveillance."""
from __future__ import annotations

from typing import Any

from vigil.wire import Message
from vocabulary.orders import OrderUpdate


class WatchFlow(Message, frozen=True):
    """To the OMS: send me every OrderUpdate and PositionUpdate from now on. Answered with a FlowSnapshot
    when the sender is not watching already (sent again as a keepalive: an OMS that restarted has
    forgotten its watchers)."""


class FlowSnapshot(Message, frozen=True):
    orders: tuple[OrderUpdate, ...]
    """The open orders."""
    positions: tuple[dict[str, str], ...]
    """Every position: account, strategy, symbol, qty, avg_px, realized_pnl, dividends (decimal text)."""


class PositionUpdate(Message, frozen=True):
    """A position changed (a fill, a bust, a corporate action)."""

    row: dict[str, str]


class VarFigures(Message, frozen=True):
    """To the OMS, for its gateway: each book's VaR (None: no figure) as computed at `at_ns`."""

    figures: dict[str, float | None]
    at_ns: int


class GetRiskFigures(Message, frozen=True):
    """To the risk monitor; answered with RiskFigures."""


class RiskFigures(Message, frozen=True):
    strategies: tuple[dict[str, Any], ...]
    """{strategy, book, realized, unrealized, day_pnl, stop_loss, stopped}"""
    books: tuple[dict[str, Any], ...]
    """{book, realized, unrealized, var}"""
    surveillance: tuple[dict[str, Any], ...]
