"""The limits are Config classes: every problem named with its setting (and, in a topology, its line), all
at once; changed at run time through a checked copy and an event saying who changed what."""
from __future__ import annotations

import json

import pytest

from actors.oms.risk import Limits, RiskConfig
from tests.unit.actors.oms.risk.risk_support import Desk
from vigil.component import Component
from vigil.config import Config, ConfigError, config_problems
from vigil.topology import parse_topology


def problems(raw: dict) -> list[str]:
    return [str(p) for p in config_problems(RiskConfig, raw)[1]]


def test_every_limit_is_off_unless_configured():
    config = RiskConfig()
    assert config.strategy("anyone") == config.strategy_defaults and config.book("any") == config.book_defaults
    assert all(value is None for value in (config.firm.max_order_qty, config.firm.max_gross, config.firm.collar_bps,
                                           config.strategy_defaults.message_rate, config.book_defaults.max_var))


def test_every_problem_is_named_at_once_with_its_setting():
    assert problems({
        "strategies": {"mean-rev": {"max_order_qty": -1, "message_rate": {"max": 0, "window_s": 1}},
                       "momentum": {"max_ordr_qty": 5}},
        "books": {"main": {"max_concentration": 1.5}},
        "firm": {"collar_bps": 20_000},
        "sectors": {"fx": {"max_gross": 0}},
        "market": {"collar_reference": "last", "base_currency": "usd"},
        "var": {"method": "montecarlo", "confidence": 1},
        "day_start_utc": "24:00",
    }) == [  # in the order the settings are declared
        "firm.collar_bps: must be <= 10000, got 20000",
        "books.main.max_concentration: must be <= 1, got 1.5",
        "strategies.mean-rev.max_order_qty: must be > 0, got -1",
        "strategies.mean-rev.message_rate.max: must be >= 1, got 0",
        "strategies.momentum.max_ordr_qty: unknown setting (did you mean max_order_qty?)",
        "sectors.fx.max_gross: must be > 0, got 0",
        "market.collar_reference: unknown value 'last'; allowed: mid | touch",
        "market.base_currency: expected a string matching regex '^[A-Z]{3}$', got 'usd'",
        "var.method: unknown value 'montecarlo'; allowed: parametric | historical",
        "var.confidence: must be < 1, got 1",
        "day_start_utc: expected a string matching regex '^([01][0-9]|2[0-3]):[0-5][0-9]$', got '24:00'",
    ]


class Holder(Config):
    risk: RiskConfig = RiskConfig()


class RiskHolder(Component):
    config_class = Holder


def test_in_a_topology_a_bad_limit_is_reported_at_its_line():
    start = f"{__name__}:RiskHolder"
    text = (f"root:\n  children:\n    - id: oms\n      start: {start}\n      config:\n        risk:\n"
            "          strategies:\n            mean-rev:\n              max_order_qty: 200000\n"
            "              collar_bps: -5\n          books:\n            main: {max_gros: 1}\n")
    with pytest.raises(Exception) as err:
        parse_topology(text, "t.yaml")
    assert str(err.value).splitlines() == [
        "t.yaml:10: root/oms: config.risk.strategies.mean-rev.collar_bps: must be > 0, got -5",
        "t.yaml:12: root/oms: config.risk.books.main.max_gros: unknown setting (did you mean max_gross?)"]
    good = parse_topology(text.replace("-5", "5").replace("max_gros", "max_gross"), "t.yaml")
    assert good.find("oms").config.risk.strategy("mean-rev").collar_bps == 5


def test_updated_changes_one_level_and_checks_the_result():
    config = RiskConfig.from_dict({"strategy_defaults": {"max_order_qty": 100, "collar_bps": 20}})
    new = config.updated("strategy", "mean-rev", max_order_qty=250_000)
    assert new.strategy("mean-rev").max_order_qty == 250_000
    assert new.strategy("mean-rev").collar_bps == 20  # a strategy not listed starts from the defaults
    assert new.strategy("other").max_order_qty == 100
    assert new.updated("firm", max_gross=1e6).firm.max_gross == 1e6
    assert new.updated("strategy", "mean-rev", collar_bps=None).strategy("mean-rev").collar_bps is None
    with pytest.raises(ConfigError) as err:
        config.updated("book", "main", max_gross=-1)
    assert str(err.value) == "risk: books.main.max_gross: must be > 0, got -1"
    with pytest.raises(ValueError, match="unknown scope 'desk'"):
        config.updated("desk", "x", max_gross=1)


def test_a_run_time_change_is_an_event_saying_who_changed_what_and_it_replays():
    desk = Desk({"strategies": {"mean-rev": {"max_order_qty": 200_000}}})
    assert not desk.check(qty=250_000)
    event = desk.gw.set_limits(desk.gw.config.updated("strategy", "mean-rev", max_order_qty=300_000), by="alice",
                               reason="more room for the open")
    desk.persist(event)
    assert (event["event"], event["by"], event["reason"], event["changes"]) == (
        "risk_limits", "alice", "more room for the open",
        [{"setting": "strategies.mean-rev.max_order_qty", "old": 200_000, "new": 300_000}])
    assert desk.check(qty=250_000)
    replayed = Desk({"strategies": {"mean-rev": {"max_order_qty": 200_000}}})
    for logged in desk.log:
        replayed.persist(logged)
    assert replayed.gw.config == desk.gw.config
    restored = Desk({"strategies": {"mean-rev": {"max_order_qty": 200_000}}})
    restored.gw.restore(json.loads(json.dumps(desk.gw.snapshot())))
    assert restored.check(qty=250_000)
    desk.persist(desk.gw.reset_limits(by="bob", reason="back to the book"))
    assert desk.check(qty=250_000).reason == "max_order_qty"
    assert desk.log[-1]["changes"] == [{"setting": "strategies.mean-rev.max_order_qty", "old": 300_000,
                                        "new": 200_000}]


def test_new_limits_are_checked_again_even_when_built_by_hand():
    desk = Desk()
    with pytest.raises(ConfigError, match="firm.max_order_qty: must be > 0, got -1"):
        desk.gw.set_limits(RiskConfig(firm=Limits(max_order_qty=-1)), by="alice")
    assert desk.gw.config == RiskConfig()


def test_a_change_of_limits_takes_effect_for_the_next_order():
    desk = Desk({"books": {"main": {"max_gross": 1e9}}})
    assert desk.check(qty=1_000_000)
    desk.persist(desk.gw.set_limits(desk.gw.config.updated("book", "main", max_gross=1e6), by="risk-officer"))
    assert desk.check(qty=1_000_000).reason == "max_gross"
