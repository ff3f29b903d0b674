"""The opening auction's equilibrium price: one price at which the crossed book uncrosses.

Rules, in order (the usual equilibrium-price rules, without the market-pressure step):
1. the price that executes the most volume;
2. among those, the smallest imbalance (|buy volume - sell volume| at that price);
3. among those, the price closest to the reference price (the symbol's last trade, else its
   spec's reference price; with neither, the middle of the remaining candidates);
4. still tied: the lower price, so the outcome is always determined.

Volumes change only at limit prices, so the candidates are each limit price and each open
gap between two neighbouring ones (a price strictly inside a gap can balance the book
better than either end: bids 1@97, asks 1@95 execute 1 at 96 with no imbalance).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Uncross:
    price: int
    volume: int
    """Quantity that executes at ``price`` (on each side)."""
    imbalance: int
    """Buy volume minus sell volume willing to trade at ``price`` (negative: sell surplus)."""


def equilibrium(bids: list[tuple[int, int]], asks: list[tuple[int, int]],
                reference: int | None) -> Uncross | None:
    """``bids`` best (highest) first, ``asks`` best (lowest) first, as (price, qty) levels.

    None when nothing crosses.
    """
    if not bids or not asks or bids[0][0] < asks[0][0]:
        return None
    prices = sorted({p for p, _ in bids} | {p for p, _ in asks})
    # Candidate intervals [lo, hi] in ascending order: a limit price, then the gap after it.
    intervals: list[tuple[int, int]] = []
    for p, nxt in zip(prices, prices[1:] + [prices[-1]]):
        intervals.append((p, p))
        if nxt - p > 1:
            intervals.append((p + 1, nxt - 1))
    # Volume willing to buy at an interval: bids priced >= its low end; to sell: asks <= it.
    buy: list[int] = [0] * len(intervals)
    total, i = 0, 0
    for k in range(len(intervals) - 1, -1, -1):
        while i < len(bids) and bids[i][0] >= intervals[k][0]:
            total += bids[i][1]
            i += 1
        buy[k] = total
    sell: list[int] = [0] * len(intervals)
    total, i = 0, 0
    for k in range(len(intervals)):
        while i < len(asks) and asks[i][0] <= intervals[k][0]:
            total += asks[i][1]
            i += 1
        sell[k] = total

    best_volume = max(min(b, s) for b, s in zip(buy, sell))
    candidates = [k for k in range(len(intervals)) if min(buy[k], sell[k]) == best_volume]
    least = min(abs(buy[k] - sell[k]) for k in candidates)
    candidates = [k for k in candidates if abs(buy[k] - sell[k]) == least]
    # Doubled prices keep a midpoint reference in integers.
    if reference is not None:
        ref2 = 2 * reference
    else:
        ref2 = intervals[candidates[0]][0] + intervals[candidates[-1]][1]

    def nearest(k: int) -> int:
        lo, hi = intervals[k]
        return min(max(ref2 // 2, lo), hi)  # ref2 // 2 rounds a half down: ties go lower

    k = min(candidates, key=lambda k: (abs(2 * nearest(k) - ref2), nearest(k)))
    return Uncross(nearest(k), best_volume, buy[k] - sell[k])
