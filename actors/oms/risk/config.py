"""The risk gateway's settings: limits for the firm, per book and per strategy, per sector and region, and
what the gateway needs to know of the market, the restricted list, VaR and the trading day.

Every limit is off (None) unless configured. Money is in `market.base_currency`; quantities are in the
instrument's units (shares, or the base currency of an FX pair). The OMS config takes them as its
`risk:` section, so `vigil check` reports a bad limit with its YAML line::

    risk:
      firm: {max_order_notional: 5000000, max_gross: 50000000}
      book_defaults: {max_gross: 10000000, max_concentration: 0.4, concentration_min_gross: 1000000}
      books: {main: {max_gross: 20000000, max_var: 250000}}
      strategy_defaults: {message_rate: {max: 50, window_s: 1}, duplicate_window_s: 1}
      strategies: {mean-rev: {max_order_qty: 200000, collar_bps: 50, max_daily_loss: 20000}}
      sectors: {fx: {max_gross: 30000000}}
      market: {max_quote_age_s: 2, collar_reference: mid}
      restricted_list: reference/restricted.yaml

A book or strategy listed takes its limits from its entry, whole; one not listed takes the defaults.
Limits that apply to one order (quantity, notional, collar) apply at every level that sets them, the
tightest winning; aggregate limits apply to each level's own total.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from vigil.config import Config, ConfigProblem, NonEmpty, Positive, PositiveInt, build_config

Amount = Annotated[float, Meta(gt=0, le=sys.float_info.max)]
"""A positive, finite amount: money in the base currency or a quantity."""
Share = Annotated[float, Meta(gt=0, le=1)]


class Rate(Config):
    max: PositiveInt
    """At most this many ..."""
    window_s: Positive
    """... in any window of this many seconds."""


class ExposureLimits(Config):
    max_gross: Amount | None = None
    """Gross exposure: the sum over symbols of |position| x price, the position taken at its worst case
    (all working buys filled, or all working sells, whichever is larger)."""
    max_net: Amount | None = None
    """Net exposure: |sum over symbols of signed position x price|, at the worst case of all working
    buys filled or all working sells filled."""


class Limits(ExposureLimits):
    """Limits of one level (the firm, a book, a strategy)."""

    max_order_qty: Amount | None = None
    """An order's (or a replace's new) total quantity."""
    max_order_notional: Amount | None = None
    """An order's quantity x its limit price (a market order: the far touch), in the base currency."""
    collar_bps: Annotated[float, Meta(gt=0, le=10_000)] | None = None
    """A limit price further than this from the market (market.collar_reference) is a fat finger."""
    max_position: Amount | None = None
    """Per symbol: |position| at its worst case (working orders on the side in question all filled)."""
    max_open_orders: PositiveInt | None = None
    """Orders accepted and not yet done (pending ones included)."""
    max_daily_loss: Amount | None = None
    """Loss since the trading day started, realised plus unrealised: beyond it only reducing orders pass."""


class BookLimits(Limits):
    max_concentration: Share | None = None
    """One symbol's share of the book's gross exposure (0-1], once the book's gross is at least
    concentration_min_gross."""
    concentration_min_gross: Annotated[float, Meta(ge=0, le=sys.float_info.max)] = 0.0
    """Below this gross a book is not checked for concentration (its first order is all of it)."""
    max_var: Amount | None = None
    """The book's value at risk (var settings), as last computed off the order path: beyond it, or with
    no figure fresh enough, only reducing orders pass."""


class StrategyLimits(Limits):
    message_rate: Rate | None = None
    """Submits, replaces and cancels (RTS 6 art. 15(1)(d)); the message over it is denied and the
    strategy HALTED until a person resumes it."""
    executions: Rate | None = None
    """The repeated-execution throttle: fills beyond it HALT the strategy until a person resumes it."""
    duplicate_window_s: Positive | None = None
    """An order with the strategy, symbol, side, quantity and price of one accepted within this many
    seconds is a duplicate."""


class MarketSettings(Config):
    max_quote_age_s: Positive = 5.0
    """A quote older than this (by its stamp, on the gateway's clock) is stale: checks needing a price
    deny rather than use it."""
    collar_reference: Literal["mid", "touch"] = "mid"
    """The collar's reference: the mid, or the touch (a buy against the ask, a sell against the bid)."""
    base_currency: Annotated[str, Meta(pattern=r"^[A-Z]{3}$")] = "USD"
    """Of every money limit. A price in another currency CCY is converted at the mid of the symbol
    CCY+BASE (or 1 / BASE+CCY), e.g. JPY at 1 / USDJPY."""


class VarSettings(Config):
    method: Literal["parametric", "historical"] = "parametric"
    """Parametric: z x sqrt(w' C w) from the returns' covariance; historical: the loss quantile of the
    position's P&L over the recent returns."""
    confidence: Annotated[float, Meta(ge=0.5, lt=1)] = 0.99
    window: Annotated[int, Meta(ge=2)] = 250
    """Returns kept per symbol (the most recent)."""
    sample_s: Positive = 60.0
    """One price sample per symbol per this many seconds: the returns' period."""
    horizon_s: Positive = 86_400.0
    """The VaR's horizon (scaled from the sample period by its square root)."""
    max_age_s: Positive = 300.0
    """A figure computed longer ago than this is stale (its book then takes only reducing orders)."""


class RiskConfig(Config):
    firm: Limits = Limits()
    """The whole firm: per-order limits for every order, aggregate limits on the firm's totals."""
    book_defaults: BookLimits = BookLimits()
    """A book (an order's account) not listed in books."""
    books: dict[str, BookLimits] = {}
    strategy_defaults: StrategyLimits = StrategyLimits()
    """A strategy not listed in strategies."""
    strategies: dict[str, StrategyLimits] = {}
    sectors: dict[str, ExposureLimits] = {}
    """Firm-wide exposure per sector of the symbol master; a sector not listed is not limited."""
    regions: dict[str, ExposureLimits] = {}
    """Firm-wide exposure per region of the symbol master."""
    market: MarketSettings = MarketSettings()
    restricted_list: NonEmpty | None = None
    """A restricted list file (actors/oms/risk/restricted.py); relative: beside the topology. None: none."""
    var: VarSettings = VarSettings()
    day_start_utc: Annotated[str, Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] = "00:00"
    """When the trading day (of max_daily_loss) starts, HH:MM UTC."""

    def book(self, name: str) -> BookLimits:
        return self.books.get(name, self.book_defaults)

    def strategy(self, name: str) -> StrategyLimits:
        return self.strategies.get(name, self.strategy_defaults)

    @property
    def day_offset_ns(self) -> int:
        hours, minutes = self.day_start_utc.split(":")
        return (int(hours) * 60 + int(minutes)) * 60 * 1_000_000_000

    def check_files(self, base: Path) -> list[ConfigProblem]:
        if self.restricted_list is None:
            return []
        from actors.oms.risk.restricted import RestrictedListError, load_restricted
        try:
            load_restricted(find_restricted(self.restricted_list, base), None)
        except RestrictedListError as err:
            return [ConfigProblem(("restricted_list",), str(err))]
        return []

    # ---- run-time changes ----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)

    @classmethod
    def from_dict(cls, data: Any, where: str = "risk") -> RiskConfig:
        """Built and checked as from YAML: ConfigError naming every problem."""
        return build_config(cls, data, where)  # type: ignore[return-value]

    def updated(self, scope: str, target: str | None = None, **settings: Any) -> RiskConfig:
        """A copy with `settings` changed at one level, checked: scope "firm", "book_defaults",
        "strategy_defaults", or "book" / "strategy" / "sector" / "region" with a target (one not listed
        starts from the defaults). A setting given as None turns that limit off. ConfigError if bad."""
        data = self.to_dict()
        if scope in ("firm", "book_defaults", "strategy_defaults"):
            data[scope] = {**data[scope], **settings}
        elif scope in ("book", "strategy", "sector", "region"):
            if not target:
                raise ValueError(f"a {scope} limit needs the {scope}'s name")
            table = scope + "s" if scope != "strategy" else "strategies"
            start = data[table].get(target)
            if start is None:
                start = data[f"{scope}_defaults"] if scope in ("book", "strategy") else {}
            data[table] = {**data[table], target: {**start, **settings}}
        else:
            raise ValueError(f"unknown scope {scope!r}: firm, book, strategy, sector, region, "
                             "book_defaults or strategy_defaults")
        return RiskConfig.from_dict(data)


def find_restricted(path: str, base: Path) -> Path:
    from vigil.reference import find_file
    return find_file(path, base)


def changes(old: RiskConfig, new: RiskConfig) -> list[dict[str, Any]]:
    """What differs, setting by setting: [{"setting": "strategies.mean-rev.max_order_qty", "old", "new"}]."""
    out: list[dict[str, Any]] = []

    def walk(a: Any, b: Any, path: str) -> None:
        if isinstance(a, dict) or isinstance(b, dict):
            a, b = a if isinstance(a, dict) else {}, b if isinstance(b, dict) else {}
            for key in sorted(set(a) | set(b), key=str):
                walk(a.get(key), b.get(key), f"{path}.{key}" if path else str(key))
        elif a != b:
            out.append({"setting": path, "old": a, "new": b})

    a, b = old.to_dict(), new.to_dict()
    for table, defaults in (("strategies", "strategy_defaults"), ("books", "book_defaults")):
        for name in set(a[table]) | set(b[table]):  # one not listed has the defaults' limits
            a[table].setdefault(name, a[defaults])
            b[table].setdefault(name, b[defaults])
    walk(a, b, "")
    return out
