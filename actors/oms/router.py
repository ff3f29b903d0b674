"""Smart order routing: which broker session gets a new order.

Only sessions that are up (logged on and reconciled) are candidates, so an
order fails over to the next session when one is down. Among them the
cheapest expected execution wins: the quoted price on the order's side,
adjusted by the session's fee, when a quote is known; otherwise the fee alone.
Ties go to the session listed first.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from actors.oms.errors import OmsError


@dataclass(frozen=True)
class Route:
    session: str
    fee_bps: Decimal = Decimal(0)
    symbols: frozenset[str] | None = None
    """Symbols the session trades; None: all."""


class NoRoute(OmsError):
    """No session can take the order now; the message says why (none trades it, all down, reconciling)."""


def pick(routes: list[Route], symbol: str, side: str, up: set[str],
         quotes: dict[str, tuple[Decimal | None, Decimal | None]] | None = None,
         reconciling: set[str] = frozenset()) -> str:
    """The session for a new order; NoRoute saying why there is none (each session down or reconciling)."""
    listed = [r for r in routes if r.symbols is None or symbol in r.symbols]
    if not listed:
        raise NoRoute(f"no session trades {symbol}")
    live = [r for r in listed if r.session in up]
    if not live:
        states = [f"{r.session} {'reconciling' if r.session in reconciling else 'down'}" for r in listed]
        if not reconciling & {r.session for r in listed}:
            states = [f"{', '.join(r.session for r in listed)} all down"]
        raise NoRoute(f"no session for {symbol} is up ({', '.join(states)})")
    quotes = quotes or {}

    def cost(route: Route) -> tuple[int, Decimal]:
        fee = route.fee_bps / Decimal(10_000)
        bid, ask = quotes.get(route.session, (None, None))
        px = ask if side == "1" else bid
        if px is None:
            return (1, fee)  # unknown price ranks after any known one
        return (0, px * (1 + fee) if side == "1" else -px * (1 - fee))

    return min(live, key=cost).session
