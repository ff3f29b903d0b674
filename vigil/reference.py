"""The symbol master: tick size, lot size, currency, sector and region per instrument.

Loaded from a YAML file in the repo (reference/symbols.yaml) or given inline in a
topology `config:`; every problem names the file (or owner) and the symbol.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from vigil.errors import VigilError

DEFAULT_MASTER = Path(__file__).resolve().parent.parent / "reference" / "symbols.yaml"


class ReferenceDataError(VigilError):
    pass


@dataclass(frozen=True, slots=True)
class Instrument:
    symbol: str
    tick_size: float
    lot_size: float = 1
    currency: str = "USD"
    sector: str = ""
    region: str = ""
    reference_price: float | None = None

    def on_tick(self, price: float) -> bool:
        steps = price / self.tick_size
        # the tolerance covers float error in price / tick (relative 1e-12), not a fraction of a tick
        return abs(steps - round(steps)) <= max(1e-6, abs(steps) * 1e-12)


def _positive(where: str, field: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ReferenceDataError(f"{where}: {field} must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ReferenceDataError(f"{where}: {field} must be a number, got {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise ReferenceDataError(f"{where}: {field} must be a positive number, got {value!r}")
    return number


def instruments_from(raw: Mapping[str, Any], where: str) -> dict[str, Instrument]:
    if not isinstance(raw, Mapping) or not raw:
        raise ReferenceDataError(f"{where}: expected a mapping of symbol -> {{tick_size: ..}}, got {raw!r}")
    out = {}
    for symbol, spec in raw.items():
        at = f"{where}: {symbol}"
        if not isinstance(spec, Mapping):
            raise ReferenceDataError(f"{at}: expected a mapping with tick_size, got {spec!r}")
        unknown = set(spec) - {"tick_size", "lot_size", "currency", "sector", "region", "reference_price"}
        if unknown:
            raise ReferenceDataError(f"{at}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
        if "tick_size" not in spec:
            raise ReferenceDataError(f"{at}: tick_size is missing")
        ref = spec.get("reference_price")
        out[str(symbol)] = Instrument(
            str(symbol), _positive(at, "tick_size", spec["tick_size"]),
            _positive(at, "lot_size", spec.get("lot_size", 1)), str(spec.get("currency", "USD")),
            str(spec.get("sector", "")), str(spec.get("region", "")),
            None if ref is None else _positive(at, "reference_price", ref))
    return out


def read_yaml(path: Path, what: str) -> Any:
    """A reference file's YAML; an unreadable or malformed file is a ReferenceDataError naming `what` and `path`."""
    try:
        return yaml.safe_load(path.read_text())
    except OSError as err:
        raise ReferenceDataError(f"{what} {path}: {err.strerror}") from None
    except yaml.YAMLError as err:
        raise ReferenceDataError(f"{what} {path}: not valid YAML: {err}") from None


def load_master(path: str | Path = DEFAULT_MASTER) -> dict[str, Instrument]:
    path = Path(path)
    return instruments_from(read_yaml(path, "symbol master"), str(path))


def find_file(path: str | Path, base: Path | None = None) -> Path:
    """A file named in a config: a relative path is beside the topology (`base`, the topology's
    directory; without one, the working directory). Never anywhere else: a file the topology's
    directory lacks is missing, not silently taken from the repo."""
    path = Path(path).expanduser()
    return path if path.is_absolute() or base is None else base / path


SymbolsSetting = str | tuple[str, ...] | dict[str, dict[str, Any]] | None
"""A `symbols:` setting: the path of a symbol master file, symbols of the repo's master, or a
master given inline; None: the repo's master."""


def instruments(config: SymbolsSetting, where: str, base: Path | None = None) -> dict[str, Instrument]:
    """A feed's or actor's `symbols:` setting: a path to a symbol master file (a relative one is beside
    `base`), a mapping given inline, or a list of symbols from the repo's master (none: all of it)."""
    if config is None:
        return load_master()
    if isinstance(config, str):
        return load_master(find_file(config, base))
    if isinstance(config, (list, tuple)):
        master = load_master()
        missing = [s for s in config if s not in master]
        if missing:
            raise ReferenceDataError(f"{where}: symbol(s) not in the symbol master {DEFAULT_MASTER}: "
                                     f"{', '.join(map(str, missing))}")
        return {s: master[s] for s in config}
    return instruments_from(config, where)
