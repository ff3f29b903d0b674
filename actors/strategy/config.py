"""A strategy host's settings: which strategy, its parameters, its symbols and book, where its data comes from."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from msgspec import Meta

from strategies.api import Strategy
from vigil.config import Config, ConfigError, ConfigProblem, NonEmpty, Positive, PositiveInt, build_config
from vigil.reference import ReferenceDataError, load_master


class StrategyHostConfig(Config):
    strategy: Annotated[str, Meta(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")]
    """The strategy class, "package.module:Class" (a strategies.api.Strategy)."""
    params: dict[str, Any] = {}
    """The strategy's parameters, checked against its Params class."""
    symbols: Annotated[tuple[NonEmpty, ...], Meta(min_length=1)]
    """What it trades and takes market data of (symbols of the symbol master)."""
    book: NonEmpty = "main"
    """The book (account) of its orders and positions."""
    feed: NonEmpty = "feed"
    """The id of the feed it takes market data from."""
    oms: NonEmpty = "oms"
    max_restarts: PositiveInt = 3
    """Exceptions of the strategy's code within restart_window_s beyond this many halt it (it keeps
    raising): its host stays up, calls it no more, and raises an alert, rather than restart it until its
    supervisor gives up. A kill of its host, or a restart with its feed, does not count."""
    restart_window_s: Positive = 60.0

    def strategy_class(self) -> type[Strategy]:
        from vigil.topology import import_start

        cls = import_start(self.strategy)
        if not (isinstance(cls, type) and issubclass(cls, Strategy)):
            raise TypeError(f"{self.strategy} is not a strategies.api.Strategy")
        return cls

    def build_params(self) -> Config:
        return build_config(self.strategy_class().Params, self.params, "params")

    def check_references(self, base: Path) -> list[ConfigProblem]:
        try:
            cls = self.strategy_class()
        except Exception as err:  # whatever the module raises at import
            return [ConfigProblem(("strategy",), f"cannot use {self.strategy}: {type(err).__name__}: {err}")]
        problems = []
        try:
            build_config(cls.Params, self.params, "params")
        except ConfigError as err:
            problems += [ConfigProblem(("params", *p.path), p.what) for p in err.problems]
        try:
            master = load_master()
        except ReferenceDataError as err:
            return problems + [ConfigProblem(("symbols",), str(err))]
        problems += [ConfigProblem(("symbols",), f"{s!r} is not in the symbol master") for s in self.symbols
                     if s not in master]
        return problems
