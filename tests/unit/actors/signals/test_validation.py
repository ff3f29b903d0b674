"""The signal schema's rules on plain objects: a good signal of each kind, and every reason a bad one is refused
for, each with the words an operator (and the research process) reads."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from actors.signals.validation import REASONS, Rejection, Signal, SignalRules, StrategyInfo, order_of
from vigil.reference import Instrument

INSTRUMENTS = {"EURUSD": Instrument("EURUSD", 0.00001, 1000), "GBPUSD": Instrument("GBPUSD", 0.00001, 1000),
               "ACME": Instrument("ACME", 0.01, 1)}
STRATEGIES = {"momentum": StrategyInfo("momentum", "mom-book", frozenset({"EURUSD", "ACME"}))}


@pytest.fixture
def rules():
    return SignalRules(INSTRUMENTS, STRATEGIES.get, max_size=1_000_000, max_position=5_000_000, max_bytes=512)


def signal(**fields):
    base = {"id": "r1-42", "strategy": "momentum", "symbol": "EURUSD", "side": "buy", "size": 2000}
    return json.dumps({k: v for k, v in {**base, **fields}.items() if v is not ...}).encode()


def test_a_side_signal_is_an_order_of_the_named_strategy_in_its_book(rules):
    good = rules.parse(signal(price=1.10012, tif="IOC"))
    assert good == Signal("r1-42", "momentum", "mom-book", "EURUSD", "buy", Decimal(2000), None,
                          Decimal("1.10012"), "IOC")
    order = order_of(good.id, good.terms(), good.side, good.size)
    assert (order.symbol, order.side, order.qty, order.price, order.ord_type, order.tif) == \
        ("EURUSD", "buy", "2000", "1.10012", "limit", "IOC")
    assert (order.strategy, order.account, order.client_id) == ("momentum", "mom-book", "signal:r1-42")


def test_without_a_price_it_is_a_market_order_and_numbers_may_be_text(rules):
    good = rules.parse(signal(side="sell", size="3000", price=None))
    assert (good.side, good.size, good.price, good.tif) == ("sell", Decimal(3000), None, "DAY")
    assert order_of(good.id, good.terms(), "sell", good.size).ord_type == "market"


def test_a_target_signal_orders_the_difference_from_the_position_with_its_open_orders(rules):
    good = rules.parse(signal(side=..., size=..., target=-3000))
    assert (good.side, good.size, good.target) == (None, None, Decimal(-3000))
    terms = good.terms()
    assert rules.target_order(good.id, terms, Decimal(1000), Decimal(-2000)) == ("sell", Decimal(2000))
    assert rules.target_order(good.id, terms, Decimal(-5000), Decimal(0)) == ("buy", Decimal(2000))
    flat = rules.parse(signal(side=..., size=..., target=0))
    assert rules.target_order(flat.id, flat.terms(), Decimal(4000), Decimal(0)) == ("sell", Decimal(4000))


# Every refusal reason: (what is sent, its reason code, words of its reason).
BAD = [
    (b"{not json", "malformed", "not JSON"),
    (b"\xff\xfe{}", "malformed", "not UTF-8 text"),
    (b"[1, 2]", "malformed", "a signal is a JSON object, got a list"),
    (b'"buy"', "malformed", "got text"),
    (b"[" * 600 + b"]" * 600, "malformed", "at most 512"),
    (b"[" * 250 + b"]" * 250, "malformed", "a JSON object"),
    (b'{"id": "a", "side": "buy", "side": "sell"}', "malformed", "field 'side' given twice"),
    (signal(qty=1000), "unknown_field", 'unknown field "qty"; the fields are id, strategy, symbol'),
    (signal(symbl="EURUSD"), "unknown_field", "(did you mean symbol?)"),
    (signal(id=...), "missing_field", "id is missing"),
    (signal(strategy=...), "missing_field", "strategy is missing"),
    (signal(symbol=None), "missing_field", "symbol is missing"),
    (signal(side=...), "missing_field", "side or target is missing"),
    (signal(size=...), "missing_field", "size is missing: a side needs one"),
    (signal(side="buy", target=1000), "conflicting_fields", "side and target both given"),
    (signal(side=..., target=1000), "conflicting_fields", "size given with a target"),
    (signal(id=42), "bad_id", "id must be text of 1 to 64 letters"),
    (signal(id=""), "bad_id", 'got ""'),
    (signal(id="a b"), "bad_id", 'got "a b"'),
    (signal(id="x" * 65), "bad_id", "id must be text"),
    (signal(id="-leading"), "bad_id", "starting with a letter or digit"),
    (signal(strategy="nope"), "unknown_strategy", '"nope" is not a strategy of this topology'),
    (signal(strategy=7), "unknown_strategy", "7 is not a strategy"),
    (signal(symbol="XYZ"), "unknown_symbol", '"XYZ" is not in the symbol master'),
    (signal(symbol="GBPUSD"), "unknown_symbol", "GBPUSD is not one of momentum's symbols (ACME, EURUSD)"),
    (signal(side="hold"), "bad_side", 'side must be "buy" or "sell", got "hold"'),
    (signal(side="BUY"), "bad_side", 'got "BUY"'),
    (signal(side=1), "bad_side", "got 1"),
    (signal(size="lots"), "bad_size", 'size must be a number, got "lots"'),
    (signal(size=True), "bad_size", "size must be a number, got true"),
    (signal(size=[1000]), "bad_size", "size must be a number"),
    (b'{"id": "n", "strategy": "momentum", "symbol": "EURUSD", "side": "buy", "size": NaN}', "bad_size",
     "size must be finite, got NaN"),
    (signal(size="Infinity"), "bad_size", "size must be finite"),
    (signal(size=1e400), "bad_size", "size must be finite"),
    (signal(size=0), "bad_size", "size must be positive, got 0"),
    (signal(size=-1000), "bad_size", "size must be positive, got -1000"),
    (signal(size=2_000_000), "bad_size", "size 2000000 is beyond max_size 1000000"),
    (signal(size="1e999999"), "bad_size", "beyond max_size"),
    (signal(size=1500), "bad_size", "size 1500 is not a multiple of EURUSD's lot size 1000"),
    (signal(side=..., size=..., target="short"), "bad_target", 'target must be a number, got "short"'),
    (signal(side=..., size=..., target="-inf"), "bad_target", "target must be finite"),
    (signal(side=..., size=..., target=-6_000_000), "bad_target", "target -6000000 is beyond max_position 5000000"),
    (signal(side=..., size=..., target=2500), "bad_target", "target 2500 is not a multiple of EURUSD's lot size"),
    (signal(price="cheap"), "bad_price", 'price must be a number, got "cheap"'),
    (signal(price="NaN"), "bad_price", "price must be finite"),
    (b'{"id": "n", "strategy": "momentum", "symbol": "EURUSD", "side": "buy", "size": 1000, "price": Infinity}',
     "bad_price", "price must be finite, got Infinity"),
    (signal(price=-1.1), "bad_price", "price must be positive, got -1.1"),
    (signal(price=0), "bad_price", "price must be positive, got 0"),
    (signal(price=1.100001), "bad_price", "price 1.100001 is not on EURUSD's tick 0.00001"),
    (signal(price="1e-999999"), "bad_price", "is not on EURUSD's tick"),
    (signal(tif="GTD"), "bad_tif", 'tif must be DAY, IOC, FOK or GTC, got "GTD"'),
    (signal(tif=""), "bad_tif", 'got ""'),
]


@pytest.mark.parametrize("raw, code, words", BAD, ids=[f"{c}-{i}" for i, (_, c, _) in enumerate(BAD)])
def test_a_bad_signal_is_refused_with_its_reason(rules, raw, code, words):
    verdict = rules.parse(raw)
    assert isinstance(verdict, Rejection), verdict
    assert verdict.code == code and words in verdict.reason, verdict
    assert verdict.code in REASONS


def test_a_refusal_carries_the_id_and_what_could_be_read_of_the_signal(rules):
    verdict = rules.parse(signal(side="hold", price=1.1))
    assert verdict.id == "r1-42"
    assert verdict.fields == {"strategy": "momentum", "symbol": "EURUSD", "side": "hold", "size": "2000",
                              "price": "1.1"}
    assert rules.parse(signal(id=42)).id is None  # no good id to answer by
    long = rules.parse(signal(side="x" * 300)).fields["side"]
    assert len(long) == 64 and long.endswith("...")  # a bad value is quoted, not copied whole


def test_a_target_the_position_is_at_needs_no_order_and_one_too_far_is_too_big(rules):
    target = rules.parse(signal(side=..., size=..., target=3000))
    none = rules.target_order(target.id, target.terms(), Decimal(1000), Decimal(2000))
    assert none.code == "no_order_needed" and none.id == "r1-42"
    assert none.reason == "momentum's EURUSD position is at the target 3000 already (1000 filled, +2000 working)"
    big = rules.parse(signal(side=..., size=..., target=4_000_000))
    too_big = rules.target_order(big.id, big.terms(), Decimal(-1_000_000), Decimal(0))
    assert too_big.code == "bad_size" and "takes 5000000, more than max_size 1000000" in too_big.reason
    odd = rules.target_order(target.id, target.terms(), Decimal(500), Decimal(0))  # a position off the lot
    assert odd.code == "bad_size" and "not a multiple of the lot size 1000" in odd.reason


def test_every_reason_code_is_covered():
    tested = {code for _, code, _ in BAD} | {"no_order_needed", "id_reused"}  # id_reused: the intake's (test_intake)
    assert tested == set(REASONS)


def test_json_that_would_exhaust_the_parser_is_malformed_not_a_crash():
    rules = SignalRules(INSTRUMENTS, STRATEGIES.get, max_size=1, max_position=1, max_bytes=1_048_576)
    deep = rules.parse(b"[" * 50_000 + b"]" * 50_000)
    assert deep.code == "malformed" and "recursion" in deep.reason
    digits = rules.parse(b'{"id": "a", "size": ' + b"9" * 5000 + b"}")
    assert digits.code == "malformed" and "digits" in digits.reason
