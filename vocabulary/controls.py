"""The big red buttons and what they answer: trading states, run-time limits, the restricted list, the kill
switch, flattening, and the audit trail of who pressed what. All go to the OMS (the gateway is in it), each
naming the operator who asked; every one is recorded in the OMS's audit trail with its result."""
from __future__ import annotations

from typing import Any

from vigil.wire import Message


class SetTradingState(Message, frozen=True):
    """ACTIVE, REDUCING or HALTED for a strategy, a book or everything (scope "global", no target)."""

    scope: str
    target: str | None
    state: str
    reason: str
    operator: str


class SetLimits(Message, frozen=True):
    """Change limits at one level of the risk config (scope firm, book, strategy, sector, region,
    book_defaults or strategy_defaults), e.g. settings {"max_order_qty": 250000}."""

    scope: str
    target: str | None
    settings: dict[str, Any]
    reason: str
    operator: str


class ResetLimits(Message, frozen=True):
    """Back to the limits the topology gives."""

    reason: str
    operator: str


class ReloadRestrictedList(Message, frozen=True):
    operator: str
    reason: str = "reload"


class Kill(Message, frozen=True):
    """Global HALTED, then every working order cancelled at every session; answered with a ControlDone once
    each cancel is confirmed, refused or unanswered. release: back to ACTIVE (cancels nothing)."""

    reason: str
    operator: str
    release: bool = False


class Flatten(Message, frozen=True):
    """Cancel a book's resting orders (book None: every book), then close its positions at the market;
    answered with a ControlDone once the closing orders are done."""

    book: str | None
    reason: str
    operator: str


class StopLoss(Message, frozen=True):
    """A strategy's stop-loss was hit (the risk monitor): REDUCING, its resting orders cancelled, then its
    positions closed at the market; answered with a ControlDone once done."""

    strategy: str
    reason: str
    operator: str


class ControlDone(Message, frozen=True):
    """What a control did. cancelled: ClOrdIDs confirmed cancelled; sent: closing orders {cl_ord_id, symbol,
    side, qty, status, cum_qty}; failed: {what, reason} for each thing that could not be done."""

    action: str
    target: str
    state: str | None = None
    cancelled: tuple[str, ...] = ()
    sent: tuple[dict[str, Any], ...] = ()
    failed: tuple[dict[str, Any], ...] = ()
    detail: str = ""


class GetStrategies(Message, frozen=True):
    """Answered with a Listing: per strategy its book, state, positions, P&L, orders, denials."""


class GetRisk(Message, frozen=True):
    """Answered with a RiskView."""


class RiskView(Message, frozen=True):
    states: tuple[dict[str, Any], ...]
    """Every state other than ACTIVE: {scope, target, state, reason, by}."""
    limits: dict[str, Any]
    """The risk config in force."""
    changed: bool
    """Whether run-time changes replace the topology's limits."""
    denials: dict[str, Any]
    restricted: dict[str, str]


class GetAudit(Message, frozen=True):
    """Answered with a Listing: {at, operator, action, target, reason, result}, oldest first."""


class ResumeStrategy(Message, frozen=True):
    """To a strategy host its host halted (it kept failing): call the strategy again. Answered with a
    ControlDone."""

    reason: str
    operator: str
