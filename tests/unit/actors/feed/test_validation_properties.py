"""Property tests for tick validation (hypothesis).

The main property: generate a valid stream per symbol, insert corrupt messages at random places, and
interleave the symbols. Then exactly the valid messages are delivered (verdict.ok), in order, none
dropped, and every corrupt one is rejected, by the rule its corruption is about.

How the corrupt messages are numbered, so that the property is exact:

* a corruption the validator judges on content (NaN, negative price, off-tick, crossed, ... future,
  stale or backwards timestamp) is a message the publisher numbered: it takes the next sequence
  number on the wire, as a real bad tick would. The valid messages around it are then not
  consecutive among themselves, but the stream as sent is, so no gap appears;
* an unparseable message or an unknown symbol is rejected before sequence numbers are looked at,
  so it takes none;
* an exact duplicate reuses the number of the earlier message it copies, and is a 'duplicate'.
  It never copies a seq-1 message: number 1 again may be a restarted publisher, told from a copy by
  its timestamp, so a copy of a bad seq 1 can be rejected for its content instead (never delivered
  either way; test_validation_rules.py covers copies of seq 1).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from actors.feed.validation import Gap, ValidationConfig, Validator
from vigil.reference import load_master
from vocabulary.market_data import Quote, Trade, encode

MS = 1_000_000
NOW = 1_700_000_000_000_000_000
CONFIG = ValidationConfig()  # band 5 %, future 1000 ms, age 5000 ms
LO_TS = NOW - 4_000 * MS  # valid stamps: inside the age and future limits with room to spare,
HI_TS = NOW + 500 * MS    # so a 'backwards' stamp (up to 1 s before the last good one) is not stale
MASTER = load_master()
SYMBOLS = ("EURUSD", "USDJPY", "ACME")
SOURCE = "primary"

# corruption -> the rule that must reject it
CORRUPTIONS = {
    "nan": "non_finite",
    "inf": "non_finite",
    "negative": "non_positive",
    "zero_size": "non_positive",
    "off_tick": "off_tick",
    "crossed": "crossed",
    "locked": "locked",
    "far_out": "price_band",
    "future": "future_ts",
    "stale": "stale_ts",
    "backwards": "ts_backwards",
    "unknown_symbol": "unknown_symbol",
    "truncated": "unparseable",
    "duplicate": "duplicate",
}
TAKES_NO_SEQ = {"unknown_symbol", "truncated", "duplicate"}


@dataclass(frozen=True)
class Sent:
    frames: list[bytes]
    rule: str | None
    """None for a valid message; else the rule that must reject it."""
    symbol: str


def _ticks(symbol: str) -> tuple[float, int, int]:
    """Tick size and the range of prices (in ticks) a valid message uses: the reference price +-2%.
    Any two prices in that range (plus a few ticks of spread) are within 5% of each other, so a
    valid price is inside the band of any reference, last or median."""
    inst = MASTER[symbol]
    tick, ref = inst.tick_size, inst.reference_price
    return tick, math.ceil(ref * 0.98 / tick), math.floor(ref * 1.02 / tick)


def _px(k: float, tick: float) -> float:
    return round(k * tick, 10)


@st.composite
def _prices(draw, symbol: str):
    """(bid ticks, spread ticks, bid qty, ask qty) for a two-sided quote, or a trade's price and qty."""
    _, lo, hi = _ticks(symbol)
    return (draw(st.integers(lo, hi)), draw(st.integers(1, 5)),
            float(draw(st.integers(1, 10_000_000))), float(draw(st.integers(1, 10_000_000))))


@st.composite
def _valid(draw, symbol: str, seq: int, ts: int) -> list[bytes]:
    tick, _, _ = _ticks(symbol)
    k, spread, q1, q2 = draw(_prices(symbol))
    shape = draw(st.sampled_from(("two_sided", "bid_only", "ask_only", "trade")))
    bid, ask = _px(k, tick), _px(k + spread, tick)
    if shape == "two_sided":
        return encode(Quote(symbol, seq, ts, bid, q1, ask, q2))
    if shape == "bid_only":
        return encode(Quote(symbol, seq, ts, bid, q1, 0.0, 0.0))
    if shape == "ask_only":
        return encode(Quote(symbol, seq, ts, 0.0, 0.0, ask, q2))
    return encode(Trade(symbol, seq, ts, bid, q1, draw(st.sampled_from((1, -1, 0)))))


@st.composite
def _corrupt(draw, kind: str, symbol: str, seq: int, base_ts: int, last_good_ts: int | None) -> list[bytes]:
    """A message wrong in exactly one way (`kind`), right in every other."""
    tick, _, _ = _ticks(symbol)
    k, spread, q1, q2 = draw(_prices(symbol))
    ts = base_ts
    as_trade = kind not in ("crossed", "locked") and draw(st.booleans())
    bid, ask, px = _px(k, tick), _px(k + spread, tick), _px(k, tick)
    side = draw(st.sampled_from(("bid", "ask")))
    value_of = {"nan": math.nan, "inf": draw(st.sampled_from((math.inf, -math.inf)))}
    if kind in ("nan", "inf"):
        bad, on_qty = value_of[kind], draw(st.booleans())
        if as_trade:
            px, q1 = (px, bad) if on_qty else (bad, q1)
        elif side == "bid":
            bid, q1 = (bid, bad) if on_qty else (bad, q1)
        else:
            ask, q2 = (ask, bad) if on_qty else (bad, q2)
    elif kind == "negative":
        on_qty = draw(st.booleans())
        if as_trade:
            px, q1 = (px, -q1) if on_qty else (-px, q1)
        elif side == "bid":
            bid, q1 = (bid, -q1) if on_qty else (-bid, q1)
        else:
            ask, q2 = (ask, -q2) if on_qty else (-ask, q2)
    elif kind == "zero_size":
        if as_trade:
            q1 = 0.0
        elif side == "bid":
            q1 = 0.0
        else:
            q2 = 0.0
    elif kind == "off_tick":  # half a tick: bid stays below ask
        px = _px(k + 0.5, tick)
        if side == "bid":
            bid = _px(k + 0.5, tick)
        else:
            ask = _px(k + spread + 0.5, tick)
    elif kind == "crossed":
        bid, ask = ask, bid
    elif kind == "locked":
        ask = bid
    elif kind == "far_out":  # about 50% up or down, on tick
        far = k * 3 // 2 if draw(st.booleans()) else k // 2
        bid, ask, px = _px(far, tick), _px(far + spread, tick), _px(far, tick)
    elif kind == "future":
        ts = NOW + int(CONFIG.max_future_ms) * MS + draw(st.integers(1, 60_000 * MS))
    elif kind == "stale":
        ts = NOW - int(CONFIG.max_age_ms) * MS - draw(st.integers(1, 3_600_000 * MS))
    elif kind == "backwards":
        assert last_good_ts is not None
        ts = last_good_ts - draw(st.integers(1, 1_000 * MS))
    if kind == "unknown_symbol":
        symbol = draw(st.sampled_from(("XAUUSD", "ZZZ", "eurusd", "EURUSD ")))
    frames = (encode(Trade(symbol, seq, ts, px, q1, 1)) if as_trade
              else encode(Quote(symbol, seq, ts, bid, q1, ask, q2)))
    if kind == "truncated":
        frames = [frames[0], frames[1][:draw(st.integers(0, len(frames[1]) - 1))]]
    return frames


@st.composite
def _symbol_stream(draw, symbol: str) -> list[Sent]:
    n = draw(st.integers(0, 15))
    stamps = sorted(draw(st.lists(st.integers(LO_TS, HI_TS), min_size=n, max_size=n)))
    inserts = sorted(draw(st.lists(st.tuples(st.integers(0, n), st.sampled_from(sorted(CORRUPTIONS))),
                                   max_size=10)), key=lambda x: x[0])
    seq = draw(st.integers(1, 1_000_000))  # where the stream starts (a subscriber may join midway)
    last_good_ts: int | None = None
    numbered: list[tuple[int, list[bytes]]] = []  # what took a sequence number, for exact duplicates
    out: list[Sent] = []
    for i in range(n + 1):
        for _, kind in (x for x in inserts if x[0] == i):
            if kind == "duplicate":
                earlier = [frames for s, frames in numbered if s != 1]
                if not earlier:
                    continue
                frames = draw(st.sampled_from(earlier))
            elif kind == "backwards" and last_good_ts is None:
                continue  # nothing good yet to go back from
            else:
                base_ts = last_good_ts if last_good_ts is not None else draw(st.integers(LO_TS, HI_TS))
                frames = draw(_corrupt(kind, symbol, seq, base_ts, last_good_ts))
                if kind not in TAKES_NO_SEQ:
                    numbered.append((seq, frames))
                    seq += 1
            out.append(Sent(frames, CORRUPTIONS[kind], symbol))
        if i < n:
            frames = draw(_valid(symbol, seq, stamps[i]))
            numbered.append((seq, frames))
            seq += 1
            last_good_ts = stamps[i]
            out.append(Sent(frames, None, symbol))
    return out


@st.composite
def scenarios(draw) -> tuple[str, list[Sent]]:
    streams = {symbol: draw(_symbol_stream(symbol)) for symbol in SYMBOLS}
    order = draw(st.permutations([symbol for symbol, stream in streams.items() for _ in stream]))
    cursors = {symbol: iter(stream) for symbol, stream in streams.items()}
    return draw(st.sampled_from(("last", "median"))), [next(cursors[symbol]) for symbol in order]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_exactly_the_valid_messages_are_delivered(scenario):
    reference, sent = scenario
    validator = Validator(MASTER, ValidationConfig(band_reference=reference))
    delivered = []
    for item in sent:
        verdict = validator.check(item.frames, SOURCE, NOW)
        assert verdict.gap is None and not verdict.reset, (item, verdict)
        if item.rule is None:
            assert verdict.ok, (item, verdict.rejection)
        else:
            event(f"rejected: {item.rule}")
            assert not verdict.ok, item
            assert verdict.rejection.rule == item.rule, (item, verdict.rejection)
            if verdict.message is not None:
                assert verdict.message.symbol in verdict.rejection.reason, verdict.rejection
        if verdict.ok:
            delivered.append(item.frames)
    assert delivered == [item.frames for item in sent if item.rule is None]
    assert validator.open_gaps(SOURCE) == 0


@settings(max_examples=200, deadline=None)
@given(start=st.integers(1, 1_000_000), steps=st.lists(st.integers(1, 4), max_size=40), data=st.data())
def test_gaps_are_reported_exactly_and_close_when_the_missing_arrive(start, steps, data):
    """A valid stream with numbers skipped: every message is delivered, each skip is one gap with its
    first missing number and size; the missing numbers arriving late (in any order) are rejected as
    out_of_order and close every gap; a second copy of any of them is a duplicate."""
    validator = Validator(MASTER, CONFIG)
    tick = MASTER["ACME"].tick_size

    def quote(seq: int) -> list[bytes]:
        return encode(Quote("ACME", seq, NOW, _px(10_000, tick), 100.0, _px(10_001, tick), 100.0))

    first = validator.check(quote(start), SOURCE, NOW)
    assert first.ok and first.gap is None
    seq, missing, gaps = start, [], 0
    for step in steps:
        seq += step
        verdict = validator.check(quote(seq), SOURCE, NOW)
        assert verdict.ok, verdict.rejection
        if step == 1:
            assert verdict.gap is None
        else:
            assert verdict.gap == Gap("ACME", seq - step + 1, step - 1)
            missing.extend(range(seq - step + 1, seq))
            gaps += 1
    assert validator.open_gaps(SOURCE) == gaps
    late = data.draw(st.permutations(missing))
    for n in late:
        verdict = validator.check(quote(n), SOURCE, NOW)
        assert verdict.rejection.rule == "out_of_order", (n, verdict)
    assert validator.open_gaps(SOURCE) == 0
    for n in late[:3]:
        assert validator.check(quote(n), SOURCE, NOW).rejection.rule == "duplicate"
    after = validator.check(quote(seq + 1), SOURCE, NOW)
    assert after.ok and after.gap is None


# ---- the batched path reaches the per-message path's verdicts ---------------------------------------
#
# The batched path (batch.py) holds every record against the band reference as it stood when its batch
# began, where the per-message path moves it with each good price; a late number is a duplicate; and a
# record that breaks only the band moves the time later records are held to for ts_backwards. So the
# streams here are the ones where those differences cannot change a verdict: numbers in order with no
# gap, stamps that never go back (and are no nearer the age and future limits than a millisecond: the
# batched path compares stamps to them in floating point), and a market that stays within 2% of one level while its wild prices
# are 50% off it, so any reference that came from the market judges every price of it alike. Within
# them, verdicts must be exactly the same however the stream is cut into batches: in particular when
# the symbol master's reference_price is far from the market and a run of agreeing prices replaces it
# (adopt_after), and whether locked quotes are quarantined or delivered (locked).

BATCH_SYMBOL = "USDJPY"  # tick 0.001, the symbol master's reference_price 150
BATCH_CORRUPTIONS = ("wild_up", "wild_down", "crossed", "locked", "off_tick", "non_positive", "nan", "stale",
                     "future")


@st.composite
def _levels(draw) -> float:
    """Where the market trades: near the master's 150, or far from it (and its wild prices far from it too)."""
    return draw(st.sampled_from((
        st.floats(147.0, 153.0), st.floats(60.0, 90.0), st.floats(112.0, 130.0), st.floats(170.0, 260.0))).flatmap(
        lambda s: s))


@st.composite
def _batch_stream(draw) -> list[tuple[float, float, float, float, int]]:
    """(bid, bid size, ask, ask size, ts) of each quote of one symbol, in order."""
    level = round(draw(_levels()), 3)
    tick = MASTER[BATCH_SYMBOL].tick_size
    out = []
    ts = NOW - 3_000 * MS
    for _ in range(draw(st.integers(1, 60))):
        ts += draw(st.integers(0, 10 * MS))
        k = round(level / tick) + draw(st.integers(-round(level / tick / 100), round(level / tick / 100)))
        bid, ask = _px(k, tick), _px(k + draw(st.integers(1, 8)), tick)
        bq, aq, stamp = 1e6, 2e6, ts
        kind = draw(st.sampled_from(("good",) * 6 + ("one_sided", "empty") + BATCH_CORRUPTIONS))
        if kind == "one_sided":
            bid, bq = (0.0, 0.0) if draw(st.booleans()) else (bid, bq)
            if bid:
                ask, aq = 0.0, 0.0
        elif kind == "empty":
            bid = bq = ask = aq = 0.0
        elif kind in ("wild_up", "wild_down"):
            far = k * 3 // 2 if kind == "wild_up" else k // 2
            bid, ask = _px(far, tick), _px(far + 3, tick)
        elif kind == "crossed":
            bid, ask = ask, bid
        elif kind == "locked":
            ask = bid
        elif kind == "off_tick":
            bid = _px(k + 0.5, tick)
        elif kind == "non_positive":
            bq = -bq
        elif kind == "nan":
            ask = math.nan
        elif kind == "stale":
            stamp = NOW - int(CONFIG.max_age_ms) * MS - draw(st.integers(MS, 60_000 * MS))
        elif kind == "future":
            stamp = NOW + int(CONFIG.max_future_ms) * MS + draw(st.integers(MS, 60_000 * MS))
        out.append((bid, bq, ask, aq, stamp))
    return out


def _per_message(validator: Validator, stream) -> list[str | None]:
    out = []
    for seq, (bid, bq, ask, aq, ts) in enumerate(stream, start=1):
        verdict = validator.check(encode(Quote(BATCH_SYMBOL, seq, ts, bid, bq, ask, aq)), SOURCE, NOW)
        out.append(None if verdict.ok else verdict.rejection.rule)
    return out


def _batched(validator: Validator, stream, cuts: list[int]) -> list[str | None]:
    from actors.feed.batch import check_batch
    from vocabulary.market_batch import QUOTES, encode_batch

    records = np.array([(seq, ts, bid, bq, ask, aq) for seq, (bid, bq, ask, aq, ts) in enumerate(stream, start=1)],
                       dtype=QUOTES)
    out: list[str | None] = []
    bounds = [0, *sorted(set(c for c in cuts if 0 < c < len(records))), len(records)]
    for start, end in zip(bounds, bounds[1:]):
        verdict = check_batch(validator, encode_batch(BATCH_SYMBOL, records[start:end]), SOURCE, NOW)
        bad = dict(verdict.rejected())
        out += [bad[i].rule if i in bad else None for i in range(end - start)]
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stream=_batch_stream(), cuts=st.lists(st.integers(1, 59), max_size=8),
       reference=st.sampled_from(("last", "median")), adopt_after=st.sampled_from((None, 2, 3, 5, 20)),
       locked=st.sampled_from(("quarantine", "deliver")))
def test_the_batched_path_reaches_the_per_message_verdicts(stream, cuts, reference, adopt_after, locked):
    config = ValidationConfig(band_reference=reference, adopt_after=adopt_after, locked=locked)
    one, batched = Validator(MASTER, config), Validator(MASTER, config)
    expected = _per_message(one, stream)
    assert _batched(batched, stream, cuts) == expected
    assert batched.adopted == one.adopted
    for rule in expected:
        event(f"verdict: {rule}")
    if one.adopted:
        event("adopted the market's price")
