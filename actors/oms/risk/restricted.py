"""The restricted list: symbols no order or replace may trade (cancels still pass), each with its reason.

A YAML file, a list of entries::

    # reference/restricted.yaml
    - {symbol: ACME, reason: "MNPI: deal advisory, compliance ticket 4411"}
    - {symbol: GBPUSD, reason: sanctions review}

`[]` is an empty list; an empty file is refused (a truncated write must not lift every restriction).
A bad file is refused whole, naming the file, the line and the problem (`RestrictedListError`), and the
list loaded before stays in force: a symbol not in the symbol master is a problem too, since a typo
would otherwise restrict nothing.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from vigil.errors import VigilError
from vigil.yaml_nodes import compose, line, syntax_problem

_FIELDS = ("symbol", "reason")


class RestrictedListError(VigilError):
    """A restricted list file that cannot be used; str() names the file, the line and the problem."""


def load_restricted(path: Path, symbols: Mapping[str, object] | None) -> dict[str, str]:
    """{symbol: reason} from the file; `symbols`: the symbol master to check names against (None: no check)."""
    try:
        text = path.read_text()
    except OSError as err:
        raise RestrictedListError(f"restricted list {path}: {err.strerror}") from None
    return parse_restricted(text, str(path), symbols)


def parse_restricted(text: str, where: str, symbols: Mapping[str, object] | None) -> dict[str, str]:
    try:
        loader, node = compose(text)
        loader.dispose()
    except yaml.YAMLError as err:
        at, what = syntax_problem(err)
        raise RestrictedListError(f"{where}:{at}: not valid YAML: {what}") from None
    if node is None:
        raise RestrictedListError(f"{where}:1: empty file (write [] for a list with nothing restricted)")
    if not isinstance(node, SequenceNode):
        raise RestrictedListError(f"{where}:{line(node)}: expected a list of {{symbol, reason}} entries")
    out: dict[str, str] = {}
    first: dict[str, int] = {}
    for entry in node.value:
        at = line(entry)
        if not isinstance(entry, MappingNode):
            raise RestrictedListError(f"{where}:{at}: expected a mapping {{symbol: ..., reason: ...}}")
        fields: dict[str, str] = {}
        for key, value in entry.value:
            name = key.value if isinstance(key, ScalarNode) else "?"
            if name not in _FIELDS:
                raise RestrictedListError(f"{where}:{line(key)}: unknown field {name!r} (an entry has symbol "
                                          "and reason)")
            if not isinstance(value, ScalarNode) or not str(value.value).strip():
                raise RestrictedListError(f"{where}:{line(value)}: {name} must be a non-empty string")
            fields[name] = str(value.value).strip()
        for name in _FIELDS:
            if name not in fields:
                raise RestrictedListError(f"{where}:{at}: {name} is missing")
        symbol = fields["symbol"]
        if symbols is not None and symbol not in symbols:
            raise RestrictedListError(f"{where}:{at}: {symbol}: not in the symbol master")
        if symbol in first:
            raise RestrictedListError(f"{where}:{at}: {symbol} listed twice (first at line {first[symbol]})")
        first[symbol] = at
        out[symbol] = fields["reason"]
    return out
