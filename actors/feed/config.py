"""A feed's settings: its sources, the symbols it carries, how it validates and when it fails over."""
from __future__ import annotations

from pathlib import Path

from actors.feed.failover import FailoverConfig
from actors.feed.file_source import FileSourceConfig
from actors.feed.validation import ValidationConfig
from vigil.config import Config, ConfigProblem, NonEmpty
from vigil.corporate_actions import CorporateAction, load_actions
from vigil.reference import Instrument, ReferenceDataError, SymbolsSetting, find_file, instruments, load_master


class FeedConfig(Config):
    primary: NonEmpty | FileSourceConfig
    """A publisher of the wire format (venues/marketdata.py): tcp://HOST:PORT; or a recorded file."""
    backup: NonEmpty | None = None
    """A second line of the same publisher (same numbering); not with a file."""
    publish: NonEmpty = "tcp://127.0.0.1:*"
    """Where subscribers connect (default: a free port, in the registry as `md`)."""
    symbols: SymbolsSetting = None
    """The symbol master (vigil/reference.py); none: the repo's."""
    corporate_actions: NonEmpty | None = None
    """Splits and dividends rescale the price band when they take effect; none: no actions."""
    validation: ValidationConfig = ValidationConfig()
    failover: FailoverConfig = FailoverConfig()

    def __post_init__(self) -> None:
        if isinstance(self.primary, FileSourceConfig) and self.backup is not None:
            raise ValueError("backup: a feed replaying a file has no backup (the file is its only source)")

    @property
    def file(self) -> FileSourceConfig | None:
        return self.primary if isinstance(self.primary, FileSourceConfig) else None

    def instruments(self, base: Path | None) -> dict[str, Instrument]:
        return instruments(self.symbols, "symbols", base=base)

    def actions(self, base: Path | None, symbols: dict[str, Instrument]) -> tuple[CorporateAction, ...]:
        """The actions of the symbols the feed carries. An action's symbol is checked against the symbol
        master the feed's symbols come from, so a typo is an error while one shared file may list actions
        of symbols this feed does not carry."""
        if self.corporate_actions is None:
            return ()
        master = load_master() if isinstance(self.symbols, (list, tuple)) else symbols
        actions = load_actions(find_file(self.corporate_actions, base), symbols=master)
        return tuple(a for a in actions if a.symbol in symbols)

    def check_references(self, base: Path) -> list[ConfigProblem]:
        try:
            symbols = self.instruments(base)
        except ReferenceDataError as err:
            return [ConfigProblem(("symbols",), str(err))]
        problems = []
        file = self.file
        if file is not None:
            path = find_file(file.file, base)
            if not path.is_file():
                problems.append(ConfigProblem(("primary", "file"), f"no such file {path}"))
            if file.symbol is not None and file.symbol not in symbols:
                problems.append(ConfigProblem(("primary", "symbol"),
                                              f"{file.symbol!r} is not one of the feed's symbols"))
        try:
            self.actions(base, symbols)
        except ReferenceDataError as err:
            problems.append(ConfigProblem(("corporate_actions",), str(err)))
        return problems
