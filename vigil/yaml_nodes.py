"""Typed, line-tracking reads of a composed YAML document, into frozen values.

The topology loader validates the composed node tree rather than constructed Python objects, so
that every problem can name the line it came from. Readers report problems through a callback
and return ``None`` for a value they rejected, so a caller can carry on and find the rest.
Free-form mappings come out as ``FrozenMap``: read-only, hashable and picklable.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Report = Callable[[int, str, str], None]
"""report(line, where, what)"""

_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"
INVALID = object()
"""Returned by value() and scalar() for a value they rejected (None is a valid YAML value)."""


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping) and not isinstance(value, FrozenMap):
        return FrozenMap(value)
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(_freeze(v) for v in value)
    return value


class FrozenMap(Mapping):
    """A read-only, hashable mapping; nested mappings and lists are frozen too.

    Unlike MappingProxyType it pickles, which config sent to actor processes must.
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping | Any = (), /, **kwargs: Any) -> None:
        self._data = {k: _freeze(v) for k, v in dict(data, **kwargs).items()}

    def __getitem__(self, key: Any) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple:
        return FrozenMap, (self._data,)

    def thaw(self) -> dict:
        """A plain, mutable deep copy (dicts and lists)."""
        def thaw(v: Any) -> Any:
            if isinstance(v, FrozenMap):
                return {k: thaw(x) for k, x in v.items()}
            return [thaw(x) for x in v] if isinstance(v, tuple) else v
        return thaw(self)


class Field(NamedTuple):
    """One ``key: value`` pair of a mapping, with both nodes for their lines."""

    key: Node
    value: Node


def line(node: Node) -> int:
    """1-based line where a node starts."""
    return node.start_mark.line + 1


def line_at(node: Node, path: Iterable[str | int]) -> int:
    """The line of the value at `path` inside `node` (mapping keys and list indexes): the key's line
    for a mapping entry; as deep as the path goes, for a path that leaves the document."""
    at = line(node)
    for step in path:
        if isinstance(node, MappingNode) and isinstance(step, str):
            entry = next(((k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == step), None)
            if entry is None:
                return at
            at, node = line(entry[0]), entry[1]
        elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
            at = line(node)
        else:
            return at
    return at


def compose(text: str) -> tuple[yaml.SafeLoader, Node | None]:
    """Compose one document (None if empty); a loader that can construct its nodes comes along.

    Raises yaml.YAMLError on bad syntax. The caller disposes of the loader.
    """
    loader = yaml.SafeLoader(text)
    try:
        return loader, loader.get_single_node()
    except BaseException:
        loader.dispose()
        raise


def syntax_problem(err: yaml.YAMLError) -> tuple[int, str]:
    """(line, what) for a YAML error raised while composing or constructing."""
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    context = getattr(err, "context", None)
    return (mark.line + 1 if mark else 1), (f"{context}, " if context else "") + problem


def sub(where: str, name: str) -> str:
    """The location of a field: "root.backoff", or just "vigil" at the top of the document."""
    return f"{where}.{name}" if where else name


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _NULL_TAG


def describe(value: Any) -> str:
    """How a rejected value reads in a message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return repr(value)


def suggest(name: str, choices: Iterable[str]) -> str:
    """' (did you mean x?)' when a close choice exists, else ''."""
    choices = list(choices)
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    # A name written without its unit ("rate" for "rate_per_s") is too short for difflib to match.
    close = close or [c for c in choices if c.startswith(f"{name}_")][:1]
    return f" (did you mean {close[0]}?)" if close else ""


class Reader:
    """Reads typed values out of nodes, reporting each rejection with its line."""

    def __init__(self, loader: yaml.SafeLoader, report: Report) -> None:
        self._loader = loader
        self.report = report

    def value(self, node: Node, where: str) -> Any:
        """The Python value of any node, or INVALID (reported) if YAML cannot construct it."""
        try:
            return self._loader.construct_object(node, deep=True)
        except yaml.YAMLError as err:
            at, what = syntax_problem(err)
            self.report(at, where, f"invalid YAML value: {what}")
            return INVALID

    def kind(self, node: Node) -> str:
        if isinstance(node, MappingNode):
            return "a mapping"
        if isinstance(node, SequenceNode):
            return "a list"
        try:
            return describe(self._loader.construct_object(node))
        except yaml.YAMLError:
            return repr(node.value)

    def expected(self, node: Node, where: str, expected: str) -> None:
        self.report(line(node), where, f"expected {expected}, got {self.kind(node)}")

    def scalar(self, node: Node, where: str, expected: str) -> Any:
        if not isinstance(node, ScalarNode):
            self.expected(node, where, expected)
            return INVALID
        return self.value(node, where)

    def mapping(
        self,
        node: Node,
        where: str,
        allowed: Iterable[str] | None = None,
        hints: Mapping[str, str] | None = None,
    ) -> dict[str, Field] | None:
        """The fields of a mapping node by name (unknown ones reported and dropped if allowed)."""
        if not isinstance(node, MappingNode):
            self.expected(node, where, "a mapping")
            return None
        self._duplicates(node, where)
        try:
            self._loader.flatten_mapping(node)
        except yaml.YAMLError as err:
            at, what = syntax_problem(err)
            self.report(at, where, f"invalid YAML merge: {what}")
            return None
        fields: dict[str, Field] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                self.report(line(key), where or "topology",
                            f"field names must be plain words, got {self.kind(key)}")
                continue
            fields[key.value] = Field(key, value)
        return fields if allowed is None else self.known(fields, where, allowed, hints)

    def _duplicates(self, node: MappingNode, where: str) -> bool:
        """Report keys given twice in one mapping (YAML would keep the last one silently)."""
        seen: dict[str, int] = {}
        for key, _ in node.value:
            # Checked before merging, so that a key overriding a `<<:` merge is no duplicate.
            if key.tag == _MERGE_TAG or not isinstance(key, ScalarNode):
                continue
            if key.value in seen:
                self.report(line(key), sub(where, key.value),
                            f"duplicate key (first at line {seen[key.value]})")
            seen.setdefault(key.value, line(key))
        return len(seen) < sum(1 for k, _ in node.value if k.tag != _MERGE_TAG and isinstance(k, ScalarNode))

    def _duplicates_within(self, node: Node, where: str, seen: set[int]) -> bool:
        """Duplicate keys anywhere inside a free-form value, each reported with its line."""
        if id(node) in seen:  # an alias met again: checked already (and a recursive one ends here)
            return False
        seen.add(id(node))
        found = False
        if isinstance(node, MappingNode):
            found = self._duplicates(node, where)
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.tag != _MERGE_TAG:
                    found |= self._duplicates_within(value, sub(where, key.value), seen)
        elif isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                found |= self._duplicates_within(item, f"{where}[{i}]", seen)
        return found

    def known(
        self,
        fields: dict[str, Field],
        where: str,
        allowed: Iterable[str],
        hints: Mapping[str, str] | None = None,
    ) -> dict[str, Field]:
        """Report the fields not in allowed; return the rest."""
        allowed = tuple(allowed)
        hints = hints or {}
        for name, f in fields.items():
            if name in allowed:
                continue
            if name in hints:
                what = hints[name]
            else:
                what = "unknown field" + (suggest(name, allowed)
                                          or f"; allowed: {', '.join(allowed)}")
            self.report(line(f.key), sub(where, name), what)
        return {name: f for name, f in fields.items() if name in allowed}

    def read(self, fields: Mapping[str, Field], where: str,
             readers: Mapping[str, Callable[[Node, str], Any]]) -> dict[str, Any]:
        """Keyword arguments for a spec: the accepted values of the fields readers cover."""
        kwargs = {}
        for name, f in fields.items():
            if name in readers:
                value = readers[name](f.value, sub(where, name))
                if value is not None:
                    kwargs[name] = value
        return kwargs

    def frozen_mapping(self, node: Node, where: str) -> FrozenMap | None:
        """Any mapping (null: empty), frozen all the way down."""
        if is_null(node):
            return FrozenMap()
        if not isinstance(node, MappingNode):
            self.expected(node, where, "a mapping")
            return None
        if self._duplicates_within(node, where, set()):
            return None
        value = self.value(node, where)
        if value is INVALID:
            return None
        try:
            return FrozenMap(value)
        except RecursionError:
            self.report(line(node), where, "a YAML alias makes this mapping contain itself")
        except TypeError as err:  # e.g. a list inside a set
            self.report(line(node), where, f"cannot freeze: {err}")
        return None

    def sequence(self, node: Node, where: str) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.expected(node, where, "a list")
            return None
        return list(node.value)

    def string(
        self, node: Node, where: str, pattern: re.Pattern[str] | None = None, pattern_what: str = ""
    ) -> str | None:
        value = self.scalar(node, where, "a string")
        if value is INVALID:
            return None
        if not isinstance(value, str):
            self.report(line(node), where, f"expected a string, got {describe(value)}")
            return None
        if not value or (pattern is not None and not pattern.fullmatch(value)):
            self.report(line(node), where, f"must be {pattern_what or 'non-empty'}, got {value!r}")
            return None
        return value

    def choice(self, node: Node, where: str, allowed: Iterable[str]) -> str | None:
        allowed = tuple(allowed)
        value = self.scalar(node, where, "one of " + " | ".join(allowed))
        if value is INVALID:
            return None
        if not isinstance(value, str) or value not in allowed:
            hint = suggest(value, allowed) if isinstance(value, str) else ""
            self.report(line(node), where,
                        f"unknown value {describe(value)}{hint}; allowed: {' | '.join(allowed)}")
            return None
        return value

    def boolean(self, node: Node, where: str) -> bool | None:
        value = self.scalar(node, where, "true or false")
        if value is INVALID:
            return None
        if not isinstance(value, bool):
            self.report(line(node), where, f"expected true or false, got {describe(value)}")
            return None
        return value

    def integer(self, node: Node, where: str, literal: str | None = None,
                **bounds: float) -> int | str | None:
        """An int (booleans refused), or the string literal if given (shutdown: brutal_kill).

        bounds: minimum, maximum (inclusive), above (exclusive).
        """
        expected = "an integer" + (f" or {literal!r}" if literal else "")
        value = self.scalar(node, where, expected)
        if value is INVALID:
            return None
        if literal is not None and value == literal:
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            self.report(line(node), where, f"expected {expected}, got {describe(value)}")
            return None
        return value if self._in_bounds(node, where, value, **bounds) else None

    def number(self, node: Node, where: str, **bounds: float) -> float | None:
        """A finite int or float as float (booleans refused); bounds as for integer."""
        value = self.scalar(node, where, "a number")
        if value is INVALID:
            return None
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not numeric or not math.isfinite(value):
            self.report(line(node), where, f"expected a number, got {describe(value)}")
            return None
        return float(value) if self._in_bounds(node, where, value, **bounds) else None

    def _in_bounds(self, node: Node, where: str, value: float, minimum: float | None = None,
                   maximum: float | None = None, above: float | None = None) -> bool:
        if minimum is not None and maximum is not None:
            ok, rule = minimum <= value <= maximum, f"between {minimum} and {maximum}"
        elif minimum is not None:
            ok, rule = value >= minimum, f">= {minimum}"
        elif above is not None:
            ok, rule = value > above, f"> {above}"
        else:
            return True
        if not ok:
            self.report(line(node), where, f"must be {rule}, got {value}")
        return ok
