"""Corporate actions: the file, its errors, and what an action does to an order's terms."""
from datetime import datetime, timezone
from decimal import Decimal as D
from fractions import Fraction

import pytest

from vigil.corporate_actions import actions_from, adjusted_order, load_actions
from vigil.reference import ReferenceDataError

SYMBOLS = {"ACME", "EURUSD"}


def split(ratio="2:1", **extra):
    return {"id": "S", "symbol": "ACME", "type": "split", "ratio": ratio, "effective": "2026-12-01T14:30:00Z", **extra}


def dividend(amount=0.25, **extra):
    return {"id": "D", "symbol": "ACME", "type": "dividend", "amount": amount, "effective": "2026-12-01T14:30:00Z",
            **extra}


def test_the_file_loads_sorted_by_effective_time(tmp_path):
    path = tmp_path / "ca.yaml"
    path.write_text("actions:\n"
                    "  - {id: late, symbol: ACME, type: split, ratio: '3:2', effective: 2027-01-02T00:00:00Z}\n"
                    "  - {id: early, symbol: ACME, type: dividend, amount: 0.5, effective: 2027-01-01T09:00:00+01:00}\n")
    early, late = load_actions(path, SYMBOLS)
    assert (early.id, late.id) == ("early", "late")
    assert early.effective_ns == int(datetime(2027, 1, 1, 8, tzinfo=timezone.utc).timestamp()) * 10**9
    assert late.ratio == Fraction(3, 2) and early.amount == D("0.5")
    path.write_text("actions: [{id: d, symbol: ACME, type: dividend, amount: 1, effective: 2027-01-01}]\n")
    assert load_actions(path)[0].effective_ns == int(datetime(2027, 1, 1, tzinfo=timezone.utc).timestamp()) * 10**9


def test_the_repos_file_loads():
    assert load_actions() == ()


@pytest.mark.parametrize("entry, problem", [
    (split(ratio="2-1"), "ratio must be 'NEW:OLD'"),
    (split(ratio="1:1"), "ratio must be 'NEW:OLD'"),
    (split(ratio="0:1"), "ratio must be 'NEW:OLD'"),
    (dividend(amount=-1), "amount must be a positive number"),
    (dividend(amount="lots"), "amount must be a positive number"),
    (dividend(amount=True), "amount must be a positive number"),
    (split(symbol="NOPE"), "symbol 'NOPE' is not in the symbol master"),
    (split(effective="soon"), "effective 'soon' is not an ISO time"),
    (split(amount=1), "unknown field(s) amount for a split"),
    ({"id": "X", "symbol": "ACME", "type": "merger", "effective": "2027-01-01"}, "type must be one of split, dividend"),
    ({"id": "X", "symbol": "ACME", "type": "split"}, "effective, ratio missing"),
])
def test_a_bad_action_is_refused_naming_the_action_and_field(entry, problem):
    with pytest.raises(ReferenceDataError) as err:
        actions_from([entry], "ca.yaml", SYMBOLS)
    assert problem in str(err.value) and "ca.yaml: action" in str(err.value)


def test_ids_are_unique():
    with pytest.raises(ReferenceDataError, match="'S' appears twice"):
        actions_from([split(), split()], "ca.yaml", SYMBOLS)


def test_a_file_that_is_not_a_list_of_actions_is_refused(tmp_path):
    path = tmp_path / "ca.yaml"
    path.write_text("splits: []\n")
    with pytest.raises(ReferenceDataError, match="expected one key, actions"):
        load_actions(path)
    path.write_text("actions: [\n")
    with pytest.raises(ReferenceDataError, match="not valid YAML"):
        load_actions(path)


def test_a_two_for_one_split_doubles_quantity_and_halves_price_never_rounding_towards_aggression():
    (action,) = actions_from([split()], "ca", SYMBOLS)
    tick, lot = D("0.01"), D(1)
    assert adjusted_order(action, True, D(100), D("100.02"), tick, lot) == (D(200), D("50.01"))
    assert adjusted_order(action, True, D(100), D("100.01"), tick, lot) == (D(200), D("50.00"))  # buy: down
    assert adjusted_order(action, False, D(100), D("100.01"), tick, lot) == (D(200), D("50.01"))  # sell: up
    assert adjusted_order(action, True, D(7), None, tick, lot) == (D(14), None)  # market order: qty only


def test_a_reverse_split_rounds_quantity_down_to_the_lot():
    (action,) = actions_from([split("1:10")], "ca", SYMBOLS)
    assert adjusted_order(action, False, D(105), D("10.00"), D("0.01"), D(1)) == (D(10), D("100.00"))


def test_a_dividend_lowers_buy_limits_only():
    (action,) = actions_from([dividend("0.25")], "ca", SYMBOLS)
    assert adjusted_order(action, True, D(100), D("100.00"), D("0.01"), D(1)) == (D(100), D("99.75"))
    assert adjusted_order(action, False, D(100), D("100.00"), D("0.01"), D(1)) == (D(100), D("100.00"))
    assert action.price_factor_and_offset() == (1.0, 0.25)
