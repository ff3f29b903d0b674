"""Corporate actions rescale the price-band reference: after a split or a dividend takes effect, the
new prices are no jump, and a wild price is still one. Per message and on the batched path."""
from __future__ import annotations

import re

import numpy as np
import pytest

from actors.feed.batch import check_batch
from actors.feed.config import FeedConfig
from actors.feed.validation import ValidationConfig, Validator
from vigil.config import ConfigError, build_config
from vigil.corporate_actions import actions_from
from vigil.reference import Instrument, load_master
from vocabulary.market_batch import QUOTES, encode_batch
from vocabulary.market_data import Quote, encode

MS = 1_000_000
NS = 1_000_000_000
EFFECTIVE = "2027-03-01T14:30:00Z"
EFF = 1_803_911_400 * NS  # EFFECTIVE in ns
SRC = "primary"


def action(kind: str = "split", **fields):
    entry = {"id": f"ACME-{kind}", "symbol": "ACME", "type": kind, "effective": EFFECTIVE, **fields}
    return actions_from([entry], "test")


def validator(*actions, **config) -> Validator:
    return Validator(load_master(), ValidationConfig(**config), [a for group in actions for a in group])


def check(v: Validator, seq: int, ts: int, bid: float, ask: float, source: str = SRC) -> str | None:
    """The rule a quote of ACME breaks (None: good), judged at its own stamp."""
    verdict = v.check(encode(Quote("ACME", seq, ts, bid, 100.0, ask, 100.0)), source, ts)
    return None if verdict.ok else verdict.rejection.rule


def before(v: Validator, source: str = SRC, n: int = 5) -> int:
    """n good ACME quotes around 100 in the minute before the action; the next seq."""
    for seq in range(1, n + 1):
        assert check(v, seq, EFF - (60 - seq) * NS, 100.00, 100.02, source) is None
    return n + 1


def reference(v: Validator, source: str = SRC) -> float:
    return v._state("ACME", source).reference.value()


def test_the_effective_time_is_the_one_the_tests_assume():
    assert action(ratio="2:1")[0].effective_ns == EFF


@pytest.mark.parametrize("band_reference", ["last", "median"])
def test_a_2_for_1_split_halves_the_reference(band_reference):
    v = validator(action(ratio="2:1"), band_reference=band_reference)
    seq = before(v)
    assert check(v, seq, EFF + MS, 50.00, 50.01) is None
    assert reference(v) == pytest.approx(50.005 if band_reference == "last" else 50.01, abs=0.01)
    assert v.applied == [(SRC, action(ratio="2:1")[0], True)]
    # the same quote with no action known is a jump
    plain = validator(band_reference=band_reference)
    assert check(plain, before(plain), EFF + MS, 50.00, 50.01) == "price_band"


def test_a_1_for_10_reverse_split_multiplies_the_reference_by_ten():
    v = validator(action(ratio="1:10"))
    seq = before(v)
    assert check(v, seq, EFF, 1000.10, 1000.30) is None  # stamped exactly at the effective time
    assert reference(v) == pytest.approx(1000.1, abs=0.2)


def test_a_dividend_lowers_the_reference_by_its_amount():
    v = validator(action("dividend", amount=10), band_reference="last")
    seq = before(v)
    assert reference(v) == pytest.approx(100.01)
    assert check(v, seq, EFF + MS, 90.00, 90.02) is None  # 10% down: a jump without the dividend
    plain = validator(band_reference="last")
    assert check(plain, before(plain), EFF + MS, 90.00, 90.02) == "price_band"


def test_a_small_dividend_moves_the_reference_exactly():
    v = validator(action("dividend", amount="0.25"), band_reference="last")
    seq = before(v)
    check(v, seq, EFF, 99.76, 99.78)
    assert v.applied and reference(v) == pytest.approx(99.77)


def test_a_message_just_before_the_effective_time_is_judged_on_the_old_prices():
    v = validator(action(ratio="2:1"))
    seq = before(v)
    assert check(v, seq, EFF - 1, 100.00, 100.02) is None
    assert check(v, seq + 1, EFF - 1, 50.00, 50.01) == "price_band"  # not in effect yet
    assert not v.applied and reference(v) == pytest.approx(100.01)
    assert check(v, seq + 2, EFF, 50.00, 50.01) is None


@pytest.mark.parametrize("bid, ask", [(100.00, 100.02), (60.00, 60.02), (40.00, 40.02)],
                         ids=["the-old-price", "20pct-up", "20pct-down"])
def test_a_wild_price_after_a_split_is_still_caught(bid, ask):
    v = validator(action(ratio="2:1"))
    seq = before(v)
    assert check(v, seq, EFF + MS, bid, ask) == "price_band"
    assert check(v, seq + 1, EFF + 2 * MS, 50.00, 50.01) is None  # the reference was rescaled all the same


def test_the_whole_median_window_is_rescaled():
    v = validator(action(ratio="2:1"), band_reference="median", median_window=5)
    for seq, px in enumerate((98.0, 99.0, 100.0, 101.0, 102.0), start=1):
        assert check(v, seq, EFF - (10 - seq) * NS, px, px + 0.02) is None
    # the window of mids [98.01 .. 102.01] halves to [49.005 .. 51.005], median 50.005: 52.41 is 4.8% above
    assert check(v, 6, EFF, 52.40, 52.42) is None
    # [49.505, 50.005, 50.505, 51.005, 52.41]: had only the last price been rescaled, the median would be ~100
    assert reference(v) == pytest.approx(50.505)


def test_each_source_rescales_on_its_own_first_message_after_the_action():
    v = validator(action(ratio="2:1"))
    before(v, "primary")
    before(v, "backup")
    assert check(v, 6, EFF + MS, 50.00, 50.01, "primary") is None
    assert reference(v, "backup") == pytest.approx(100.01)  # the backup has not reached the split yet
    assert check(v, 6, EFF - MS, 100.00, 100.02, "backup") is None
    assert check(v, 7, EFF + 2 * MS, 50.00, 50.01, "backup") is None


def test_a_message_stamped_in_the_future_does_not_bring_the_action_forward():
    v = validator(action(ratio="2:1"))
    seq = before(v)
    now = EFF - 3_600 * NS
    verdict = v.check(encode(Quote("ACME", seq, EFF + NS, 50.00, 100.0, 50.01, 100.0)), SRC, now)
    assert verdict.rejection.rule == "future_ts"
    assert not v.applied and reference(v) == pytest.approx(100.01)


def test_an_action_in_effect_before_any_price_leaves_the_symbol_masters_reference_alone():
    # the master's reference_price is taken as current: a file of past actions must not rescale it each start
    v = validator(action(ratio="2:1"))
    assert check(v, 1, EFF + MS, 100.00, 100.02) is None
    assert v.applied == [(SRC, action(ratio="2:1")[0], False)]
    fresh = Validator({"NEW": Instrument("NEW", 0.01)}, actions=[a for a in actions_from(
        [{"id": "n", "symbol": "NEW", "type": "split", "ratio": "2:1", "effective": EFFECTIVE}], "test")])
    assert fresh.check(encode(Quote("NEW", 1, EFF, 50.0, 1.0, 50.01, 1.0)), SRC, EFF).ok


def test_two_actions_at_once_apply_in_order():
    actions = actions_from([
        {"id": "a-split", "symbol": "ACME", "type": "split", "ratio": "2:1", "effective": EFFECTIVE},
        {"id": "b-div", "symbol": "ACME", "type": "dividend", "amount": 5, "effective": EFFECTIVE},
    ], "test")
    v = Validator(load_master(), ValidationConfig(band_reference="last"), actions)
    seq = before(v)
    assert check(v, seq, EFF, 45.00, 45.02) is None  # 100 / 2 - 5
    assert [a.id for _, a, _ in v.applied] == ["a-split", "b-div"]


def test_actions_of_symbols_the_feed_does_not_carry_are_ignored():
    other = actions_from([{"id": "x", "symbol": "ACME", "type": "split", "ratio": "2:1", "effective": EFFECTIVE}],
                         "test")
    v = Validator({"EURUSD": load_master()["EURUSD"]}, actions=other)
    assert v.check(encode(Quote("EURUSD", 1, EFF, 1.1, 1e6, 1.10002, 1e6)), SRC, EFF).ok


def test_a_feeds_actions_file_may_list_other_symbols_of_its_master_but_not_unknown_ones(tmp_path):
    path = tmp_path / "actions.yaml"
    path.write_text("actions:\n  - {id: a, symbol: ACME, type: split, ratio: '2:1', effective: 2027-03-01}\n"
                    "  - {id: g, symbol: GBPUSD, type: dividend, amount: 0.01, effective: 2027-03-01}\n")

    def feed(**settings) -> FeedConfig:
        return build_config(FeedConfig, {"primary": "tcp://127.0.0.1:5555", "symbols": ["ACME"], **settings})
    feed_symbols = feed().instruments(tmp_path)
    assert [a.id for a in feed(corporate_actions="actions.yaml").actions(tmp_path, feed_symbols)] == ["a"]
    assert feed().actions(tmp_path, feed_symbols) == ()  # GBPUSD is in the master, not in this feed
    path.write_text("actions:\n  - {id: t, symbol: AMCE, type: split, ratio: '2:1', effective: 2027-03-01}\n")
    [problem] = feed(corporate_actions=str(path)).check_references(tmp_path)
    assert problem.field == "corporate_actions"
    assert re.search(r"AMCE.* not in the symbol master", problem.what), problem
    with pytest.raises(ConfigError, match=r"corporate_actions: expected a string or null, got a mapping"):
        feed(corporate_actions={"file": str(path)})


# ---- the batched path ----------------------------------------------------------------------------

def batch(v: Validator, first_seq: int, rows: list[tuple[int, float]]) -> list[str | None]:
    records = np.zeros(len(rows), dtype=QUOTES)
    for i, (ts, bid) in enumerate(rows):
        records[i] = (first_seq + i, ts, bid, 100.0, round(bid + 0.02, 2), 100.0)
    verdict = check_batch(v, encode_batch("ACME", records), SRC, max(ts for ts, _ in rows))
    rules = dict(verdict.rejected())
    return [rules[i].rule if i in rules else None for i in range(len(rows))]


def test_a_batch_across_a_split_judges_each_record_on_its_side_of_it():
    v = validator(action(ratio="2:1"))
    seq = before(v)
    rows = [(EFF - 2 * MS, 100.00), (EFF - MS, 50.00), (EFF, 50.00), (EFF + MS, 100.00), (EFF + 2 * MS, 50.01)]
    assert batch(v, seq, rows) == [None, "price_band", None, "price_band", None]
    assert [a.id for _, a, _ in v.applied] == ["ACME-split"]


def test_a_batch_before_the_split_is_untouched():
    v = validator(action(ratio="2:1"))
    seq = before(v)
    assert batch(v, seq, [(EFF - 2 * MS, 100.00), (EFF - MS, 50.00)]) == [None, "price_band"]
    assert not v.applied
