"""Positions from fills: signed quantity, average price of the open position, realized P&L,
busts and corrections, persistence; properties over random fill streams."""
from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from actors.oms import Fill, Positions

KEY = ("ACC1", "mm", "EURUSD")
_n = iter(range(10**9))


def trade(side: str, qty, price, fill_id: str | None = None, strategy="mm") -> Fill:
    return Fill(fill_id=fill_id or f"O/{next(_n)}", kind="trade", account="ACC1", strategy=strategy,
                symbol="EURUSD", side=side, qty=qty, price=price)


def bust(of: Fill) -> Fill:
    return Fill(fill_id=f"{of.fill_id}-bust", kind="bust", account=of.account, strategy=of.strategy,
                symbol=of.symbol, side=of.side, qty=0, price=of.price, ref_fill_id=of.fill_id,
                ref_qty=of.qty, ref_price=of.price)


def correct(of: Fill, qty, price) -> Fill:
    return Fill(fill_id=f"{of.fill_id}-fix", kind="correct", account=of.account, strategy=of.strategy,
                symbol=of.symbol, side=of.side, qty=qty, price=price, ref_fill_id=of.fill_id,
                ref_qty=of.qty, ref_price=of.price)


def view(p: Positions):
    v = p.get(*KEY)
    return v.qty, v.avg_px, v.realized_pnl


def test_buys_average_sells_realize_and_flat_resets_the_average():
    p = Positions()
    p.apply(trade("Buy", 100, 10))
    p.apply(trade("Buy", 300, 14))
    assert view(p) == (400, 13, 0)
    p.apply(trade("Sell", 100, 15))
    assert view(p) == (300, 13, 200)
    p.apply(trade("Sell", 300, 12))
    assert view(p) == (0, 0, -100)


def test_crossing_zero_opens_the_other_side_at_the_crossing_price():
    p = Positions()
    p.apply(trade("Buy", 100, 10))
    p.apply(trade("SellShort", 250, 12))
    assert view(p) == (-150, 12, 200)
    p.apply(trade("Buy", 50, 11))
    assert view(p) == (-100, 12, 250)


def test_positions_are_per_account_strategy_and_symbol():
    p = Positions()
    p.apply(trade("Buy", 100, 10))
    p.apply(trade("Sell", 40, 10, strategy="arb"))
    assert p.get(*KEY).qty == 100 and p.get("ACC1", "arb", "EURUSD").qty == -40
    assert p.get("ACC9", "x", "Y").qty == 0
    assert {(v.strategy, v.qty) for v in p} == {("mm", 100), ("arb", -40)}


def test_the_same_fill_is_booked_once():
    p = Positions()
    f = trade("Buy", 100, 10)
    assert p.apply(f) and not p.apply(f)
    b = bust(f)
    assert p.apply(b) and not p.apply(b) and not p.apply(f)
    assert view(p) == (0, 0, 0)


def test_a_bust_of_an_early_fill_refolds_the_rest():
    p = Positions()
    first = trade("Buy", 100, 10)
    for f in (first, trade("Sell", 50, 12), trade("Buy", 50, 20)):
        p.apply(f)
    p.apply(bust(first))
    # as if it never was: short 50 @ 12, bought back @ 20
    assert view(p) == (0, 0, Decimal(50 * (12 - 20)))


def test_a_correction_replaces_the_fill_in_place():
    p = Positions()
    f = trade("Buy", 100, 10)
    p.apply(f)
    p.apply(trade("Sell", 50, 11))
    p.apply(correct(f, 100, 9))
    assert view(p) == (50, 9, 100)


def test_after_compaction_a_bust_is_booked_as_the_opposite_trade():
    p = Positions()
    f = trade("Buy", 100, 10)
    p.apply(f)
    p.apply(trade("Buy", 100, 12))
    p.compact()
    assert view(p) == (200, 11, 0)
    p.apply(bust(f))
    assert p.get(*KEY).qty == 100
    p.apply(correct(trade("Buy", 100, 12, fill_id="gone"), 60, 12))
    assert p.get(*KEY).qty == 60


def test_json_round_trip():
    p = Positions()
    for f in (trade("Buy", 100, "1.10001"), trade("Sell", 30, "1.2"), trade("Sell", 100, "1.0")):
        p.apply(f)
    again = Positions.from_dict(json.loads(json.dumps(p.to_dict())))
    assert again.to_dict() == p.to_dict() and view(again) == view(p)


fills = st.lists(st.tuples(st.sampled_from(["Buy", "Sell"]), st.integers(1, 10_000),
                           st.decimals(min_value=1, max_value=1000, places=4)), max_size=30)


@given(fills)
def test_position_equals_the_sum_of_signed_fills(stream):
    p = Positions()
    for side, qty, px in stream:
        p.apply(trade(side, qty, px))
    assert p.get(*KEY).qty == sum(q if s == "Buy" else -q for s, q, _ in stream)


@given(fills, st.sampled_from(["Buy", "Sell"]), st.integers(1, 10_000),
       st.decimals(min_value=1, max_value=1000, places=4))
def test_a_fill_then_its_bust_returns_the_previous_position(stream, side, qty, px):
    p = Positions()
    for s, q, x in stream:
        p.apply(trade(s, q, x))
    before = view(p)
    f = trade(side, qty, px)
    p.apply(f)
    p.apply(bust(f))
    assert view(p) == before


@given(fills, st.data())
def test_busting_any_fill_equals_never_having_had_it(stream, data):
    if not stream:
        return
    victim = data.draw(st.integers(0, len(stream) - 1))
    with_bust, without = Positions(), Positions()
    booked = []
    for i, (s, q, x) in enumerate(stream):
        f = trade(s, q, x)
        booked.append(f)
        with_bust.apply(f)
        if i != victim:
            without.apply(trade(s, q, x))
    with_bust.apply(bust(booked[victim]))
    assert view(with_bust) == view(without)


# ---- corporate actions ---------------------------------------------------------------------
def _action(kind: str, **terms):
    from vigil.corporate_actions import actions_from
    entry = {"id": f"{kind}-1", "symbol": "EURUSD", "type": kind, "effective": "2027-01-01T00:00:00Z", **terms}
    return actions_from([entry], "test")[0]


def test_a_split_doubles_the_position_halves_its_average_and_keeps_realized_pnl():
    p = Positions()
    p.apply(trade("Buy", 100, 10))
    p.apply(trade("Sell", 40, 12))
    assert p.apply_corporate_action(_action("split", ratio="2:1")) == [KEY]
    assert view(p) == (120, 5, 80)
    p.apply(trade("Sell", 120, 6))  # the post-split price closes it at a profit of 1 a share
    assert view(p) == (0, 0, 200)


def test_a_corporate_action_is_booked_once_and_survives_a_bust_and_the_rows():
    p = Positions()
    first = trade("Buy", 100, 10)
    p.apply(first)
    p.apply(trade("Buy", 100, 20))
    split = _action("split", ratio="2:1")
    p.apply_corporate_action(split)
    assert p.apply_corporate_action(split) == []  # already booked
    assert view(p) == (400, Decimal("7.5"), 0)
    p.apply(bust(first))  # a pre-split fill busted afterwards: refolded through the split
    assert view(p) == (200, 10, 0)
    restored = Positions.from_rows(json.loads(json.dumps(list(p.changed_rows().values()))))
    assert view(restored) == (200, 10, 0)
    assert restored.apply_corporate_action(split) == []


def test_a_dividend_pays_a_long_and_charges_a_short_leaving_the_average_alone():
    p = Positions()
    p.apply(trade("Buy", 100, 10))
    p.apply(trade("SellShort", 30, 10, strategy="other"))
    p.apply_corporate_action(_action("dividend", amount="0.25"))
    assert (p.get(*KEY).dividends, p.get(*KEY).avg_px) == (25, 10)
    assert p.get("ACC1", "other", "EURUSD").dividends == Decimal("-7.5")


def test_rows_written_before_dividends_existed_still_load():
    row = {"key": list(KEY), "opening": ["5", "10", "1"], "fills": [], "seen": []}
    assert view(Positions.from_rows([row])) == (5, 10, 1)
