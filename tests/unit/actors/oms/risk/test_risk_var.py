"""VaR per book from recent returns (numpy), computed off the order path and handed to the gateway."""
from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from actors.oms.risk import VarEngine, VarSettings
from actors.oms.risk.var import MIN_ROWS, historical_var, parametric_var
from tests.unit.actors.oms.risk.risk_support import Desk


def engine_with(prices: dict[str, list[float]], **settings) -> VarEngine:
    engine = VarEngine(VarSettings(**settings))
    for i in range(max(map(len, prices.values()))):
        for symbol, series in prices.items():
            if i < len(series):
                engine.observe(symbol, series[i])
        engine.sample()
    return engine


def test_parametric_var_of_one_position_is_z_sigma_value_scaled_to_the_horizon():
    rng = np.random.default_rng(7)
    prices = list(100 * np.cumprod(1 + rng.normal(0, 0.01, 60)))
    engine = engine_with({"ACME": prices}, confidence=0.99, sample_s=60, horizon_s=3600)
    returns = np.diff(prices) / prices[:-1]
    expected = NormalDist().inv_cdf(0.99) * 50_000 * returns.std(ddof=1) * math.sqrt(60)
    assert engine.compute({"ACME": 50_000}) == pytest.approx(expected)
    assert engine.compute({"ACME": -50_000}) == pytest.approx(expected)  # a short is as risky


def test_parametric_var_uses_the_covariance_so_a_hedge_lowers_it():
    rng = np.random.default_rng(3)
    common = rng.normal(0, 0.01, 80)
    a = list(100 * np.cumprod(1 + common + rng.normal(0, 0.001, 80)))
    b = list(50 * np.cumprod(1 + common + rng.normal(0, 0.001, 80)))
    engine = engine_with({"ACME": a, "BOLT": b}, sample_s=60, horizon_s=60)
    alone = engine.compute({"ACME": 100_000})
    hedged = engine.compute({"ACME": 100_000, "BOLT": -100_000})
    both_long = engine.compute({"ACME": 100_000, "BOLT": 100_000})
    assert hedged < alone / 3 and both_long > 1.9 * alone


def test_historical_var_is_the_loss_quantile_of_the_positions_pnl():
    returns = np.array([[r] for r in np.linspace(-0.05, 0.05, 101)])
    assert historical_var(np.array([1000.0]), returns, 0.95) == pytest.approx(45.0)
    assert historical_var(np.array([-1000.0]), returns, 0.95) == pytest.approx(45.0)
    assert historical_var(np.array([1000.0]), np.full((50, 1), 0.01), 0.99) == 0.0  # never a loss
    assert parametric_var(np.array([1000.0]), np.full((50, 1), 0.01), 0.99) == 0.0


def test_no_figure_without_enough_history_and_none_needed_for_a_flat_book():
    engine = engine_with({"ACME": [100.0 + i for i in range(MIN_ROWS)]}, method="historical")
    assert engine.compute({"ACME": 1000}) is None  # MIN_ROWS prices: MIN_ROWS - 1 returns
    engine.observe("ACME", 130.0)
    engine.sample()
    assert engine.compute({"ACME": 1000}) is not None
    assert engine.compute({}) == 0.0 and engine.compute({"ACME": 0}) == 0.0
    assert engine.compute({"ACME": 1000, "BOLT": 1000}) is None  # no history of BOLT at all


def test_returns_are_on_one_grid_and_a_symbol_quoted_later_joins_later():
    engine = VarEngine(VarSettings(window=3))
    for a, b in ((100, None), (101, None), (101, 50), (102, 51), (103, 52)):
        engine.observe("A", a)
        if b is not None:
            engine.observe("B", b)
        engine.sample()
    assert engine.returns(["A"]) == pytest.approx(np.array([[0.0], [1 / 101], [1 / 102]]))  # the last 3 only
    assert engine.returns(["A", "B"]) == pytest.approx(np.array([[1 / 101, 0.02], [1 / 102, 1 / 51]]))


def test_the_figure_reaches_the_gateway_from_off_the_path():
    desk = Desk({"books": {"main": {"max_var": 5_000}}})
    order = desk.submit(symbol="ACME", qty=1000, price=100, check=False)
    desk.ack(order)
    desk.fill(order, 1000, 100)
    rng = np.random.default_rng(11)
    engine = engine_with({"ACME": list(100 * np.cumprod(1 + rng.normal(0, 0.01, 40)))}, sample_s=60,
                         horizon_s=60)
    assert desk.gw.book_values("main") == {"ACME": pytest.approx(100_000)}
    figure = engine.compute(desk.gw.book_values("main"))
    assert 1_000 < figure < 5_000
    fresh = Desk({"books": {"main": {"max_var": 5_000}}}, quotes=False)
    for event in desk.log:
        fresh.persist(event)
    assert fresh.gw.book_values("main") is None and engine.compute(None) is None  # unpriced: no figure
    desk.gw.set_var("main", figure, at_ns=desk.clock.now_ns())
    assert desk.check(symbol="ACME", qty=10, price=100)
    desk.gw.set_var("main", engine.compute({"ACME": 1_000_000}), at_ns=desk.clock.now_ns())
    assert desk.check(symbol="ACME", qty=10, price=100).reason == "var"
    assert desk.check(symbol="ACME", side="sell", qty=10, price=100)
