"""What the checks of one (strategy, book, symbol) need, resolved once from the limits: the tightest
per-order limits and whose they are, the aggregate limits that apply with the cells they read, and what
of the market the checks need. Plans are rebuilt when the limits change or the aggregates are rebuilt.
"""
from __future__ import annotations

from collections.abc import Mapping

from actors.oms.risk.aggregates import Aggregates, Cell, Totals
from actors.oms.risk.config import BookLimits, RiskConfig, StrategyLimits
from actors.oms.risk.market import Conversion
from vigil.reference import Instrument

Limit = tuple[float, str]
"""(limit, whose: "mean-rev", "book main" or "firm")."""


def _tightest(levels: tuple[tuple[object, str], ...], name: str) -> Limit | None:
    found: Limit | None = None
    for limits, whose in levels:
        value = getattr(limits, name)
        if value is not None and (found is None or value < found[0]):
            found = (value, whose)
    return found


class Plan:
    __slots__ = ("strategy", "book", "symbol", "instrument", "strategy_limits", "book_limits", "max_qty",
                 "max_notional", "collar", "cells", "own", "positions", "open_orders", "exposures", "losses",
                 "concentration", "max_var", "conversion", "needs_quote", "needs_rate", "checks")

    def __init__(self, config: RiskConfig, agg: Aggregates, instruments: Mapping[str, Instrument], strategy: str,
                 book: str, symbol: str) -> None:
        self.strategy, self.book, self.symbol = strategy, book, symbol
        self.instrument = instruments.get(symbol)
        s_lim: StrategyLimits = config.strategy(strategy)
        b_lim: BookLimits = config.book(book)
        f_lim = config.firm
        self.strategy_limits, self.book_limits = s_lim, b_lim
        levels = ((s_lim, strategy), (b_lim, f"book {book}"), (f_lim, "firm"))
        self.max_qty = _tightest(levels, "max_order_qty")
        self.max_notional = _tightest(levels, "max_order_notional")
        self.collar = _tightest(levels, "collar_bps")
        self.positions: list[tuple[Cell, float]] = []
        self.open_orders: list[tuple[Totals, float]] = []
        self.exposures: list[tuple[Cell, float | None, float | None]] = []
        self.losses: list[tuple[Totals, float]] = []
        self.concentration: tuple[Cell, float, float] | None = None
        self.max_var = b_lim.max_var
        self.needs_quote = self.needs_rate = False
        if self.instrument is None:
            self.cells, self.own, self.conversion = (), None, None
            self.checks = "state, unknown_symbol"
            return
        inst = self.instrument
        self.cells = cells = agg.cells(book, strategy, symbol)
        own, strat, bk, firm, sector, region = cells
        self.own = own
        ours = ((strat, s_lim), (bk, b_lim), (firm, f_lim))
        self.positions = [(c, lim.max_position) for c, lim in ours if lim.max_position is not None]
        self.open_orders = [(c.totals, lim.max_open_orders) for c, lim in ours if lim.max_open_orders is not None]
        groups = (*ours, (sector, config.sectors.get(inst.sector)), (region, config.regions.get(inst.region)))
        self.exposures = [(c, lim.max_gross, lim.max_net) for c, lim in groups
                          if lim is not None and (lim.max_gross is not None or lim.max_net is not None)]
        self.losses = [(c.totals, lim.max_daily_loss) for c, lim in ours if lim.max_daily_loss is not None]
        if b_lim.max_concentration is not None:
            self.concentration = (bk, b_lim.max_concentration, b_lim.concentration_min_gross)
        self.conversion = Conversion(inst.currency, config.market.base_currency, instruments)
        marks = bool(self.exposures or self.losses or self.concentration)
        self.needs_quote = marks or self.collar is not None
        """(A market order's notional needs the touch too: decided per order.)"""
        self.needs_rate = (marks or self.max_notional is not None) and self.conversion.symbol is not None
        self.checks = self._describe()

    def _describe(self) -> str:
        """The checks an order here goes through, each with its limit and whose it is: what an order's risk
        span says it passed ("state, max_order_qty 1000 (mean-rev), max_position 5000 (book main), ...")."""
        def limit(name: str, found: Limit | None) -> list[str]:
            return [f"{name} {found[0]:g} ({found[1]})"] if found is not None else []

        def each(name: str, rows: list[tuple[Totals, float]]) -> list[str]:
            return [f"{name} {value:g} ({totals.label})" for totals, value in rows]
        rate = self.strategy_limits.message_rate
        return ", ".join([
            "state", *([f"message_rate {rate.max}/{rate.window_s:g}s"] if rate is not None else []), "restricted",
            *limit("max_order_qty", self.max_qty),
            *(["duplicate_order"] if self.strategy_limits.duplicate_window_s is not None else []),
            *limit("price_collar_bps", self.collar), *limit("max_order_notional", self.max_notional),
            *each("max_position", [(cell.totals, value) for cell, value in self.positions]),
            *each("max_open_orders", self.open_orders),
            *[f"exposure ({cell.totals.label})" for cell, _, _ in self.exposures],
            *(["concentration"] if self.concentration is not None else []),
            *each("daily_loss", self.losses), *([f"var {self.max_var:g}"] if self.max_var is not None else [])])
