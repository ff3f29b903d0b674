"""Tick validation: every rule a market-data message must pass before a strategy sees it.

Plain domain code: frames in, a verdict out; no sockets, no Redis. A message that
fails one rule is rejected with that rule's name and a reason a person can act
on; nothing it carried touches the state later messages are judged against
(a corrupt price never becomes the reference, a future timestamp never becomes
the last one).

Rules, in the order they are checked (the first that fails is reported):

    unparseable     the frames are not a quote or a trade in the wire format
    unknown_symbol  not in the symbol master
    duplicate       a sequence number already seen on this source
    out_of_order    an older sequence number that was missing (it closes part of a gap,
                    but newer prices went out already, so it is not delivered)
    non_finite      a price or size that is NaN or infinite
    non_positive    a price or size <= 0 (a quote side with no price is px 0 and qty 0, which is fine)
    off_tick        a price that is not a whole number of ticks
    crossed         bid above ask
    locked          bid equal to ask (only with locked: quarantine, the default; with deliver a
                    locked quote is good, and its price moves the band reference)
    future_ts       stamped later than now + max_future_ms
    stale_ts        stamped earlier than now - max_age_ms
    ts_backwards    stamped earlier than the last good message of the symbol
    price_band      further than band_pct from the reference (the last good price, or the
                    median of the last good ones)

A stale reference price does not blackhole a symbol: while a symbol's only reference (on
a source) is the symbol master's `reference_price` (no good price of it seen yet), a run
of `adopt_after` prices in a row that agree with each other (each within band_pct of the
median of the run before it) and all break the band against the master's price replaces
it. The price that completes the run is delivered and becomes, with the rest of the run,
the reference; the ones before it stay quarantined as price_band. `Validator.adopted`
records each replacement for the feed to raise an alert. A price that disagrees with the
run starts a new one; a message rejected for another rule neither counts nor breaks it.
Once the symbol has had a good price, the band works as it always did.

A sequence gap is not a rejection: the message after it is good, and is
delivered. The gap is counted, with its size, and closes when the missing
numbers arrive late (or is given up when too many are open).

Corporate actions (vigil/corporate_actions.py): when the first message of a
symbol stamped at or after a split's or dividend's effective time arrives, the
band reference of that symbol (per source) is rescaled to post-action prices
before the message is judged, so half the price after a 2:1 split is no jump
(and a wild price after it still is). Only a reference built from prices before
the action is rescaled: one from the symbol master alone is taken as current.
"""
from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Literal, Mapping

from msgspec import Meta

from vigil.config import Config, Positive, PositiveInt
from vigil.corporate_actions import CorporateAction
from vigil.reference import Instrument
from vocabulary.market_data import Quote, Trade, decode

RULES = ("unparseable", "unknown_symbol", "duplicate", "out_of_order", "non_finite", "non_positive", "off_tick",
         "crossed", "locked", "future_ts", "stale_ts", "ts_backwards", "price_band")

MS = 1_000_000
_INF = math.inf
NEVER = 1 << 63
"""An effective time no message reaches (an int: the per-message compare stays int to int)."""


class ValidationConfig(Config):
    band_pct: Positive = 5.0
    """A price further than this from the reference (in percent) is a jump, not a move."""
    band_reference: Literal["last", "median"] = "median"
    """"last": the last good price; "median": the median of the last `median_window` good prices."""
    median_window: PositiveInt = 21
    max_future_ms: Positive = 1_000.0
    """Clock skew tolerated between the publisher and us."""
    max_age_ms: Positive = 5_000.0
    """A message stamped longer ago than this is stale when it arrives."""
    max_open_gaps: PositiveInt = 64
    """Per symbol; beyond this the oldest open gap is given up as lost."""
    locked: Literal["quarantine", "deliver"] = "quarantine"
    """A locked quote (bid equal to ask): "quarantine" rejects it (rule locked); "deliver" takes it as a good
    quote, whose price moves the band reference like any other (aggregated FX quotes are locked for a
    moment now and then). A crossed quote (bid above ask) is quarantined either way."""
    adopt_after: Annotated[int, Meta(ge=2)] | None = 20
    """While a symbol's only band reference (on a source) is the symbol master's `reference_price` (no
    good price of it yet), this many prices in a row that agree with each other (each within band_pct
    of the median of the run before it) and all break the band against that price replace it as the
    reference: the one that completes the run is delivered, and those after it are judged against the
    run; the ones before it stay quarantined as price_band; the feed raises an alert. At least 2 (one
    price agrees with nothing); null: the master's price is never replaced (every such quote is
    price_band until one comes within the band). The default, 20, is also what an absent setting means."""


@dataclass(frozen=True, slots=True)
class Rejection:
    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class Gap:
    symbol: str
    first: int
    """The first missing sequence number."""
    size: int


@dataclass(frozen=True, slots=True)
class Adoption:
    """A run of prices that replaced the symbol master's reference_price as a symbol's band reference."""

    source: str
    symbol: str
    configured: float
    """The symbol master's reference_price."""
    observed: float
    """The reference taken from the run: its median, or its last price with band_reference "last"."""
    run: int
    """How many prices in a row agreed (adopt_after)."""


@dataclass
class Verdict:
    message: Quote | Trade | None = None
    """Decoded, when it parsed."""
    rejection: Rejection | None = None
    gap: Gap | None = None
    """A gap this message revealed (the message itself may still be good)."""
    closed_gaps: int = 0
    """Gaps this late message closed completely."""
    reset: bool = False
    """The source numbers from 1 again (its publisher restarted)."""

    @property
    def ok(self) -> bool:
        return self.rejection is None


class Sequence:
    """Sequence numbers of one symbol on one source: what came, what is missing."""

    def __init__(self, max_open_gaps: int) -> None:
        self.last = 0
        self.missing: deque[list[int]] = deque()  # open gaps as [first, last] ranges, oldest first
        self.max_open = max_open_gaps
        self.lost = 0
        """Numbers given up on: open gaps pushed out by newer ones."""

    def classify(self, seq: int) -> str:
        """"next" | "gap" | "reset" (numbering from 1 again) | "late" (fills a gap) | "duplicate"; changes nothing."""
        if seq == self.last + 1 or self.last == 0:
            return "next"
        if seq == 1:
            return "reset"
        if seq > self.last:
            return "gap"
        return "late" if any(first <= seq <= last for first, last in self.missing) else "duplicate"

    def accept(self, seq: int) -> int:
        """Take `seq` as the newest number ("next", "gap" or "reset"); returns the size of the gap it leaves."""
        if seq == 1 and self.last > 1:  # the publisher restarted: what was missing will never come
            self.last, self.missing = 0, deque()
        size = seq - 1 - self.last if self.last else 0
        if size > 0:
            self.missing.append([self.last + 1, seq - 1])
            while len(self.missing) > self.max_open:
                first, last = self.missing.popleft()
                self.lost += last - first + 1
        self.last = seq
        return max(size, 0)

    def fill(self, seq: int) -> bool:
        """A late number arrived; True when it closed its gap completely."""
        for i, (first, last) in enumerate(self.missing):
            if first <= seq <= last:
                if first == last:
                    del self.missing[i]
                    return True
                if seq == first:
                    self.missing[i][0] += 1
                elif seq == last:
                    self.missing[i][1] -= 1
                else:
                    self.missing.insert(i + 1, [seq + 1, last])
                    self.missing[i][1] = seq - 1
                return False
        return False

    @property
    def open_gaps(self) -> int:
        return len(self.missing)


class _Run:
    """Prices in a row that broke the band against the symbol master's reference_price, each within
    band_pct of the median of those before it."""

    def __init__(self, band_pct: float) -> None:
        self.band_pct = band_pct
        self.prices: list[float] = []
        self._sorted: list[float] = []

    def offer(self, price: float) -> int:
        """Add `price` (a disagreeing one starts the run again, with it); the run's length."""
        ordered, n = self._sorted, len(self._sorted)
        if n:
            median = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
            if abs(price - median) * 100 > self.band_pct * median:
                self.prices, self._sorted = [], []
        self.prices.append(price)
        bisect.insort(self._sorted, price)
        return len(self.prices)


class _Reference:
    """The price a new one is compared against for the band check."""

    def __init__(self, config: ValidationConfig, start: float | None) -> None:
        self._window = config.median_window if config.band_reference == "median" else 1
        self._recent: deque[float] = deque()
        self._sorted: list[float] = []  # the same prices in order: a median per message must not sort
        if start is not None:
            self.add(start)
        self.from_master = start is not None
        """The one price in it is the symbol master's reference_price: a run may replace it."""

    def value(self) -> float | None:
        ordered, n = self._sorted, len(self._sorted)
        if not n:
            return None
        return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2

    def add(self, price: float) -> None:
        self.from_master = False
        self._recent.append(price)
        bisect.insort(self._sorted, price)
        if len(self._recent) > self._window:
            del self._sorted[bisect.bisect_left(self._sorted, self._recent.popleft())]

    def rescale(self, factor: float, offset: float) -> None:
        """Every price kept, in the units after a corporate action: new = old * factor - offset."""
        rescaled = (p * factor - offset for p in self._recent)
        self._recent = deque(p for p in rescaled if p > 0)  # a dividend as large as a price leaves no price
        self._sorted = sorted(self._recent)


@dataclass
class _SymbolState:
    """One symbol as one source sent it: sources are judged each on its own, so a backup line that
    lags the primary is not taken for one going backwards."""

    reference: _Reference
    sequence: Sequence
    last_ts: int = 0
    pending: deque[CorporateAction] = field(default_factory=deque)
    """Corporate actions of the symbol not yet in effect on this source, the next first."""
    next_action_ns: int = NEVER
    """When the next of them takes effect: a message stamped at or after it applies it."""
    source: str = ""
    tick: float = 1.0
    """The instrument's tick size, kept here for the fast path."""
    run: _Run | None = None
    """Prices breaking the band against the symbol master's reference alone, in a row (adopt_after)."""


class Validator:
    """Judges the messages of every source of one feed."""

    def __init__(self, instruments: Mapping[str, Instrument], config: ValidationConfig | None = None,
                 actions: Iterable[CorporateAction] = ()) -> None:
        self.instruments = dict(instruments)
        self.config = config or ValidationConfig()
        self._states: dict[tuple[str, str], _SymbolState] = {}
        self._actions: dict[str, list[CorporateAction]] = {}
        for action in sorted(actions, key=lambda a: (a.effective_ns, a.id)):
            if action.symbol in self.instruments:
                self._actions.setdefault(action.symbol, []).append(action)
        self.applied: list[tuple[str, CorporateAction, bool]] = []
        """(source, action, rescaled) for each action that took effect; the owner empties it when it has
        reported them."""
        self.adopted: list[Adoption] = []
        """Each run of prices that replaced the symbol master's reference (adopt_after); the owner empties
        it when it has reported them."""
        self._quarantine_locked = self.config.locked == "quarantine"
        self._future_ns = self.config.max_future_ms * MS
        self._age_ns = self.config.max_age_ms * MS

    def _state(self, symbol: str, source: str) -> _SymbolState:
        state = self._states.get((source, symbol))
        if state is None:
            pending = deque(self._actions.get(symbol, ()))
            state = self._states[(source, symbol)] = _SymbolState(
                _Reference(self.config, self.instruments[symbol].reference_price),
                Sequence(self.config.max_open_gaps), pending=pending,
                next_action_ns=pending[0].effective_ns if pending else NEVER, source=source,
                tick=self.instruments[symbol].tick_size)
        return state

    def take_effect(self, state: _SymbolState, ts_ns: int, now_ns: int) -> list[CorporateAction]:
        """Apply to `state` the actions in effect at `ts_ns`, the stamp of a message just arrived (and
        about to be judged); the actions applied."""
        if ts_ns > now_ns + self.config.max_future_ms * MS:
            return []  # a message stamped in the future is no sign the action is in effect: it is future_ts
        applied = []
        pending = state.pending
        while pending and pending[0].effective_ns <= ts_ns:
            action = pending.popleft()
            state.run = None  # its prices are from before the action
            rescaled = state.last_ts != 0  # good prices from before it went into the reference
            if rescaled:
                state.reference.rescale(*action.price_factor_and_offset())
            self.applied.append((state.source, action, rescaled))
            applied.append(action)
        state.next_action_ns = pending[0].effective_ns if pending else NEVER
        return applied

    def open_gaps(self, source: str) -> int:
        return sum(st.sequence.open_gaps for (src, _), st in self._states.items() if src == source)

    def check(self, frames: list[bytes], source: str, now_ns: int) -> Verdict:
        try:
            msg = decode(frames)
        except (ValueError, UnicodeDecodeError) as err:
            return Verdict(rejection=Rejection("unparseable", str(err)))
        # Nearly every message: the next number of a symbol already seen, a two-sided quote that passes
        # every rule, no corporate action due. Taken in a few comparisons; anything else goes the long way.
        state = self._states.get((source, msg.symbol))
        if state is not None and type(msg) is Quote and msg.seq == state.sequence.last + 1 \
                and msg.ts_ns < state.next_action_ns and self._plainly_good(msg, state, now_ns):
            state.sequence.last = msg.seq
            state.last_ts = msg.ts_ns
            state.reference.add((msg.bid_px + msg.ask_px) / 2)
            return Verdict(msg)
        return self._judge(msg, source, now_ns)

    def _judge(self, msg: Quote | Trade, source: str, now_ns: int) -> Verdict:
        if msg.symbol not in self.instruments:
            return Verdict(msg, Rejection("unknown_symbol", f"{msg.symbol!r} is not in the symbol master"))
        state = self._state(msg.symbol, source)
        verdict = Verdict(msg)
        sequence = state.sequence
        kind = sequence.classify(msg.seq)
        if kind == "reset" and msg.ts_ns <= state.last_ts:
            kind = "duplicate"  # an old copy of number 1, not a restarted publisher
        if kind == "duplicate":
            verdict.rejection = Rejection("duplicate", f"{msg.symbol} seq {msg.seq} was already received")
            return verdict
        if kind == "late":
            verdict.closed_gaps = int(sequence.fill(msg.seq))
            verdict.rejection = Rejection("out_of_order", f"{msg.symbol} seq {msg.seq} arrived after newer ones "
                                                          f"(it fills a gap)")
            return verdict
        if msg.ts_ns >= state.next_action_ns:  # rarely true: a corporate action takes effect
            self.take_effect(state, msg.ts_ns, now_ns)
        adopted = False
        if not (type(msg) is Quote and self._plainly_good(msg, state, now_ns)):
            verdict.rejection = self._content(msg, self.instruments[msg.symbol], state, now_ns)
            if verdict.rejection is not None and verdict.rejection.rule == "price_band" \
                    and state.reference.from_master and self.config.adopt_after:
                adopted = self.offer(state, msg.symbol, _price_of(msg))
                verdict.rejection = None if adopted else self._run_reason(verdict.rejection, state)
            if verdict.rejection is not None:
                if kind == "next":  # it did arrive in its place: no false gap after it
                    sequence.accept(msg.seq)
                return verdict  # a bad message's other numbers are not trusted: a wild one would blackhole the symbol
        size = sequence.accept(msg.seq)
        verdict.reset = kind == "reset"
        if size:
            verdict.gap = Gap(msg.symbol, msg.seq - size, size)
        state.last_ts = msg.ts_ns
        if (price := _price_of(msg)) and not adopted:  # an adopted price is in the reference already
            state.reference.add(price)
        return verdict

    def offer(self, state: _SymbolState, symbol: str, price: float) -> bool:
        """`price` broke the band against the symbol master's reference_price alone: it goes to the run
        that may replace it (adopt_after). True when it completes the run: the run is the reference now,
        and the replacement is in `adopted`."""
        run = state.run
        if run is None:
            run = state.run = _Run(self.config.band_pct)
        if run.offer(price) < self.config.adopt_after:
            return False
        state.reference = _Reference(self.config, None)
        for p in run.prices:
            state.reference.add(p)
        state.run = None
        self.adopted.append(Adoption(state.source, symbol, self.instruments[symbol].reference_price,
                                     state.reference.value(), len(run.prices)))
        return True

    def _run_reason(self, rejection: Rejection, state: _SymbolState) -> Rejection:
        return Rejection(rejection.rule, f"{rejection.reason}; that is the symbol master's reference_price: "
                                         f"{len(state.run.prices)} of {self.config.adopt_after} agreeing prices "
                                         f"in a row replace it")

    def _plainly_good(self, q: Quote, state: _SymbolState, now_ns: int) -> bool:
        """The common case in a few comparisons: a two-sided quote that passes every rule. False means
        "look closer" (_content names the rule), not "bad"."""
        bid, ask, ts = q.bid_px, q.ask_px, q.ts_ns
        if not (0 < bid < ask < _INF and 0 < q.bid_qty < _INF and 0 < q.ask_qty < _INF
                and state.last_ts <= ts <= now_ns + self._future_ns and ts >= now_ns - self._age_ns):
            return False
        tick = state.tick
        b, a = bid / tick, ask / tick
        if abs(b - round(b)) > 1e-6 or abs(a - round(a)) > 1e-6:
            return False
        reference = state.reference.value()
        return not reference or abs((bid + ask) / 2 - reference) * 100 <= self.config.band_pct * reference

    def _content(self, msg: Quote | Trade, instrument: Instrument, state: _SymbolState, now_ns: int
                 ) -> Rejection | None:
        if isinstance(msg, Quote):
            sides = (("bid", msg.bid_px, msg.bid_qty), ("ask", msg.ask_px, msg.ask_qty))
        else:
            sides = (("trade", msg.px, msg.qty),)
        for name, px, qty in sides:
            if not (math.isfinite(px) and math.isfinite(qty)):
                return Rejection("non_finite", f"{msg.symbol} {name} price {px!r} size {qty!r}")
        for name, px, qty in sides:
            empty_side = isinstance(msg, Quote) and px == 0 and qty == 0
            if not empty_side and (px <= 0 or qty <= 0):
                return Rejection("non_positive", f"{msg.symbol} {name} price {px!r} size {qty!r}")
        for name, px, qty in sides:
            if px and not instrument.on_tick(px):
                return Rejection("off_tick", f"{msg.symbol} {name} price {px!r} is not a multiple of the "
                                             f"tick size {instrument.tick_size!r}")
        if isinstance(msg, Quote) and msg.bid_px and msg.ask_px:
            if msg.bid_px > msg.ask_px:
                return Rejection("crossed", f"{msg.symbol} bid {msg.bid_px!r} above ask {msg.ask_px!r}")
            if msg.bid_px == msg.ask_px and self._quarantine_locked:
                return Rejection("locked", f"{msg.symbol} bid equals ask {msg.ask_px!r}")
        if msg.ts_ns > now_ns + self.config.max_future_ms * MS:
            return Rejection("future_ts", f"{msg.symbol} stamped {(msg.ts_ns - now_ns) / MS:.1f} ms in the future")
        if msg.ts_ns < now_ns - self.config.max_age_ms * MS:
            return Rejection("stale_ts", f"{msg.symbol} stamped {(now_ns - msg.ts_ns) / MS:.1f} ms ago "
                                         f"(older than {self.config.max_age_ms:g} ms)")
        if msg.ts_ns < state.last_ts:
            return Rejection("ts_backwards", f"{msg.symbol} stamped {(state.last_ts - msg.ts_ns) / MS:.3f} ms "
                                             f"before the previous message")
        price, reference = _price_of(msg), state.reference.value()
        if price and reference:
            move = abs(price - reference) / reference * 100
            if move > self.config.band_pct:
                return Rejection("price_band", f"{msg.symbol} price {price!r} is {move:.2f}% from the reference "
                                               f"{reference!r} (band {self.config.band_pct:g}%)")
        return None


def _price_of(msg: Quote | Trade) -> float:
    """The price the band is about: a trade's, or a quote's mid (its one side when the other is empty)."""
    if isinstance(msg, Trade):
        return msg.px
    if msg.bid_px and msg.ask_px:
        return (msg.bid_px + msg.ask_px) / 2
    return msg.bid_px or msg.ask_px
