"""Fail closed: when a check lacks what it needs (a quote, a fresh one, a conversion rate, the symbol, a
price for another symbol its group holds), the order is denied with that reason, never let through."""
from __future__ import annotations

import pytest

from tests.unit.actors.oms.risk.risk_support import Desk

PRICED = [{"collar_bps": 50}, {"max_gross": 1e9}, {"max_net": 1e9}, {"max_daily_loss": 1e9}]


@pytest.mark.parametrize("limits", PRICED, ids=lambda limits: next(iter(limits)))
def test_no_quote_for_a_check_that_needs_a_price(limits):
    desk = Desk({"strategies": {"mean-rev": limits}})
    desk.market.clear("EURUSD")
    denied = desk.check()
    assert (denied.reason, denied.message) == ("no_price", "no_price: no quote for EURUSD")


def test_a_check_that_needs_no_price_does_not_ask_for_one():
    desk = Desk({"strategies": {"mean-rev": {"max_order_qty": 1e6, "max_position": 1e6, "max_open_orders": 5,
                                             "max_order_notional": 1e6}}})
    desk.market.clear("EURUSD")
    assert desk.check(price=1.1)  # a limit order's notional is at its own price
    assert desk.check(price=None).message == "no_price: no quote for EURUSD"  # a market order's is at the touch


def test_a_quote_older_than_max_quote_age_is_stale():
    desk = Desk({"strategies": {"mean-rev": {"collar_bps": 50}}, "market": {"max_quote_age_s": 2}})
    desk.quote("EURUSD", 1.1, 1.1002, age_s=2)
    assert desk.check()
    desk.quote("EURUSD", 1.1, 1.1002, age_s=2.001)
    denied = desk.check()
    assert (denied.reason, denied.message) == ("stale_price", "stale_price: the EURUSD quote is 2.001 s old > 2 s")
    desk.clock.advance(10)
    desk.quote("EURUSD", 1.1, 1.1002)
    assert desk.check()


def test_an_empty_quote_or_a_missing_side_at_the_touch():
    desk = Desk({"strategies": {"mean-rev": {"collar_bps": 50}}, "market": {"collar_reference": "touch"}})
    desk.quote("EURUSD", None, None)
    assert desk.check().message == "no_price: the EURUSD quote has neither a bid nor an ask"
    desk.quote("EURUSD", 1.1, None)
    assert desk.check(side="buy").message == "no_price: no ask for EURUSD to collar against"
    assert desk.check(side="sell", price=1.1)


def test_an_unknown_symbol_is_denied_whatever_is_configured():
    desk = Desk()
    denied = desk.check(symbol="XYZ")
    assert (denied.reason, denied.message) == ("unknown_symbol", "unknown_symbol: XYZ is not in the symbol master")


def test_a_price_in_another_currency_needs_a_fresh_conversion_rate():
    desk = Desk({"strategies": {"mean-rev": {"max_gross": 1e9}}})
    assert desk.check(symbol="SONY", qty=100, price=3001)
    desk.market.clear("USDJPY")
    assert desk.check(symbol="SONY", qty=100, price=3001).message == (
        "no_price: no quote for USDJPY (to convert JPY to USD)")
    desk.quote("USDJPY", 150, 150.02, age_s=6)
    assert desk.check(symbol="SONY", qty=100, price=3001).reason == "stale_price"


def test_a_group_holding_a_symbol_without_a_price_cannot_be_measured():
    desk = Desk({"books": {"main": {"max_gross": 1e9}}})
    acme = desk.submit("other", symbol="ACME", qty=100, price=100, check=False)  # never priced by the gateway
    desk.ack(acme)
    desk.market.clear("ACME")
    denied = desk.check()
    assert (denied.reason, denied.message) == ("no_price", "no_price: the exposure of book main needs a price for ACME")
    assert desk.check(book="other-book")  # another book does not hold it
    desk.quote("ACME", 99.99, 100.01)
    assert desk.check()  # priced as soon as a quote is there (any age: it is not the order's own symbol)


def test_quote_ages_are_measured_on_the_injected_clock():
    """Ages are measured on the injected clock: a quote stamped in 2027 is fresh on a SimClock in 2027."""
    desk = Desk({"strategies": {"mean-rev": {"collar_bps": 50}}})
    assert desk.check()
    desk.clock.advance(5.0)
    assert desk.check()
    desk.clock.advance(0.001)
    assert desk.check().reason == "stale_price"


def test_a_check_needing_no_money_figure_never_marks_a_symbol_at_a_wrong_rate():
    """A collar needs SONY's quote but no JPY rate: it must not leave SONY marked as if yen were dollars."""
    desk = Desk({"strategies": {"a": {"collar_bps": 50}, "b": {"max_gross": 200_000}}})
    sony = desk.submit("b", symbol="SONY", qty=100, price=3001, check=False)
    desk.ack(sony)
    desk.fill(sony, 100, 3001)  # 300100 JPY: about 2000 USD
    assert desk.check("a", symbol="SONY", qty=100, price=3001)
    assert desk.check("b", qty=100_000)  # 110010 + 2000, not 110010 + 300100
    assert desk.gw.agg.marks["SONY"].value == pytest.approx(3001 / 150.01)
