"""The probes and actions a drill file may name, each a plain function whose keyword parameters are the
arguments it takes: what `vigil drill check` validates a file against, without running anything.

    @PROBES.add
    def feed_source(live: Live, *, feed: str = "") -> str:
        "The source a feed delivers from: primary or backup."

A probe returns its value, or `Found(value, detail)` when the value is a count and the detail says
what was counted. An action that works on actors takes `targets` (the paths a drill's `target:`
resolved to) as its second positional parameter.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple


class Found(NamedTuple):
    value: Any
    detail: Any


@dataclass(frozen=True)
class Param:
    name: str
    kind: type | None
    """str, int, float, bool, list or dict; None: anything."""
    required: bool


@dataclass(frozen=True)
class Entry:
    name: str
    fn: Callable[..., Any]
    params: dict[str, Param]
    targets: bool
    """Whether it works on actors a `target:` names."""
    doc: str


_KINDS = {"str": str, "int": int, "float": float, "bool": bool, "list": list, "dict": dict}


class Catalog:
    def __init__(self, what: str) -> None:
        self.what = what
        self.entries: dict[str, Entry] = {}

    def add(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(fn)
        positional = [p for p in signature.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
        params = {p.name: Param(p.name, _kind(p.annotation), p.default is p.empty)
                  for p in signature.parameters.values() if p.kind is p.KEYWORD_ONLY}
        doc = (fn.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        self.entries[fn.__name__] = Entry(fn.__name__, fn, params, len(positional) > 1, doc)
        return fn

    def __contains__(self, name: object) -> bool:
        return name in self.entries

    def __getitem__(self, name: str) -> Entry:
        return self.entries[name]

    def names(self) -> list[str]:
        return sorted(self.entries)


def _kind(annotation: Any) -> type | None:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return _KINDS.get(text.split("[")[0].split(" ")[0])


def fits(param: Param, value: Any) -> bool:
    """Whether a value from the drill file suits a parameter (an int does for a float)."""
    if param.kind is None or value is None and not param.required:
        return True
    if param.kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if param.kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, param.kind)


PROBES = Catalog("probe")
ACTIONS = Catalog("action")
