"""Trading states per strategy, per book and for everything (global), as events the OMS logs and replays.

    ACTIVE     orders pass the limits as usual
    REDUCING   only orders that reduce their position pass (and cannot flip it); cancels pass
    HALTED     nothing new and no replaces; cancels pass

The tightest state that applies to an order wins (its strategy's, its book's, the global one). Each
change is one event::

    {"event": "trading_state", "scope": "strategy"|"book"|"global", "target": "mean-rev" (global: "*"),
     "state": "HALTED", "reason": "...", "by": "alice" | "risk", "at_ns": ...}

`by: "risk"` is the gateway itself (a runaway strategy halted automatically). The gateway never sets a
state back to ACTIVE: only a person does (RTS 6 art. 15(3)), so an event resuming with by "risk" is refused.
"""
from __future__ import annotations

from typing import Any

ACTIVE, REDUCING, HALTED = "ACTIVE", "REDUCING", "HALTED"
STATES = (ACTIVE, REDUCING, HALTED)
_RANK = {ACTIVE: 0, REDUCING: 1, HALTED: 2}
SCOPES = ("strategy", "book", "global")
GLOBAL = "*"
TRADING_STATE = "trading_state"
BY_RISK = "risk"
"""`by` of the gateway's own changes."""


class TradingStateError(ValueError):
    """A state change that cannot be made (bad scope, state, missing reason or operator)."""


class Effective:
    """The state that applies to an order, and where it comes from."""

    __slots__ = ("state", "scope", "target", "reason", "by")

    def __init__(self, state: str, scope: str, target: str, reason: str, by: str) -> None:
        self.state, self.scope, self.target, self.reason, self.by = state, scope, target, reason, by

    @property
    def label(self) -> str:
        """"mean-rev", "book main" or "global"."""
        if self.scope == "strategy":
            return self.target
        return "global" if self.scope == "global" else f"book {self.target}"

    def __repr__(self) -> str:
        return f"Effective({self.state} {self.label}: {self.reason})"


class TradingStates:
    def __init__(self) -> None:
        self._by_scope: dict[str, dict[str, Effective]] = {scope: {} for scope in SCOPES}
        """Only states other than ACTIVE are kept."""
        self._strategy, self._book, self._global = (self._by_scope[s] for s in SCOPES)

    # ---- changes ------------------------------------------------------------------
    @staticmethod
    def event(scope: str, target: str | None, state: str, *, reason: str, by: str, at_ns: int) -> dict[str, Any]:
        """The event to log for a change; TradingStateError if it cannot be made. Apply it (after persisting)."""
        if scope not in SCOPES:
            raise TradingStateError(f"unknown scope {scope!r}: one of {', '.join(SCOPES)}")
        target = GLOBAL if scope == "global" else target
        if not isinstance(target, str) or not target.strip():
            raise TradingStateError(f"a {scope} state needs the {scope}'s name")
        state = str(state).upper()
        if state not in STATES:
            raise TradingStateError(f"unknown state {state!r}: one of {', '.join(STATES)}")
        if not isinstance(reason, str) or not reason.strip():
            raise TradingStateError("a state change needs a reason")
        if not isinstance(by, str) or not by.strip():
            raise TradingStateError("a state change needs who made it (by)")
        if state == ACTIVE and by == BY_RISK:
            raise TradingStateError("only a person resumes trading (RTS 6 art. 15(3))")
        return {"event": TRADING_STATE, "scope": scope, "target": target, "state": state, "reason": reason,
                "by": by, "at_ns": at_ns}

    def apply(self, event: dict[str, Any]) -> None:
        table = self._by_scope[event["scope"]]
        if event["state"] == ACTIVE:
            table.pop(event["target"], None)
        else:
            table[event["target"]] = Effective(event["state"], event["scope"], event["target"], event["reason"],
                                               event["by"])

    # ---- reading ------------------------------------------------------------------
    def effective(self, strategy: str, book: str) -> Effective | None:
        """The tightest state applying to an order of `strategy` in `book`; None: ACTIVE."""
        found = self._global.get(GLOBAL)
        if found is not None and found.state == HALTED:
            return found
        for candidate in (self._book.get(book), self._strategy.get(strategy)):
            if candidate is not None and (found is None or _RANK[candidate.state] > _RANK[found.state]):
                found = candidate
        return found

    def get(self, scope: str, target: str | None = None) -> str:
        entry = self._by_scope[scope].get(GLOBAL if scope == "global" else target or "")
        return entry.state if entry else ACTIVE

    def rows(self) -> list[dict[str, Any]]:
        """Every state other than ACTIVE: {scope, target, state, reason, by}."""
        return [{"scope": e.scope, "target": e.target, "state": e.state, "reason": e.reason, "by": e.by}
                for scope in SCOPES for e in self._by_scope[scope].values()]

    # ---- persistence --------------------------------------------------------------
    def snapshot(self) -> list[dict[str, Any]]:
        return self.rows()

    @classmethod
    def restore(cls, rows: list[dict[str, Any]] | None) -> TradingStates:
        states = cls()
        for row in rows or ():
            states.apply({**row, "at_ns": 0})
        return states
