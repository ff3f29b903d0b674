"""Value at risk per book, computed with numpy from recent returns, off the order path: whoever runs it
(the OMS on a timer, or a risk monitor) hands the figure to the gateway (`RiskGateway.set_var`), which
only compares it with the book's limit.

    engine = VarEngine(config.var)
    engine.observe(symbol, px)            # every quote (or trade) of the live feed: the latest price
    engine.sample()                       # every var.sample_s: one row of returns since the last sample
    figure = engine.compute(gateway.book_values(book))   # None: not enough history (the gateway fails closed)
    gateway.set_var(book, figure, at_ns=clock.now_ns())

Returns are simple returns between samples on one grid for every symbol (a symbol with no new price
in a period has a return of 0; one with no price yet has none, and rows without it are left out of its
book's figure). Parametric: z(confidence) x sqrt(v' C v), v the book's position values, C the returns'
covariance; historical: the (1 - confidence) quantile of the P&L v . r over the recent rows, as a loss.
Both are scaled from the sample period to the horizon by sqrt(horizon_s / sample_s).
"""
from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from statistics import NormalDist

import numpy as np

from actors.oms.risk.config import VarSettings

MIN_ROWS = 20
"""Fewer rows of returns than this give no figure (a covariance of a handful of rows means nothing)."""


class VarEngine:
    def __init__(self, settings: VarSettings) -> None:
        self.settings = settings
        self._latest: dict[str, float] = {}
        self._sampled: dict[str, float] = {}
        self._symbols: list[str] = []
        self._rows: deque[dict[str, float]] = deque(maxlen=settings.window)

    def observe(self, symbol: str, px: float) -> None:
        if px > 0 and math.isfinite(px):
            self._latest[symbol] = px

    def sample(self) -> None:
        """One row: each symbol's return since the previous sample."""
        row = {}
        for symbol, px in self._latest.items():
            before = self._sampled.get(symbol)
            if before is not None:
                row[symbol] = px / before - 1.0
            self._sampled[symbol] = px
        if row:
            self._rows.append(row)

    def returns(self, symbols: list[str]) -> np.ndarray:
        """Rows x symbols of the rows that have every one of `symbols`."""
        rows = [[row[s] for s in symbols] for row in self._rows if all(s in row for s in symbols)]
        return np.array(rows, dtype=float).reshape(len(rows), len(symbols))

    def compute(self, values: Mapping[str, float] | None) -> float | None:
        """The VaR of positions worth `values` ({symbol: signed value, base currency}); None without enough
        history, or without values (a position with no price). A book with no position has a VaR of 0."""
        if values is None:
            return None
        symbols = [s for s, v in values.items() if v]
        if not symbols:
            return 0.0
        r = self.returns(symbols)
        if len(r) < MIN_ROWS:
            return None
        v = np.array([values[s] for s in symbols], dtype=float)
        s = self.settings
        scale = math.sqrt(s.horizon_s / s.sample_s)
        if s.method == "parametric":
            return parametric_var(v, r, s.confidence) * scale
        return historical_var(v, r, s.confidence) * scale


def parametric_var(values: np.ndarray, returns: np.ndarray, confidence: float) -> float:
    cov = np.atleast_2d(np.cov(returns, rowvar=False))
    sigma = math.sqrt(max(float(values @ cov @ values), 0.0))
    return NormalDist().inv_cdf(confidence) * sigma


def historical_var(values: np.ndarray, returns: np.ndarray, confidence: float) -> float:
    pnl = returns @ values
    return max(0.0, -float(np.quantile(pnl, 1.0 - confidence)))
