"""Tick validation, rule by rule: every rule in RULES rejects a bad message with its own name and a
reason that names the symbol and the offending value, and passes a good message next to it.

Also: sequence numbers (gaps, late arrivals, duplicates, publisher restarts), rejected messages
leave no trace in the band reference or the last timestamp, the 'last' and 'median' band references,
sources judged each on its own, configuration errors, and the symbol master file.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest

from actors.feed.config import FeedConfig
from actors.feed.validation import RULES, Gap, Sequence, ValidationConfig, Validator
from vigil.config import ConfigError, build_config
from vigil.reference import DEFAULT_MASTER, Instrument, ReferenceDataError, instruments, load_master
from vocabulary.market_data import Quote, Trade, encode

MS = 1_000_000
NOW = 1_700_000_000_000_000_000  # a fixed "now" (ns); the validator never reads a clock itself
SRC = "primary"

# EURUSD: tick 0.00001, reference 1.1; ACME: tick 0.01, reference 100 (reference/symbols.yaml)
BID, ASK = 1.10000, 1.10002


def q(seq: int, ts: int = NOW, bid: float = BID, ask: float = ASK, bid_qty: float = 1e6, ask_qty: float = 1e6,
      symbol: str = "EURUSD") -> list[bytes]:
    return encode(Quote(symbol, seq, ts, bid, bid_qty, ask, ask_qty))


def t(seq: int, ts: int = NOW, px: float = 1.10001, qty: float = 5e5, symbol: str = "EURUSD",
      aggressor: int = 1) -> list[bytes]:
    return encode(Trade(symbol, seq, ts, px, qty, aggressor))


def validator(**config) -> Validator:
    return Validator(load_master(), ValidationConfig(**config))


# ---- every rule: a bad message and a good one next to it ------------------------------------------

@dataclass
class Case:
    rule: str
    bad: list[bytes]
    good: list[bytes]
    reason_has: tuple[str, ...]
    """Substrings the rejection reason must contain (the symbol, the value)."""
    before: list[list[bytes]] = field(default_factory=list)
    """Messages (all good) fed first, to set up sequence or timestamp state."""


def _cases(make) -> list[Case]:
    """`make(seq, ts=..., px=..., qty=...)` builds a quote (px/qty on the bid) or a trade."""
    return [
        Case("non_finite", make(1, px=math.nan), make(2), ("EURUSD", "nan")),
        Case("non_finite", make(1, px=math.inf), make(2), ("EURUSD", "inf")),
        Case("non_finite", make(1, qty=-math.inf), make(2), ("EURUSD", "-inf")),
        Case("non_positive", make(1, px=-1.1), make(2), ("EURUSD", "-1.1")),
        Case("non_positive", make(1, qty=0.0), make(2), ("EURUSD", "size 0.0")),
        Case("non_positive", make(1, qty=-5.0), make(2), ("EURUSD", "-5.0")),
        Case("off_tick", make(1, px=1.100005), make(2), ("EURUSD", "1.100005", "1e-05")),
        Case("future_ts", make(1, ts=NOW + 1_001 * MS), make(2, ts=NOW + 999 * MS), ("EURUSD", "1001.0 ms")),
        Case("stale_ts", make(1, ts=NOW - 5_001 * MS), make(2, ts=NOW - 4_999 * MS), ("EURUSD", "5001.0 ms")),
        Case("ts_backwards", make(2, ts=NOW - 3 * MS), make(3, ts=NOW - 2 * MS), ("EURUSD", "1.000 ms"),
             before=[make(1, ts=NOW - 2 * MS)]),
        Case("price_band", make(1, px=1.2), make(2, px=1.15), ("EURUSD", "1.2", "9.09%", "1.1")),
    ]


def _quote_bid(seq, ts=NOW, px=BID, qty=1e6):
    ask = round(px + 0.00002, 5) if math.isfinite(px) and px >= ASK else ASK  # on tick, above the bid
    return q(seq, ts, bid=px, bid_qty=qty, ask=ask)


def _trade(seq, ts=NOW, px=1.10001, qty=5e5):
    return t(seq, ts, px=px, qty=qty)


QUOTE_CASES = _cases(_quote_bid) + [
    Case("unparseable", [b"QEURUSD", b"\x01\x02\x03\x04\x05"], q(1), ("5-byte",)),
    Case("unparseable", [b"QEURUSD"], q(1), ("expected 2 frames (3 with a traceparent), got 1",)),
    Case("unparseable", [b"XEURUSD", q(1)[1]], q(1), ("XEURUSD",)),
    Case("unknown_symbol", q(1, symbol="XAUUSD"), q(1), ("XAUUSD",)),
    Case("duplicate", q(2), q(3), ("EURUSD", "seq 2"), before=[q(1), q(2)]),
    Case("out_of_order", q(2), q(4), ("EURUSD", "seq 2"), before=[q(1), q(3)]),
    Case("non_positive", q(1, ask=0.0, ask_qty=1e6), q(2, ask=0.0, ask_qty=0.0), ("EURUSD", "ask price 0.0")),
    Case("crossed", q(1, bid=1.10010, ask=1.10000), q(2, bid=1.10000, ask=1.10010), ("EURUSD", "1.1001", "1.1")),
    Case("locked", q(1, bid=1.10005, ask=1.10005), q(2, bid=1.10005, ask=1.10006), ("EURUSD", "1.10005")),
]
TRADE_CASES = _cases(_trade) + [
    # a trade has no empty side: px 0 and qty 0 is not "no price", it is a bad trade
    Case("non_positive", t(1, px=0.0, qty=0.0), t(2), ("EURUSD", "trade price 0.0")),
]


def _ids(cases):
    return [f"{c.rule}-{i}" for i, c in enumerate(cases)]


def test_every_rule_has_a_case():
    assert {c.rule for c in QUOTE_CASES} == set(RULES)
    assert len(RULES) == len(set(RULES))


def _run(case: Case):
    v = validator()
    for frames in case.before:
        assert v.check(frames, SRC, NOW).ok
    bad = v.check(case.bad, SRC, NOW)
    good = v.check(case.good, SRC, NOW)
    return bad, good


@pytest.mark.parametrize("case", QUOTE_CASES, ids=_ids(QUOTE_CASES))
def test_quote_rule_rejects_bad_and_passes_good(case):
    bad, good = _run(case)
    assert not bad.ok
    assert bad.rejection.rule == case.rule, bad.rejection
    for text in case.reason_has:
        assert text in bad.rejection.reason, (text, bad.rejection.reason)
    assert good.ok, good.rejection
    # the bad message's sequence number counts as received: the good one after it is no gap
    assert good.gap is None


@pytest.mark.parametrize("case", TRADE_CASES, ids=_ids(TRADE_CASES))
def test_trade_rule_rejects_bad_and_passes_good(case):
    bad, good = _run(case)
    assert bad.rejection is not None and bad.rejection.rule == case.rule, bad.rejection
    for text in case.reason_has:
        assert text in bad.rejection.reason, (text, bad.rejection.reason)
    assert good.ok, good.rejection
    assert isinstance(good.message, Trade)


def test_the_first_failing_rule_is_reported():
    # NaN and off-tick and crossed and future: non_finite comes first in RULES
    v = validator()
    verdict = v.check(q(1, ts=NOW + 10_000 * MS, bid=math.nan, ask=1.100005), SRC, NOW)
    assert verdict.rejection.rule == "non_finite"
    verdict = v.check(q(2, ts=NOW + 10_000 * MS, bid=1.20001, ask=1.100005), SRC, NOW)
    assert verdict.rejection.rule == "off_tick"  # before crossed and future_ts
    verdict = v.check(q(3, ts=NOW + 10_000 * MS, bid=1.2, ask=1.1), SRC, NOW)
    assert verdict.rejection.rule == "crossed"  # before future_ts and price_band


def test_unparseable_and_unknown_symbol_do_not_touch_sequence_state():
    v = validator()
    assert v.check(q(1), SRC, NOW).ok
    assert v.check([b"QEURUSD", b"short"], SRC, NOW).rejection.rule == "unparseable"
    assert v.check(q(2, symbol="NOPE"), SRC, NOW).rejection.rule == "unknown_symbol"
    verdict = v.check(q(2), SRC, NOW)
    assert verdict.ok and verdict.gap is None


# ---- one-sided quotes --------------------------------------------------------------------------------

@pytest.mark.parametrize("frames", [
    q(1, bid=1.10000, bid_qty=1e6, ask=0.0, ask_qty=0.0),
    q(1, bid=0.0, bid_qty=0.0, ask=1.10002, ask_qty=1e6),
    q(1, bid=0.0, bid_qty=0.0, ask=0.0, ask_qty=0.0),
], ids=["bid-only", "ask-only", "both-empty"])
def test_one_sided_quote_passes(frames):
    verdict = validator().check(frames, SRC, NOW)
    assert verdict.ok, verdict.rejection


def test_one_sided_quote_is_still_band_checked_on_its_side():
    v = validator(band_reference="last")
    verdict = v.check(q(1, bid=1.3, bid_qty=1e6, ask=0.0, ask_qty=0.0), SRC, NOW)
    assert verdict.rejection.rule == "price_band"
    assert "1.3" in verdict.rejection.reason


def test_empty_side_with_a_size_or_a_price_alone_is_rejected():
    v = validator()
    assert v.check(q(1, ask=0.0, ask_qty=5.0), SRC, NOW).rejection.rule == "non_positive"
    assert v.check(q(2, ask=1.10002, ask_qty=0.0), SRC, NOW).rejection.rule == "non_positive"


# ---- locked quotes: quarantine (the default) or deliver -----------------------------------------------

def test_a_locked_quote_is_quarantined_by_default():
    assert validator().check(q(1, bid=1.10005, ask=1.10005), SRC, NOW).rejection.rule == "locked"


def test_with_locked_deliver_a_locked_quote_is_good_and_a_crossed_one_is_still_quarantined():
    v = validator(locked="deliver")
    locked = v.check(q(1, bid=1.10005, ask=1.10005), SRC, NOW)
    assert locked.ok, locked.rejection
    assert locked.message.bid_px == locked.message.ask_px == 1.10005
    assert v.check(q(2, bid=1.10010, ask=1.10000), SRC, NOW).rejection.rule == "crossed"
    assert v.check(q(3), SRC, NOW).ok


def test_a_delivered_locked_quote_moves_the_band_reference():
    # 1.19 is 8% from the master's 1.1, 4.4% from a locked quote at 1.14
    v = validator(locked="deliver", band_reference="last")
    assert v.check(q(1, bid=1.14000, ask=1.14000), SRC, NOW).ok
    assert v.check(q(2, bid=1.19000, ask=1.19002), SRC, NOW).ok


def test_a_locked_quote_is_still_held_to_every_other_rule():
    v = validator(locked="deliver")
    assert v.check(q(1, bid=1.3, ask=1.3), SRC, NOW).rejection.rule == "price_band"
    assert v.check(q(2, bid=1.100005, ask=1.100005), SRC, NOW).rejection.rule == "off_tick"
    assert v.check(q(3, ts=NOW + 5_000 * MS, bid=1.1, ask=1.1), SRC, NOW).rejection.rule == "future_ts"


@pytest.mark.parametrize("locked, expected", [("quarantine", [None, "locked", "crossed", None]),
                                              ("deliver", [None, None, "crossed", None])])
def test_the_batched_path_treats_locked_quotes_alike(locked, expected):
    import numpy as np

    from actors.feed.batch import check_batch
    from vocabulary.market_batch import QUOTES, encode_batch

    rows = [(1.10000, 1.10002), (1.10005, 1.10005), (1.10010, 1.10000), (1.10001, 1.10003)]
    records = np.array([(i, NOW, bid, 1e6, ask, 1e6) for i, (bid, ask) in enumerate(rows, start=1)], dtype=QUOTES)
    one, batched = validator(locked=locked), validator(locked=locked)
    per_message = [None if (v := one.check(q(i, bid=b, ask=a), SRC, NOW)).ok else v.rejection.rule
                   for i, (b, a) in enumerate(rows, start=1)]
    rejected = dict(check_batch(batched, encode_batch("EURUSD", records), SRC, NOW).rejected())
    assert per_message == expected
    assert [rejected[i].rule if i in rejected else None for i in range(len(rows))] == expected


# ---- sequence numbers -------------------------------------------------------------------------------

def test_gap_is_reported_with_first_missing_and_size_and_the_message_is_delivered():
    v = validator()
    assert v.check(q(1), SRC, NOW).ok
    assert v.check(q(2), SRC, NOW).ok
    verdict = v.check(q(6), SRC, NOW)
    assert verdict.ok
    assert verdict.gap == Gap("EURUSD", 3, 3)
    assert v.open_gaps(SRC) == 1
    after = v.check(q(7), SRC, NOW)
    assert after.ok and after.gap is None


def test_late_arrivals_close_the_gap():
    v = validator()
    for seq in (1, 2, 5):
        assert v.check(q(seq), SRC, NOW).ok
    late3 = v.check(q(3), SRC, NOW)
    assert late3.rejection.rule == "out_of_order"
    assert late3.closed_gaps == 0  # 4 is still missing
    assert v.open_gaps(SRC) == 1
    late4 = v.check(q(4), SRC, NOW)
    assert late4.rejection.rule == "out_of_order"
    assert late4.closed_gaps == 1
    assert v.open_gaps(SRC) == 0
    # a late number that already came is a duplicate now
    assert v.check(q(3), SRC, NOW).rejection.rule == "duplicate"


def observe(seq: Sequence, n: int) -> tuple[str, int]:
    """What the validator does with a number whose message is good."""
    kind = seq.classify(n)
    if kind == "late":
        return kind, int(seq.fill(n))
    if kind == "duplicate":
        return kind, 0
    return kind, seq.accept(n)


def test_late_arrival_in_the_middle_of_a_gap_splits_it():
    seq = Sequence(max_open_gaps=64)
    assert observe(seq, 1) == ("next", 0)
    assert observe(seq, 7) == ("gap", 5)  # 2..6
    assert observe(seq, 4) == ("late", 0)
    assert seq.open_gaps == 2  # 2..3 and 5..6
    assert [observe(seq, n) for n in (2, 3, 6, 5)] == [("late", 0), ("late", 1), ("late", 0), ("late", 1)]
    assert seq.open_gaps == 0
    assert observe(seq, 4) == ("duplicate", 0)


def test_a_single_missing_number_closes_on_arrival():
    v = validator()
    for n in (1, 3):
        assert v.check(q(n), SRC, NOW).ok
    late = v.check(q(2), SRC, NOW)
    assert late.rejection.rule == "out_of_order" and late.closed_gaps == 1
    assert "seq 2" in late.rejection.reason and "EURUSD" in late.rejection.reason


def test_duplicates_are_rejected():
    v = validator()
    for n in (1, 2, 3):
        assert v.check(q(n), SRC, NOW).ok
    for n in (2, 3):
        verdict = v.check(q(n), SRC, NOW)
        assert verdict.rejection.rule == "duplicate"
        assert f"EURUSD seq {n}" in verdict.rejection.reason
    assert v.check(q(4), SRC, NOW).ok


def test_publisher_restart_numbers_from_one_and_is_accepted_with_reset():
    v = validator()
    for n in (1, 2, 3, 7):  # a gap 4..6 is open when the publisher restarts
        assert v.check(q(n, ts=NOW - 10 * MS), SRC, NOW).ok
    assert v.open_gaps(SRC) == 1
    verdict = v.check(q(1, ts=NOW), SRC, NOW)
    assert verdict.ok and verdict.reset
    assert v.open_gaps(SRC) == 0  # what was missing before the restart will never come
    after = v.check(q(2, ts=NOW), SRC, NOW)
    assert after.ok and not after.reset and after.gap is None


def test_joining_a_stream_midway_is_no_gap():
    verdict = validator().check(q(1_000), SRC, NOW)
    assert verdict.ok and verdict.gap is None


def test_too_many_open_gaps_gives_up_the_oldest():
    seq = Sequence(max_open_gaps=2)
    observe(seq, 1)
    assert observe(seq, 3) == ("gap", 1)     # 2
    assert observe(seq, 6) == ("gap", 2)     # 4..5
    assert observe(seq, 10) == ("gap", 3)    # 7..9: pushes out 2
    assert seq.open_gaps == 2 and seq.lost == 1
    assert observe(seq, 2) == ("duplicate", 0)  # given up on: no longer awaited
    assert observe(seq, 4) == ("late", 0)


def test_sequence_is_per_symbol():
    v = validator()
    assert v.check(q(1), SRC, NOW).ok
    assert v.check(q(1, symbol="ACME", bid=100.0, ask=100.01), SRC, NOW).ok
    verdict = v.check(q(2, symbol="ACME", bid=100.0, ask=100.01), SRC, NOW)
    assert verdict.ok and verdict.gap is None
    assert v.check(q(2), SRC, NOW).gap is None


def test_exact_duplicate_of_seq_1_is_a_duplicate():
    v = validator()
    first = q(1)
    assert v.check(first, SRC, NOW).ok
    verdict = v.check(first, SRC, NOW)
    assert verdict.rejection is not None and verdict.rejection.rule == "duplicate", verdict


def test_late_copy_of_seq_1_does_not_reset_the_sequence():
    v = validator()
    first = q(1, ts=NOW - 50 * MS)
    assert v.check(first, SRC, NOW).ok
    for n in range(2, 6):
        assert v.check(q(n, ts=NOW - (50 - n) * MS), SRC, NOW).ok
    copy = v.check(first, SRC, NOW)
    assert not copy.ok
    nxt = v.check(q(6, ts=NOW), SRC, NOW)
    assert nxt.ok and nxt.gap is None, nxt  # actual: gap=Gap('EURUSD', first=2, size=4)
    assert copy.rejection.rule == "duplicate"


def test_rejected_message_with_a_wild_seq_does_not_blackhole_the_symbol():
    v = validator()
    for n in range(1, 6):
        assert v.check(q(n), SRC, NOW).ok
    corrupt = v.check(q(10**18, bid=math.nan), SRC, NOW)
    assert corrupt.rejection.rule == "non_finite"
    nxt = v.check(q(6), SRC, NOW)
    assert nxt.ok, nxt.rejection  # actual: out_of_order "EURUSD seq 6 arrived after newer ones"


# ---- a rejected message leaves no trace ----------------------------------------------------------

@pytest.mark.parametrize("reference", ["last", "median"])
def test_rejected_far_price_does_not_become_the_reference(reference):
    v = validator(band_reference=reference)
    assert v.check(q(1, bid=1.10000, ask=1.10002), SRC, NOW).ok
    far = v.check(q(2, bid=1.50000, ask=1.50002), SRC, NOW)
    assert far.rejection.rule == "price_band"
    # near the old reference: passes (it would be ~27% from 1.5)
    near = v.check(q(3, bid=1.10010, ask=1.10012), SRC, NOW)
    assert near.ok, near.rejection
    # and a second far price is still judged against the old reference
    assert v.check(q(4, bid=1.50000, ask=1.50002), SRC, NOW).rejection.rule == "price_band"


@pytest.mark.parametrize("bad", [
    q(2, ts=NOW + 100 * MS, bid=1.100005),                    # off_tick, stamped later
    q(2, ts=NOW + 100 * MS, bid=1.10010, ask=1.10000),        # crossed, stamped later
    q(2, ts=NOW + 100 * MS, bid=1.6, ask=1.60002),            # price_band, stamped later
    q(2, ts=NOW + 5_000 * MS),                                # future_ts
], ids=["off_tick", "crossed", "price_band", "future_ts"])
def test_rejected_message_does_not_move_the_last_timestamp(bad):
    v = validator()
    assert v.check(q(1, ts=NOW), SRC, NOW).ok
    assert not v.check(bad, SRC, NOW).ok
    later = v.check(q(3, ts=NOW + 50 * MS), SRC, NOW)  # earlier than the rejected one's stamp
    assert later.ok, later.rejection


def test_good_message_moves_the_last_timestamp_and_reference():
    v = validator(band_reference="last")
    assert v.check(q(1, ts=NOW, bid=1.10000, ask=1.10002), SRC, NOW).ok
    assert v.check(q(2, ts=NOW + 10 * MS, bid=1.14000, ask=1.14002), SRC, NOW).ok
    assert v.check(q(3, ts=NOW + 5 * MS), SRC, NOW).rejection.rule == "ts_backwards"
    # 1.19 is 8% from the start but 4.4% from the last good price
    assert v.check(q(4, ts=NOW + 10 * MS, bid=1.19000, ask=1.19002), SRC, NOW).ok


# ---- band reference: last vs median -------------------------------------------------------------

def _walk(reference: str) -> list[str | None]:
    """ACME (reference price 100) walking up 4% a step: 100, 104, 108, 112."""
    v = validator(band_reference=reference, band_pct=5.0)
    out = []
    for seq, px in enumerate((100.0, 104.0, 108.0, 112.0), start=1):
        verdict = v.check(t(seq, px=px, symbol="ACME"), SRC, NOW)
        out.append(None if verdict.ok else verdict.rejection.rule)
    return out


def test_band_reference_last_follows_the_price():
    assert _walk("last") == [None, None, None, None]


def test_band_reference_median_resists_a_walk():
    # median of [100 (reference), 100, 104] is 100: 108 is 8% away; 112 is 12% away
    assert _walk("median") == [None, None, "price_band", "price_band"]


def test_median_reference_ignores_one_outlier_that_last_follows():
    # 104.9 is within the band of 100 either way; then 99.5 is 5.15% from 104.9 (the last good price)
    # but 0.5% from the median of [100 (reference), 100, 100, 100, 104.9]
    prices = (100.0, 100.0, 100.0, 104.9, 99.5)
    results = {}
    for reference in ("last", "median"):
        v = validator(band_reference=reference, band_pct=5.0)
        results[reference] = [v.check(t(i, px=px, symbol="ACME"), SRC, NOW).ok for i, px in enumerate(prices, 1)]
    assert results["last"] == [True, True, True, True, False]
    assert results["median"] == [True] * 5


def test_instrument_without_reference_price_takes_its_first_good_price():
    v = Validator({"NEW": Instrument("NEW", 0.01)}, ValidationConfig(band_reference="last"))
    assert v.check(t(1, px=50.0, symbol="NEW"), SRC, NOW).ok
    assert v.check(t(2, px=60.0, symbol="NEW"), SRC, NOW).rejection.rule == "price_band"


# ---- sources are judged each on its own ---------------------------------------------------------

def test_a_lagging_backup_is_not_ts_backwards_relative_to_the_primary():
    v = validator()
    for n in range(1, 4):
        assert v.check(q(n, ts=NOW - (10 - n) * MS), "primary", NOW).ok
    # the backup carries the very same messages, late: older stamps and the same numbers
    for n in range(1, 4):
        verdict = v.check(q(n, ts=NOW - (10 - n) * MS), "backup", NOW)
        assert verdict.ok, verdict.rejection
        assert verdict.gap is None
    # within the backup, backwards is still backwards
    assert v.check(q(4, ts=NOW - 20 * MS), "backup", NOW).rejection.rule == "ts_backwards"


def test_gaps_and_references_are_per_source():
    v = validator(band_reference="last")
    for n in (1, 2, 5):
        assert v.check(q(n), "primary", NOW).ok
    assert v.open_gaps("primary") == 1
    assert v.open_gaps("backup") == 0
    # reset on primary: a restarted publisher numbers from 1 again, with newer stamps
    assert v.check(q(1, bid=1.14000, ask=1.14002, ts=NOW + MS), "primary", NOW).reset
    assert v.check(q(6, bid=1.14000, ask=1.14002, ts=NOW + MS), "primary", NOW).ok
    # the backup's reference is still its own (the master's 1.1 -> 1.14 is 3.6%; 1.19 is 8%)
    assert v.check(q(1, bid=1.19000, ask=1.19002), "backup", NOW).rejection.rule == "price_band"


# ---- configuration ---------------------------------------------------------------------------------

def feed_config(**settings) -> FeedConfig:
    return build_config(FeedConfig, {"primary": "tcp://127.0.0.1:5555", **settings}, "root/market/feed")


def test_config_defaults_and_values():
    assert feed_config().validation == ValidationConfig()
    assert feed_config().validation.adopt_after == 20
    assert feed_config(validation={"adopt_after": None}).validation.adopt_after is None
    assert feed_config(validation={"adopt_after": 2}).validation.adopt_after == 2
    assert feed_config().validation.locked == "quarantine"
    assert feed_config(validation={"locked": "deliver"}).validation.locked == "deliver"
    config = feed_config(validation={"band_pct": 2, "band_reference": "last", "max_open_gaps": 8}).validation
    assert (config.band_pct, config.band_reference, config.max_open_gaps) == (2, "last", 8)


@pytest.mark.parametrize("raw, names", [
    ({"band_pc": 5}, ("band_pc", "band_pct")),
    ({"band_pct": 0}, ("validation.band_pct", "0")),
    ({"band_pct": -1.5}, ("validation.band_pct", "-1.5")),
    ({"band_pct": math.nan}, ("validation.band_pct", "nan")),
    ({"band_pct": "5"}, ("validation.band_pct", "'5'")),
    ({"max_future_ms": 0}, ("validation.max_future_ms",)),
    ({"max_age_ms": -1}, ("validation.max_age_ms", "-1")),
    ({"band_reference": "mean"}, ("validation.band_reference", "'mean'")),
    ({"median_window": 0}, ("validation.median_window", "0")),
    ({"median_window": 2.5}, ("validation.median_window", "2.5")),
    ({"median_window": True}, ("validation.median_window", "true")),
    ({"max_open_gaps": 0}, ("validation.max_open_gaps", "0")),
    ({"adopt_after": 0}, ("validation.adopt_after", "must be >= 2", "0")),
    ({"adopt_after": 1}, ("validation.adopt_after", "must be >= 2", "1")),
    ({"adopt_after": "never"}, ("validation.adopt_after", "an integer or null", "'never'")),
    ({"adopt_after": 2.5}, ("validation.adopt_after", "2.5")),
    ({"adopt_afer": 5}, ("adopt_afer", "did you mean adopt_after")),
    ({"locked": "pass"}, ("validation.locked", "'pass'", "quarantine | deliver")),
    ({"locked": "delivr"}, ("validation.locked", "did you mean deliver")),
    ({"locked": True}, ("validation.locked", "true")),
])
def test_config_errors_name_the_setting(raw, names):
    with pytest.raises(ConfigError) as err:
        feed_config(validation=raw)
    message = str(err.value)
    assert message.startswith("root/market/feed: validation.")
    for name in names:
        assert name in message, message


# ---- the symbol master -----------------------------------------------------------------------------

def test_repo_symbol_master_loads():
    master = load_master()
    assert set(master) >= {"EURUSD", "GBPUSD", "USDJPY", "ACME"}
    eur = master["EURUSD"]
    assert (eur.tick_size, eur.lot_size, eur.currency, eur.sector, eur.reference_price) == (
        0.00001, 1000, "USD", "fx", 1.1)
    assert master["ACME"].tick_size == 0.01
    assert load_master(DEFAULT_MASTER) == master


def test_on_tick_tolerates_float_error_not_fractions_of_a_tick():
    acme = load_master()["ACME"]
    assert acme.on_tick(100.07)  # 100.07 / 0.01 = 10006.999999999998
    assert acme.on_tick(0.3)
    assert not acme.on_tick(100.075)
    eur = load_master()["EURUSD"]
    assert eur.on_tick(1.12345) and eur.on_tick(0.1 + 0.2)
    assert not eur.on_tick(1.123455)


def test_instruments_setting_forms(tmp_path):
    assert set(instruments(None, "feeds.md")) == set(load_master())
    assert set(instruments(["EURUSD", "ACME"], "feeds.md")) == {"EURUSD", "ACME"}
    inline = instruments({"XYZ": {"tick_size": 0.5}}, "feeds.md")
    assert inline["XYZ"] == Instrument("XYZ", 0.5)
    (tmp_path / "m.yaml").write_text("ABC: {tick_size: 0.25, reference_price: 10}\n")
    assert instruments("m.yaml", "feeds.md", base=tmp_path)["ABC"].reference_price == 10
    with pytest.raises(ReferenceDataError, match=r"feeds\.md: .*NOPE"):
        instruments(["EURUSD", "NOPE"], "feeds.md")


@pytest.mark.parametrize("text, has", [
    ("ABC: {lot_size: 1}\n", ("ABC", "tick_size is missing")),
    ("ABC: {tick_size: -0.01}\n", ("ABC", "tick_size", "-0.01")),
    ("ABC: {tick_size: 0}\n", ("ABC", "tick_size", "positive")),
    ("ABC: {tick_size: cheap}\n", ("ABC", "tick_size", "'cheap'")),
    ("ABC: {tick_size: 0.01, colour: red}\n", ("ABC", "unknown field", "colour")),
    ("ABC: {tick_size: 0.01, reference_price: -3}\n", ("ABC", "reference_price", "-3")),
    ("ABC: 0.01\n", ("ABC", "expected a mapping")),
    ("ABC: {tick_size: 0.01\n", ("not valid YAML",)),
    ("", ("expected a mapping",)),
], ids=["missing-tick", "negative-tick", "zero-tick", "text-tick", "unknown-field", "negative-ref",
        "not-a-mapping", "bad-yaml", "empty"])
def test_symbol_master_errors_name_file_and_symbol(tmp_path, text, has):
    path = tmp_path / "symbols.yaml"
    path.write_text("GOOD: {tick_size: 0.01}\n" + text if text else "")
    with pytest.raises(ReferenceDataError) as err:
        load_master(path)
    message = str(err.value)
    assert str(path) in message, message
    for text_ in has:
        assert text_ in message, message


def test_symbol_master_missing_file_names_it(tmp_path):
    path = tmp_path / "nowhere" / "symbols.yaml"
    with pytest.raises(ReferenceDataError) as err:
        load_master(path)
    assert str(path) in str(err.value)
    assert "No such file" in str(err.value)
