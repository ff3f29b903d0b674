"""Each check, on by configuration, lets the order just inside its limit through and denies the one just
outside, with its reason code and the numbers behind it. Quotes: EURUSD 1.1 / 1.1002 (mid 1.1001),
GBPUSD mid 1.2701, ACME mid 100, BOLT mid 50, USDJPY mid 150.01 (risk_support.PRICES)."""
from __future__ import annotations

import pytest

from actors.oms.risk import RiskRejected
from tests.unit.actors.oms.risk.risk_support import Desk

MEAN_REV = "mean-rev"


def strategy(**limits) -> dict:
    return {"strategies": {MEAN_REV: limits}}


def test_with_nothing_configured_every_known_order_passes_and_needs_no_price():
    desk = Desk(quotes=False)
    assert desk.check(qty=10**9, price=1000)
    assert not desk.gw.denials


def test_max_order_qty_names_the_tightest_level_and_the_figures():
    desk = Desk({**strategy(max_order_qty=200_000), "books": {"main": {"max_order_qty": 300_000}},
                 "firm": {"max_order_qty": 150_000}})
    assert desk.check(qty=150_000)
    denied = desk.check(qty=150_001)
    assert (denied.reason, denied.message) == ("max_order_qty", "max_order_qty: 150001 > 150000 for firm EURUSD")
    desk = Desk(strategy(max_order_qty=200_000))
    assert desk.check(qty=200_000)
    assert desk.check(qty=250_000).message == "max_order_qty: 250000 > 200000 for mean-rev EURUSD"
    desk = Desk({"books": {"main": {"max_order_qty": 300_000}}})
    assert desk.check(qty=300_001).message == "max_order_qty: 300001 > 300000 for book main EURUSD"
    assert desk.check(qty=300_001, book="other")  # another book: not its limit


def test_a_denial_raises_a_risk_rejected_with_its_reason_when_asked():
    desk = Desk(strategy(max_order_qty=200_000))
    with pytest.raises(RiskRejected) as err:
        desk.check(qty=250_000).raise_if_denied()
    assert err.value.reason == "max_order_qty"
    assert str(err.value) == "max_order_qty: 250000 > 200000 for mean-rev EURUSD"
    desk.check(qty=1).raise_if_denied()


def test_max_order_notional_at_the_limit_price_and_a_market_order_at_the_far_touch():
    desk = Desk(strategy(max_order_notional=220_000))
    assert desk.check(qty=199_999, price=1.1)  # 219998.9
    assert desk.check(qty=200_001, price=1.1).message == (
        "max_order_notional: 220001.10 > 220000 for mean-rev EURUSD buy 200001")
    assert desk.check(qty=199_963, price=None)  # at the ask 1.1002: 219999.3
    assert desk.check(qty=199_965, price=None).reason == "max_order_notional"  # 220001.5


def test_a_market_sell_is_valued_at_the_bid():
    desk = Desk(strategy(max_order_notional=220_000))
    assert desk.check(qty=199_999, side="sell", price=None)  # 219998.9 at 1.1
    assert desk.check(qty=200_001, side="sell", price=None).message == (
        "max_order_notional: 220001.10 > 220000 for mean-rev EURUSD sell 200001")


def test_notional_in_another_currency_is_converted_to_the_base_currency():
    desk = Desk(strategy(max_order_notional=2_000))
    assert desk.check(symbol="SONY", qty=99, price=3001)  # 297099 JPY / 150.01 = 1980.5 USD
    assert desk.check(symbol="SONY", qty=101, price=3001).message == (
        "max_order_notional: 2020.54 > 2000 for mean-rev SONY buy 101")  # 303101 / 150.01


def test_a_price_in_euros_converts_at_the_eurusd_mid():
    desk = Desk({"strategies": {"mean-rev": {"max_order_notional": 22_000}}})
    assert desk.check(symbol="SAPG", qty=99, price=200)  # 19800 EUR x 1.1001 (EURUSD) = 21782 USD
    assert desk.check(symbol="SAPG", qty=100, price=200).message == (
        "max_order_notional: 22002 > 22000 for mean-rev SAPG buy 100")


@pytest.mark.parametrize("reference, inside, outside, says", [
    ("mid", 1.10549, 1.10571, "price_collar: 1.10571 is 51.0 bps from the mid 1.1001 > 50 for mean-rev EURUSD"),
    ("touch", 1.10569, 1.10581, "price_collar: 1.10581 is 51.0 bps from the touch 1.1002 > 50 for mean-rev EURUSD"),
])
def test_price_collar_against_the_mid_or_the_touch(reference, inside, outside, says):
    desk = Desk({**strategy(collar_bps=50), "market": {"collar_reference": reference}})
    assert desk.check(price=inside)
    denied = desk.check(price=outside)
    assert (denied.reason, denied.message) == ("price_collar", says)


def test_the_collar_is_both_ways_and_a_sell_uses_the_bid_at_the_touch():
    desk = Desk({**strategy(collar_bps=50), "market": {"collar_reference": "touch"}})
    assert desk.check(side="sell", price=1.09451)  # 49.9 bps under the bid 1.1
    assert desk.check(side="sell", price=1.0944).reason == "price_collar"
    assert desk.check(side="buy", price=1.0944).reason == "price_collar"  # a fat finger the passive way too


def test_max_position_counts_the_position_and_working_orders_on_the_side_in_question():
    desk = Desk(strategy(max_position=300_000))
    order = desk.submit(qty=200_000)
    desk.ack(order)
    desk.fill(order, 100_000, 1.1)  # position 100000, 100000 still working
    assert desk.check(qty=100_000)
    denied = desk.check(qty=100_001)
    assert denied.message == ("max_position: 300001 > 300000 for mean-rev EURUSD (position 100000, working 100000, "
                              "this 100001)")
    assert desk.check(side="sell", qty=400_000)  # 100000 - 400000: short 300000 at worst
    assert desk.check(side="sell", qty=400_001).reason == "max_position"


def test_max_position_per_book_and_firm_sums_strategies():
    desk = Desk({"books": {"main": {"max_position": 300_000}}})
    desk.submit("other", qty=200_000)
    assert desk.check(qty=100_000)
    assert desk.check(qty=100_001).message.startswith("max_position: 300001 > 300000 for book main EURUSD")
    desk = Desk({"firm": {"max_position": 300_000}})
    desk.submit("other", book="b2", qty=200_000)
    assert desk.check(qty=100_001).message.startswith("max_position: 300001 > 300000 for firm EURUSD")


def test_max_open_orders():
    desk = Desk(strategy(max_open_orders=3))
    desk.submit(qty=1, price=1.1)
    desk.submit(qty=2, price=1.1)
    assert desk.check(qty=3)
    desk.submit(qty=3, price=1.1)
    assert desk.check(qty=4).message == "max_open_orders: 4 > 3 for mean-rev"


@pytest.mark.parametrize("limits, label", [
    (strategy(max_gross=330_100), "mean-rev"),
    ({"books": {"main": {"max_gross": 330_100}}}, "book main"),
    ({"firm": {"max_gross": 330_100}}, "firm"),
    ({"sectors": {"fx": {"max_gross": 330_100}}}, "sector fx"),
    ({"regions": {"global": {"max_gross": 330_100}}}, "region global"),
])
def test_max_gross_at_each_level(limits, label):
    desk = Desk(limits)
    assert desk.check(qty=300_000)  # 330030
    denied = desk.check(qty=300_100)
    assert (denied.reason, denied.message) == ("max_gross", f"max_gross: 330140.01 > 330100 for {label} "
                                                            "(EURUSD buy 300100)")


@pytest.mark.parametrize("limits, label", [
    (strategy(max_net=250_000), "mean-rev"),
    ({"books": {"main": {"max_net": 250_000}}}, "book main"),
    ({"firm": {"max_net": 250_000}}, "firm"),
    ({"sectors": {"fx": {"max_net": 250_000}}}, "sector fx"),
    ({"regions": {"global": {"max_net": 250_000}}}, "region global"),
])
def test_max_net_at_each_level(limits, label):
    desk = Desk(limits)
    short = desk.submit(symbol="GBPUSD", side="sell", qty=100_000, price=1.27, check=False)
    desk.ack(short)
    desk.fill(short, 100_000, 1.27)  # short 127010 at the mid 1.2701: a long nets against it
    assert desk.check(qty=342_700)  # 377004.27 - 127010 = 249994.27
    denied = desk.check(qty=342_710)
    assert (denied.reason, denied.message) == ("max_net", f"max_net: 250005.27 > 250000 for {label} "
                                                          "(EURUSD buy 342710)")


def test_gross_adds_symbols_and_sides_and_counts_a_short_as_much_as_a_long():
    desk = Desk(strategy(max_gross=400_000))
    desk.submit(symbol="GBPUSD", side="sell", qty=200_000, price=1.27)  # 254020 short at worst
    assert desk.check(qty=130_000)  # + 143013
    assert desk.check(qty=133_000).reason == "max_gross"  # + 146313.3 = 400333.3


def test_max_net_lets_an_offsetting_order_through():
    desk = Desk(strategy(max_net=250_000))
    order = desk.submit(qty=200_000)  # long 220020 at worst
    desk.ack(order)
    assert desk.check(symbol="GBPUSD", side="sell", qty=100_000, price=1.27)  # nets down: passes
    assert desk.check(symbol="GBPUSD", qty=23_000, price=1.27)  # 220020 + 29212.3 = 249232.3
    denied = desk.check(symbol="GBPUSD", qty=24_000, price=1.27)
    assert denied.message == "max_net: 250502.40 > 250000 for mean-rev (GBPUSD buy 24000)"


def test_an_exposure_already_over_its_limit_still_takes_an_order_that_does_not_add_to_it():
    desk = Desk(strategy(max_gross=100_000))
    order = desk.submit(qty=200_000, check=False)
    desk.ack(order)
    desk.fill(order, 200_000, 1.1)
    assert desk.check(side="sell", qty=50_000).allowed
    assert desk.check(qty=1).reason == "max_gross"


def test_concentration_of_one_name_in_a_book():
    desk = Desk({"books": {"main": {"max_concentration": 0.5, "concentration_min_gross": 100_000}}})
    for symbol, qty, px in (("ACME", 1000, 100), ("BOLT", 3000, 50)):
        order = desk.submit(symbol=symbol, qty=qty, price=px, check=False)
        desk.ack(order)
        desk.fill(order, qty, px)
    assert desk.check(symbol="ACME", qty=499, price=100)  # 149900 of 299900
    denied = desk.check(symbol="ACME", qty=501, price=100)
    assert denied.message == "concentration: ACME 0.5002 of book main's gross 300100 > 0.5 (ACME buy 501)"
    assert desk.check(symbol="ACME", qty=501, price=100, book="small")  # a book below its minimum gross


def test_daily_loss_realised_plus_unrealised_then_only_reducing_orders():
    desk = Desk(strategy(max_daily_loss=1_000))
    order = desk.submit(qty=100_000, price=1.1001)
    desk.ack(order)
    desk.fill(order, 100_000, 1.1001)
    desk.quote("EURUSD", 1.0901, 1.0903)  # mid 1.0902: down 990
    assert desk.check(qty=1, price=1.09)
    desk.quote("EURUSD", 1.0899, 1.0901)  # mid 1.09: down 1010
    denied = desk.check(qty=1, price=1.09)
    assert denied.message == ("daily_loss: 1010 > 1000 for mean-rev (realised + unrealised today); only reducing "
                              "orders pass")
    assert desk.check(side="sell", qty=50_000, price=1.09)  # reducing
    sold = desk.submit(side="sell", qty=100_000, price=1.09)
    desk.ack(sold)
    desk.fill(sold, 100_000, 1.09)  # flat: the loss is realised now, and still today's
    assert desk.check(qty=1, price=1.09).reason == "daily_loss"
    desk.clock.advance(86_400)  # the next day: yesterday's P&L is the baseline
    desk.quote("EURUSD", 1.0899, 1.0901)
    assert desk.check(qty=1, price=1.09)
    day = desk.log[-1]
    assert day["event"] == "risk_day" and day["baselines"]["strategy:mean-rev"] == pytest.approx(-1010)


def test_daily_loss_per_book_sums_its_strategies():
    desk = Desk({"books": {"main": {"max_daily_loss": 1_000}}})
    for name in ("a", "b"):
        order = desk.submit(name, qty=50_000, price=1.1001)
        desk.ack(order)
        desk.fill(order, 50_000, 1.1001)
    desk.quote("EURUSD", 1.0899, 1.0901)
    assert desk.check("c", qty=1, price=1.09).message.startswith("daily_loss: 1010 > 1000 for book main")


def test_var_limit_per_book_on_a_figure_computed_off_the_path():
    desk = Desk({"books": {"main": {"max_var": 10_000}}, "var": {"max_age_s": 60}})
    now = desk.clock.now_ns()
    desk.gw.set_var("main", 9_999, at_ns=now)
    assert desk.check()
    desk.gw.set_var("main", 10_001, at_ns=now)
    assert desk.check().message == "var: 10001 > 10000 for book main; only reducing orders pass"
    long = desk.submit(qty=100_000, check=False)
    desk.ack(long)
    desk.fill(long, 100_000, 1.1)
    assert desk.check(side="sell", qty=100_000)  # reducing passes
    desk.gw.set_var("main", 1, at_ns=now)
    desk.clock.advance(60.001)
    assert desk.check().reason == "stale_var"
    desk.gw.set_var("main", None, at_ns=now)
    assert desk.check().message == "no_var: no VaR figure for book main; only reducing orders pass"


def test_duplicate_orders_within_the_window():
    desk = Desk(strategy(duplicate_window_s=1))
    assert desk.check(qty=100_000, price=1.1)
    denied = desk.check(qty=100_000, price=1.1)
    assert (denied.reason, denied.message) == ("duplicate_order",
                                               "duplicate_order: mean-rev sent EURUSD buy 100000 at 1.1 within 1 s")
    assert desk.check(qty=100_000, price=1.10001)  # another price
    assert desk.check(qty=100_000, price=1.1, side="sell")
    assert desk.check("other", qty=100_000, price=1.1)
    desk.clock.advance(0.999)
    assert desk.check(qty=100_000, price=1.1).reason == "duplicate_order"
    desk.clock.advance(0.002)
    assert desk.check(qty=100_000, price=1.1)


def test_denials_are_counted_per_reason_and_per_strategy():
    desk = Desk(strategy(max_order_qty=10))
    desk.check(qty=11)
    desk.check(qty=12)
    desk.check("other", symbol="NOPE")
    assert desk.gw.denial_counts() == {"total": {"max_order_qty": 2, "unknown_symbol": 1},
                                       "strategies": {MEAN_REV: {"max_order_qty": 2}, "other": {"unknown_symbol": 1}}}


def test_the_other_symbols_of_a_group_count_at_their_marks_which_market_moved_keeps_current():
    desk = Desk({"books": {"main": {"max_gross": 200_000}}})
    acme = desk.submit("equity", symbol="ACME", qty=1000, price=100)  # 100000 working at the mid 100
    desk.ack(acme)
    assert desk.check(qty=90_000)  # 100000 + 99009
    desk.quote("ACME", 149.99, 150.01)
    assert desk.check(qty=90_000)  # ACME still marked at 100: nobody re-marked it
    desk.gw.market_moved("ACME")
    assert desk.check(qty=90_000).message == "max_gross: 249009 > 200000 for book main (EURUSD buy 90000)"
    desk.quote("ACME", 49.99, 50.01)
    desk.gw.refresh_marks()
    assert desk.check(qty=90_000)


def test_the_trading_day_starts_at_day_start_utc():
    desk = Desk({"strategies": {"mean-rev": {"max_daily_loss": 1_000}}, "day_start_utc": "22:00"})
    assert desk.check()  # 2027-01-15 08:00 UTC: the day that started at 22:00 the evening before
    assert desk.log[-1]["date"] == "2027-01-14"
    order = desk.submit(qty=100_000, price=1.1001)
    desk.ack(order)
    desk.fill(order, 100_000, 1.1001)
    desk.quote("EURUSD", 1.0899, 1.0901)
    assert desk.check(qty=1, price=1.09).reason == "daily_loss"
    assert desk.gw.roll_day_if_due() is None
    desk.clock.advance(13 * 3600.0)  # 21:00: the same trading day
    assert desk.gw.roll_day_if_due() is None
    desk.clock.advance(3600.0)  # 22:00: a new one, the loss so far its baseline
    event = desk.gw.roll_day_if_due()
    desk.persist(event)
    assert event["date"] == "2027-01-15" and event["baselines"]["strategy:mean-rev"] == pytest.approx(-1010)
    desk.quote("EURUSD", 1.0899, 1.0901)
    assert desk.check(qty=1, price=1.09)
