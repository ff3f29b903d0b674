"""Price-time priority limit order book of one symbol.

Each side keeps its price levels in a dict (price -> level) plus a sorted list of level keys
with the best level last (bids keyed by price, asks by -price), so the best level is
``keys[-1]``, removing it is ``list.pop()``, and a new level costs one bisect plus a short
memmove (new levels appear near the touch). A level is a FIFO deque of orders.

Cancelling from the middle of a queue would be O(queue), so removal is lazy: each resting
order carries the stamp of its queue entry and an entry whose stamp no longer matches is
dead. Dead entries are skipped at the front and compacted away once they outnumber the live
ones, so a level's memory stays proportional to its live orders.

The book only moves quantities; reports are the caller's business, through the
``on_fill`` callbacks, which run after both orders of a fill were updated.
"""
from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from collections.abc import Callable, Iterator
from itertools import count

from venues.engine.types import Order, Side

_COMPACT_MIN = 16


class Level:
    """All resting orders at one price, oldest first."""

    __slots__ = ("price", "qty", "live", "queue")

    def __init__(self, price: int) -> None:
        self.price = price
        self.qty = 0
        """Sum of the live orders' leaves_qty."""
        self.live = 0
        self.queue: deque[tuple[int, Order]] = deque()

    def front(self) -> Order:
        queue = self.queue
        while queue[0][0] != queue[0][1].stamp:
            queue.popleft()
        return queue[0][1]

    def orders(self) -> Iterator[Order]:
        for stamp, order in self.queue:
            if stamp == order.stamp:
                yield order


class BookSide:
    """One side of the book."""

    __slots__ = ("side", "_sign", "_keys", "_levels")

    def __init__(self, side: Side) -> None:
        self.side = side
        self._sign = 1 if side is Side.BUY else -1
        self._keys: list[int] = []
        self._levels: dict[int, Level] = {}

    def __bool__(self) -> bool:
        return bool(self._keys)

    def best_level(self) -> Level | None:
        return self._levels[self._keys[-1]] if self._keys else None

    def best_price(self) -> int | None:
        return self._levels[self._keys[-1]].price if self._keys else None

    def levels(self) -> Iterator[Level]:
        """Best price first."""
        levels = self._levels
        for key in reversed(self._keys):
            yield levels[key]

    def orders(self) -> Iterator[Order]:
        """Every resting order in priority order."""
        for level in self.levels():
            yield from level.orders()

    def depth(self, n: int) -> list[tuple[int, int]]:
        """The best ``n`` levels as (price, total leaves)."""
        out = []
        for level in self.levels():
            if len(out) == n:
                break
            out.append((level.price, level.qty))
        return out

    def add(self, order: Order, stamp: int) -> None:
        key = order.price * self._sign
        level = self._levels.get(key)
        if level is None:
            level = self._levels[key] = Level(order.price)
            insort(self._keys, key)
        order.stamp = stamp
        level.queue.append((stamp, order))
        level.qty += order.leaves_qty
        level.live += 1

    def remove(self, order: Order) -> None:
        key = order.price * self._sign
        level = self._levels[key]
        order.stamp = 0
        level.qty -= order.leaves_qty
        level.live -= 1
        if level.live == 0:
            self._drop(key)
        elif len(level.queue) - level.live > max(_COMPACT_MIN, level.live):
            level.queue = deque(e for e in level.queue if e[0] == e[1].stamp)

    def set_leaves(self, order: Order, leaves: int) -> None:
        """Change a resting order's leaves in place (it keeps its time priority)."""
        if leaves == 0:
            self.remove(order)
            order.leaves_qty = 0
            return
        self._levels[order.price * self._sign].qty += leaves - order.leaves_qty
        order.leaves_qty = leaves

    def fill_front(self, level: Level, maker: Order, qty: int, px: int) -> None:
        """Fill the order at the front of ``level`` (the best level)."""
        maker.apply_fill(qty, px)
        level.qty -= qty
        if maker.leaves_qty == 0:
            level.queue.popleft()
            maker.stamp = 0
            level.live -= 1
            if level.live == 0:
                del self._levels[self._keys.pop()]

    def _drop(self, key: int) -> None:
        del self._levels[key]
        keys = self._keys
        del keys[bisect_left(keys, key)]


class OrderBook:
    """Both sides of one symbol's book. Every open order of the symbol rests here."""

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bids = BookSide(Side.BUY)
        self.asks = BookSide(Side.SELL)
        self._stamps = count(1)

    def side(self, side: Side) -> BookSide:
        return self.bids if side is Side.BUY else self.asks

    def add(self, order: Order) -> None:
        """Rest ``order`` behind everything already at its price."""
        self.side(order.side).add(order, next(self._stamps))

    def remove(self, order: Order) -> None:
        self.side(order.side).remove(order)

    def set_leaves(self, order: Order, leaves: int) -> None:
        self.side(order.side).set_leaves(order, leaves)

    def best_bid(self) -> int | None:
        return self.bids.best_price()

    def best_ask(self) -> int | None:
        return self.asks.best_price()

    def top(self) -> tuple[int | None, int, int | None, int]:
        """(bid price, bid qty, ask price, ask qty) at the touch; an empty side is (None, 0)."""
        bid, ask = self.bids.best_level(), self.asks.best_level()
        return (bid.price if bid else None, bid.qty if bid else 0,
                ask.price if ask else None, ask.qty if ask else 0)

    def is_crossed(self) -> bool:
        bid, ask = self.best_bid(), self.best_ask()
        return bid is not None and ask is not None and bid >= ask

    def fillable(self, taker: Order) -> bool:
        """Whether ``taker``'s whole leaves_qty is available within its limit (FOK check)."""
        need = taker.leaves_qty
        for level in self.side(taker.side.opposite).levels():
            if not _crosses(taker, level.price):
                return False
            need -= level.qty
            if need <= 0:
                return True
        return False

    def match(self, taker: Order, on_fill: Callable[[Order, int, int], None]) -> None:
        """Take liquidity for ``taker`` at the resting orders' prices, best first, until
        it is filled or no longer crosses. ``on_fill(maker, qty, px)`` after each fill."""
        opposite = self.side(taker.side.opposite)
        while taker.leaves_qty:
            level = opposite.best_level()
            if level is None or not _crosses(taker, level.price):
                return
            maker = level.front()
            qty = min(taker.leaves_qty, maker.leaves_qty)
            opposite.fill_front(level, maker, qty, level.price)
            taker.apply_fill(qty, level.price)
            on_fill(maker, qty, level.price)

    def uncross(self, price: int, on_fill: Callable[[Order, Order, int, int], None]) -> None:
        """Execute every crossing order at the single ``price`` (the auction), in priority
        order on both sides. ``on_fill(buy, sell, qty, price)`` after each fill."""
        bids, asks = self.bids, self.asks
        while True:
            bid, ask = bids.best_level(), asks.best_level()
            if bid is None or ask is None or bid.price < price or ask.price > price:
                return
            buy, sell = bid.front(), ask.front()
            qty = min(buy.leaves_qty, sell.leaves_qty)
            bids.fill_front(bid, buy, qty, price)
            asks.fill_front(ask, sell, qty, price)
            on_fill(buy, sell, qty, price)


def _crosses(taker: Order, resting_price: int) -> bool:
    if taker.price is None:
        return True
    return resting_price <= taker.price if taker.side is Side.BUY else resting_price >= taker.price
