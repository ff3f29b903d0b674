"""Faults the simulated venue produces on request, for drills and tests."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from venues.engine.errors import VenueError
from vocabulary.market_data import Quote, Trade, encode


class Gate:
    """Holds what is addressed to chosen clients (CompIDs) until it is opened again, in arrival order.

    Closed for a client, every item offered for that client is kept back; `release` opens the
    gate and hands back the items it held, oldest first, so nothing is reordered or lost unless
    the caller chooses to drop them.
    """

    ALL = "*"

    def __init__(self) -> None:
        self._closed: set[str] = set()
        self._exempt: set[str] = set()
        """Clients released one by one while the gate is closed for everyone."""
        self._items: list[tuple[str, Any]] = []

    def hold(self, comp_id: str | None = None) -> None:
        """Hold what is for ``comp_id`` from now on (None: for every client)."""
        if comp_id is None:
            self._closed.add(self.ALL)
            self._exempt.clear()
        else:
            self._closed.add(comp_id)
            self._exempt.discard(comp_id)

    def holds(self, comp_id: str) -> bool:
        return comp_id in self._closed or (self.ALL in self._closed and comp_id not in self._exempt)

    def offer(self, comp_id: str, item: Any) -> bool:
        """Keep ``item`` if the gate is closed for ``comp_id``; False: pass it on now."""
        if not self.holds(comp_id):
            return False
        self._items.append((comp_id, item))
        return True

    def release(self, comp_id: str | None = None) -> list[Any]:
        """Open the gate for ``comp_id`` (None: for everyone) and return what it held for it, in order."""
        if comp_id is None:
            self._closed.clear()
            self._exempt.clear()
            out, self._items = [item for _, item in self._items], []
            return out
        self._closed.discard(comp_id)
        if self.ALL in self._closed:
            self._exempt.add(comp_id)
        out = [item for c, item in self._items if c == comp_id]
        self._items = [(c, item) for c, item in self._items if c != comp_id]
        return out

    def count(self, comp_id: str | None = None) -> int:
        """How many items are held (for ``comp_id``, or in all)."""
        return sum(1 for c, _ in self._items if comp_id in (None, c))

    def __repr__(self) -> str:
        return f"Gate(closed={sorted(self._closed)}, held={self.count()})"


@dataclass
class Faults:
    reject_next: int = 0
    """Reject this many new orders (OrdRejReason 0, "fault injection")."""
    delay_ms: int = 0
    """Hold every report for this long before sending it."""
    refuse_logon: int = 0
    """Refuse this many logons (-1: all until cleared)."""
    refuse_only: str | None = None
    """Refuse only this client CompID's logons (None: everyone's)."""
    silent: bool = False
    """Answer nothing and publish no market data (the FIX engine still heartbeats)."""
    held_reports: Gate = field(default_factory=Gate)
    """Application messages to these clients wait here until released (a stalled link)."""
    held_requests: Gate = field(default_factory=Gate)
    """Application messages from these clients wait here unprocessed until released (a busy venue)."""

    def take_reject(self) -> bool:
        if self.reject_next > 0:
            self.reject_next -= 1
            return True
        return False

    def take_refusal(self, comp_id: str) -> bool:
        if self.refuse_logon and self.refuse_only in (None, comp_id):
            if self.refuse_logon > 0:
                self.refuse_logon -= 1
            return True
        return False


MD_CORRUPT_RULES = {"garbage": "unparseable", "crossed": "crossed", "negative": "non_positive"}
"""md_corrupt's kinds, each with the rule of actors/feed/validation.py that a feed rejects it by."""
GARBAGE = b"\x00md_corrupt garbage"
"""The payload of a garbage message: the size of neither a quote (48 bytes) nor a trade (33)."""


def positive_int(command: str, args: dict, name: str, default: int | None = None) -> int:
    """args[name] as a positive int (`default` when absent; None: required), else a VenueError saying so."""
    value = args.get(name, default)
    if value is None:
        raise VenueError(f"{command} needs {name} (a positive integer)")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:  # True is an int in Python
        raise VenueError(f"{command}: {name} is a positive integer, not {value!r}")
    return value


class MdCorruption:
    """md_corrupt: the next `left` market-data messages go out corrupted, on every line, as `kind` says.

    crossed and negative take the sequence number of the message they replace, so a feed judges them
    in their place (a bad message, no gap). Garbage takes none: a feed cannot read a number out of a
    payload it cannot parse, so a number spent on it would show the feed a gap of 1 after it.
    """

    def __init__(self, args: dict) -> None:
        kind = args.get("kind", "garbage")
        if kind not in MD_CORRUPT_RULES:
            raise VenueError(f"md_corrupt: kind is one of {', '.join(MD_CORRUPT_RULES)}, not {kind!r}")
        self.kind = kind
        self.left = positive_int("md_corrupt", args, "n", 1)

    @property
    def numbered(self) -> bool:
        return self.kind != "garbage"

    def corrupt(self, item: Quote | Trade) -> list[bytes]:
        """The frames that go out instead of `item` (numbered already when `numbered`)."""
        self.left -= 1
        if self.kind == "garbage":
            return [b"Q" + item.symbol.encode(), GARBAGE]
        return encode(_crossed(item) if self.kind == "crossed" else _negative(item))

    def __repr__(self) -> str:
        return f"{self.left} {self.kind}"


def _crossed(item: Quote | Trade) -> Quote:
    """A quote with its bid above its ask, at prices on the tick (so it is crossed, not off_tick)."""
    if type(item) is Quote and 0 < item.bid_px < item.ask_px:
        return item._replace(bid_px=item.ask_px, ask_px=item.bid_px)  # the sides swapped
    px = _some_price(item)
    return Quote(item.symbol, item.seq, item.ts_ns, 2 * px, 1.0, px, 1.0)


def _negative(item: Quote | Trade) -> Quote | Trade:
    if type(item) is Trade:
        return item._replace(px=-item.px)
    if item.bid_px:
        return item._replace(bid_px=-item.bid_px)
    if item.ask_px:
        return item._replace(ask_px=-item.ask_px)
    return item._replace(bid_px=-1.0, bid_qty=1.0)  # -0.0 with size 0 would pass as an empty side


def _some_price(item: Quote | Trade) -> float:
    """A price of the message, on its tick; 1.0 (on any tick that divides 1) for a quote of an empty book."""
    if type(item) is Trade:
        return item.px
    return item.bid_px or item.ask_px or 1.0
