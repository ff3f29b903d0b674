"""A stale reference price does not blackhole a symbol: a feed whose only band reference is the symbol
master's `reference_price` takes a run of `validation.adopt_after` quotes that agree with each other
and all break the band against it as the reference, delivers from the quote that completes the run,
and records it for the feed to raise an alert. A wild quote is still price_band, a disagreeing quote
starts the run again, and once a symbol has had a good price the band works as it always did.

The market: a USD/JPY day of 2019, around 108.5, against the master's reference_price of today, 150.
"""
from __future__ import annotations

import numpy as np
import pytest

from actors.feed import validation
from actors.feed.batch import check_batch
from actors.feed.validation import ValidationConfig, Validator
from tests.support.market_files import usdjpy_day
from vigil.reference import load_master
from vocabulary.market_batch import QUOTES, encode_batch
from vocabulary.market_data import Quote, encode

MS = 1_000_000
NOW = 1_700_000_000_000_000_000
SRC = "primary"
DAY = usdjpy_day(400)


def validator(**config) -> Validator:
    return Validator(load_master(), ValidationConfig(**config))


def quote(seq: int, bid: float, ask: float, ts: int | None = None) -> list[bytes]:
    return encode(Quote("USDJPY", seq, NOW - 4_000 * MS + seq * MS if ts is None else ts, bid, 1e6, ask, 1e6))


def rules(v: Validator, prices: list[tuple[float, float]], first_seq: int = 1, source: str = SRC) -> list[str | None]:
    """The rule each quote breaks, None for a delivered one."""
    out = []
    for seq, (bid, ask) in enumerate(prices, start=first_seq):
        verdict = v.check(quote(seq, bid, ask), source, NOW)
        out.append(None if verdict.ok else verdict.rejection.rule)
    return out


def day(n: int, start: int = 0) -> list[tuple[float, float]]:
    return [(bid, ask) for _, bid, ask in DAY[start:start + n]]


def test_the_day_is_far_from_the_master_and_consistent_in_itself():
    assert load_master()["USDJPY"].reference_price == 150
    mids = [(b + a) / 2 for b, a in day(400)]
    assert all(abs(m - 150) / 150 > 0.2 for m in mids)
    assert max(mids) / min(mids) < 1.01


def test_a_whole_consistent_market_far_from_the_master_is_delivered_after_the_run():
    v = validator()  # adopt_after: 20 by default
    got = rules(v, day(300))
    assert got == ["price_band"] * 19 + [None] * 281  # the 20th completes the run: it and all after it go
    [adopted] = v.adopted
    mids = [(b + a) / 2 for b, a in day(20)]
    assert (adopted.source, adopted.symbol, adopted.configured) == (SRC, "USDJPY", 150)
    assert min(mids) <= adopted.observed <= max(mids)
    assert adopted.run == 20


def test_the_run_length_is_a_setting():
    assert rules(validator(adopt_after=5), day(8)) == ["price_band"] * 4 + [None] * 4


def test_after_adoption_the_band_works_as_always_a_wild_quote_is_price_band():
    v = validator(adopt_after=5)
    rules(v, day(10))
    assert rules(v, [(130.0, 130.005), *day(3, 10), (90.0, 90.004), *day(3, 13)], first_seq=11) == [
        "price_band", None, None, None, "price_band", None, None, None]
    assert len(v.adopted) == 1


def test_a_single_wild_quote_against_the_master_is_still_price_band_and_nothing_is_adopted():
    v = validator(adopt_after=5)
    assert rules(v, [(108.5, 108.505), (150.01, 150.02), (150.0, 150.01)]) == ["price_band", None, None]
    assert not v.adopted


def test_a_run_broken_by_a_disagreeing_quote_starts_again():
    v = validator(adopt_after=5)
    prices = [*day(3), (130.0, 130.005), *day(6, 3)]  # 130 breaks the band of 150 and of the run's 108.5
    # the run: 3 at 108.5, then 130 starts it again, then 108.5 starts it again: the 5th of those completes it
    assert rules(v, prices) == ["price_band"] * 8 + [None] * 2
    [adopted] = v.adopted
    assert 108 < adopted.observed < 109


def test_messages_rejected_for_another_rule_neither_count_nor_break_the_run():
    v = validator(adopt_after=5)
    bid, ask = day(1)[0]
    prices = [*day(2), (ask, bid), *day(2, 2), (bid, bid + 0.0005), *day(2, 4)]  # crossed, off_tick
    assert rules(v, prices) == ["price_band", "price_band", "crossed", "price_band", "price_band", "off_tick",
                                None, None]


def test_once_the_symbol_had_a_good_price_the_master_is_no_longer_the_only_reference():
    v = validator(adopt_after=5)
    assert rules(v, [(149.99, 150.0)]) == [None]
    assert rules(v, day(30), first_seq=2) == ["price_band"] * 30
    assert not v.adopted


def test_adopt_after_null_never_replaces_the_master_reference():
    assert rules(validator(adopt_after=None), day(100)) == ["price_band"] * 100


def test_each_source_adopts_on_its_own():
    v = validator(adopt_after=5)
    assert rules(v, day(5)) == ["price_band"] * 4 + [None]
    assert rules(v, day(2), source="backup") == ["price_band"] * 2
    assert [a.source for a in v.adopted] == [SRC]


def test_a_quarantined_quote_of_the_run_says_how_far_the_run_is():
    v = validator(adopt_after=5)
    bid, ask = day(1)[0]
    verdict = v.check(quote(1, bid, ask), SRC, NOW)
    assert verdict.rejection.rule == "price_band"
    assert "150" in verdict.rejection.reason and "symbol master" in verdict.rejection.reason
    assert "1 of 5" in verdict.rejection.reason


@pytest.mark.parametrize("band_reference", ["last", "median"])
def test_the_adopted_reference_follows_the_market_with_either_reference(band_reference):
    v = validator(adopt_after=5, band_reference=band_reference)
    assert rules(v, day(200)) == ["price_band"] * 4 + [None] * 196
    assert isinstance(v.adopted[0], validation.Adoption)


# ---- the batched path ----------------------------------------------------------------------------

def batched(v: Validator, prices: list[tuple[float, float]], sizes: list[int], first_seq: int = 1
            ) -> list[str | None]:
    """The rule each quote breaks, sent in batches of the given sizes (the last one repeats)."""
    records = np.zeros(len(prices), dtype=QUOTES)
    for i, (bid, ask) in enumerate(prices):
        seq = first_seq + i
        records[i] = (seq, NOW - 4_000 * MS + seq * MS, bid, 1e6, ask, 1e6)
    out: list[str | None] = []
    start, k = 0, 0
    while start < len(records):
        size = sizes[min(k, len(sizes) - 1)]
        chunk = records[start:start + size]
        verdict = check_batch(v, encode_batch("USDJPY", chunk), SRC, NOW)
        bad = dict(verdict.rejected())
        out += [bad[i].rule if i in bad else None for i in range(len(chunk))]
        start, k = start + size, k + 1
    return out


@pytest.mark.parametrize("sizes", [[300], [7], [1], [19, 1, 280], [3, 50]], ids=str)
def test_the_batched_path_adopts_at_the_same_quote(sizes):
    v = validator()
    assert batched(v, day(300), sizes) == rules(validator(), day(300)) == ["price_band"] * 19 + [None] * 281
    [adopted] = v.adopted
    assert (adopted.symbol, adopted.configured, adopted.run) == ("USDJPY", 150, 20)


def test_the_batched_path_starts_a_broken_run_again_and_ignores_other_rules_like_the_per_message_path():
    bid, ask = day(1)[0]
    prices = [*day(3), (130.0, 130.005), *day(2, 3), (ask, bid), (bid, bid + 0.0005), *day(5, 5), (90.0, 90.004),
              *day(5, 10)]
    expected = rules(validator(adopt_after=5), prices)
    assert expected == ["price_band"] * 6 + ["crossed", "off_tick"] + ["price_band"] * 2 + [None] * 3 + \
        ["price_band"] + [None] * 5
    for sizes in ([len(prices)], [4], [2, 9, 1]):
        assert batched(validator(adopt_after=5), prices, sizes) == expected, sizes


def test_the_batched_path_keeps_the_band_once_a_good_price_was_seen():
    v = validator(adopt_after=5)
    assert batched(v, [(149.99, 150.0), *day(30)], [31]) == [None] + ["price_band"] * 30
    assert not v.adopted


def test_a_corporate_action_taking_effect_starts_the_run_again():
    """The run's prices are from before the action: they do not count towards a reference after it."""
    from vigil.corporate_actions import actions_from

    eff = 1_803_911_400 * 1_000_000_000
    [split] = actions_from([{"id": "ACME-split", "symbol": "ACME", "type": "split", "ratio": "2:1",
                             "effective": "2027-03-01T14:30:00Z"}], "test")
    v = Validator(load_master(), ValidationConfig(adopt_after=3), [split])  # ACME's reference_price: 100

    def acme(seq: int, ts: int) -> str | None:
        verdict = v.check(encode(Quote("ACME", seq, ts, 60.00, 100.0, 60.02, 100.0)), SRC, ts)
        return None if verdict.ok else verdict.rejection.rule
    got = [acme(1, eff - 2 * MS), acme(2, eff - MS), acme(3, eff), acme(4, eff + MS), acme(5, eff + 2 * MS)]
    assert got == ["price_band"] * 4 + [None]
    assert [a.symbol for a in v.adopted] == ["ACME"]
