"""Every actor's config is a class, checked before anything runs (GUIDE convention 12).

An actor names its config class (``config_class``); the class is a `Config`: a frozen,
keyword-only msgspec Struct that refuses unknown fields, with its types, defaults and
ranges written once, in its annotations::

    class OmsConfig(Config):
        ack_timeout_s: Annotated[float, Meta(gt=0)] = 5.0
        sessions: Annotated[tuple[SessionRoute, ...], Meta(min_length=1)]

`build_config(cls, raw)` makes one from a topology's `config:` mapping, or raises a
`ConfigError` listing every problem found at once: msgspec does the checking, this module
walks the fields so that one bad setting does not hide the next, and words each problem for
an operator (``ack_timout_s: unknown setting (did you mean ack_timeout_s?)``). Each problem
carries its path inside the mapping, which the topology loader turns into a file line.

Cross-field rules go in ``__post_init__`` (raise ValueError, naming the field first:
``"md_backup_endpoint: ..."``); rules that read what a config names (a symbol master, a corporate
actions file, a strategy's class) go in `Config.check_references`, which `vigil check` runs too.
"""
from __future__ import annotations

import re
import sys
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import msgspec

from vigil.errors import VigilError
from vigil.yaml_nodes import describe, suggest

__all__ = ["Config", "ConfigError", "ConfigProblem", "NoConfig", "build_config", "config_problems",
           "NonEmpty", "Port", "Positive", "PositiveInt"]

NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]
Positive = Annotated[float, msgspec.Meta(gt=0, le=sys.float_info.max)]
"""A finite number above 0 (an integer is taken as a float)."""
PositiveInt = Annotated[int, msgspec.Meta(ge=1)]

Path_ = tuple[str | int, ...]
"""Where a setting is inside a config mapping: ("sessions", 0, "fee_bps")."""


class _KeywordOnly(msgspec.StructMeta):
    """msgspec applies kw_only to one class's own fields: every config class gets it."""

    def __new__(mcls, name: str, bases: tuple, namespace: dict, **options: Any):
        options.setdefault("kw_only", True)
        return super().__new__(mcls, name, bases, namespace, **options)


class Config(msgspec.Struct, metaclass=_KeywordOnly, frozen=True, forbid_unknown_fields=True):
    """Base of every actor's config."""

    def check_references(self, base: Path) -> list[ConfigProblem]:
        """Problems only found outside the config itself: the files it names (read relative to `base`, the
        topology's directory), the classes it imports. None by default."""
        return []


class NoConfig(Config):
    """The config of an actor that takes no settings."""


@dataclass(frozen=True)
class ConfigProblem:
    path: Path_
    what: str

    @property
    def field(self) -> str:
        """The setting as an operator writes it: sessions[0].fee_bps."""
        return format_path(self.path)

    def __str__(self) -> str:
        return f"{self.field}: {self.what}" if self.path else self.what


class ConfigError(VigilError):
    """A config that cannot be built; ``problems`` lists every problem found."""

    def __init__(self, problems: list[ConfigProblem], where: str = "config") -> None:
        self.problems = tuple(problems)
        self.where = where
        super().__init__(self.problems, where)

    def __str__(self) -> str:
        return "\n".join(f"{self.where}: {p}" for p in self.problems)


def format_path(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def build_config(cls: type[Config], raw: Mapping[str, Any] | None, where: str = "config") -> Config:
    """The config `raw` describes (None: every default); ConfigError naming every problem."""
    config, problems = config_problems(cls, raw)
    if problems:
        raise ConfigError(problems, where)
    return config


def config_problems(cls: type[Config], raw: Mapping[str, Any] | None) -> tuple[Config | None, list[ConfigProblem]]:
    problems: list[ConfigProblem] = []
    config = _struct(cls, _plain({} if raw is None else raw), (), problems)
    return config, problems


def _plain(value: Any) -> Any:
    """Plain dicts and lists, as msgspec converts from (a topology's config is a FrozenMap)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _struct(cls: type[Config], raw: Any, at: Path_, problems: list[ConfigProblem]) -> Config | None:
    if not isinstance(raw, dict):
        problems.append(ConfigProblem(at, f"expected a mapping of settings, got {describe(raw)}"))
        return None
    found = len(problems)
    fields = {f.encode_name: f for f in msgspec.structs.fields(cls)}
    for name in raw:
        if name not in fields:
            hint = suggest(str(name), fields) or (f"; known: {', '.join(fields)}" if fields else
                                                   ": this actor takes no settings")
            problems.append(ConfigProblem((*at, name), f"unknown setting{hint}"))
    for name, field in fields.items():
        if name in raw:
            _value(field.type, raw[name], (*at, name), problems)
        elif field.required:
            problems.append(ConfigProblem((*at, name), "missing (required)"))
    if len(problems) > found:
        return None
    try:
        return msgspec.convert(raw, cls, strict=True)
    except msgspec.ValidationError as err:  # a rule across fields, from __post_init__
        sub, what = _parse(str(err))
        field, sep, rest = what.partition(": ")
        if not sub and sep and field in fields:  # "md_backup_endpoint: same as md_endpoint"
            sub, what = (field,), rest
        problems.append(_problem(at, sub, what, raw))
        return None


def _value(kind: Any, raw: Any, at: Path_, problems: list[ConfigProblem]) -> None:
    """Check one setting against its annotation, into nested configs so every problem shows."""
    inner = _unwrap(kind)
    nested = _config_in(inner) if isinstance(raw, dict) else None
    if nested is not None:
        _struct(nested, raw, at, problems)
        return
    item = _items_of(inner)
    if item is not None and isinstance(raw, list) and all(isinstance(v, dict) for v in raw):
        found = len(problems)
        for i, value in enumerate(raw):
            _struct(item, value, (*at, i), problems)
        if len(problems) > found:
            return
    entry = _values_of(inner)
    if entry is not None and isinstance(raw, dict) and all(isinstance(v, dict) for v in raw.values()):
        found = len(problems)  # {name: {settings}}: each entry's problems under its name
        for key, value in raw.items():
            _struct(entry, value, (*at, key), problems)
        if len(problems) > found:
            return
    try:
        msgspec.convert(raw, kind, strict=True)
    except msgspec.ValidationError as err:
        sub, what = _parse(str(err))
        problems.append(_problem(at, sub, what, raw, _allowed(inner)))


def _unwrap(kind: Any) -> Any:
    """The type under Annotated[...] and `X | None`."""
    while typing.get_origin(kind) is Annotated:
        kind = typing.get_args(kind)[0]
    if typing.get_origin(kind) in (Union, types.UnionType):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return kind


def _config_in(kind: Any) -> type[Config] | None:
    """The Config class a mapping must be, for a Config annotation or a union with one Config in it."""
    members = typing.get_args(kind) if typing.get_origin(kind) in (Union, types.UnionType) else (kind,)
    configs = [m for m in map(_unwrap, members) if isinstance(m, type) and issubclass(m, Config)]
    return configs[0] if len(configs) == 1 else None


def _items_of(kind: Any) -> type[Config] | None:
    """The Config class of a tuple[X, ...] or list[X] of configs."""
    if typing.get_origin(kind) in (tuple, list):
        args = [a for a in typing.get_args(kind) if a is not Ellipsis]
        if len(args) == 1:
            item = _unwrap(args[0])
            if isinstance(item, type) and issubclass(item, Config):
                return item
    return None


def _values_of(kind: Any) -> type[Config] | None:
    """The Config class of a dict[str, X] of configs."""
    if typing.get_origin(kind) is dict:
        args = typing.get_args(kind)
        if len(args) == 2:
            item = _unwrap(args[1])
            if isinstance(item, type) and issubclass(item, Config):
                return item
    return None


def _allowed(kind: Any) -> tuple[tuple[Any, ...], str]:
    """The values a Literal allows, alone or in a union, and what else the union takes
    (speed: float | Literal["max"] -> (("max",), "a number"))."""
    members = typing.get_args(kind) if typing.get_origin(kind) in (Union, types.UnionType) else (kind,)
    values, others = [], []
    for member in map(_unwrap, members):
        if typing.get_origin(member) is Literal:
            values += typing.get_args(member)
        elif member is not type(None):
            others.append(_TYPES.get(getattr(member, "__name__", ""), "a mapping"))
    return tuple(values), " or ".join(others)


_AT = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_STEP = re.compile(r"\.(\w+)|\[(\d+)\]|\[(?:'|\")([^'\"]*)(?:'|\")\]")


def _parse(message: str) -> tuple[Path_, str]:
    """msgspec's 'Expected `int` >= 1 - at `$.sessions[0].port`' as (("sessions", 0, "port"), 'Expected ...')."""
    match = _AT.match(message)
    what, path = match.group("what"), match.group("path") or ""
    steps: list[str | int] = []
    for name, index, key in _STEP.findall(path):
        steps.append(name if name else int(index) if index else key)
    return tuple(steps), what


def _lookup(raw: Any, path: Path_) -> Any:
    for step in path:
        try:
            raw = raw[step]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return raw


_MISSING = object()
_TYPES = {"int": "an integer", "float": "a number", "str": "a string", "bool": "true or false",
          "array": "a list", "tuple": "a list", "list": "a list", "dict": "a mapping", "object": "a mapping",
          "null": "null"}
_EXPECTED = re.compile(r"^Expected `(?P<kinds>[^`]+)`(?:, got `(?P<got>[^`]+)`)?(?: (?P<rule>.+))?$")
_BOUND = re.compile(r"^(?P<op>>=|<=|>|<) (?P<bound>\S+)$")
_LENGTH = re.compile(r"^of length (?P<op>>=|<=) (?P<n>\d+)$")


def _problem(at: Path_, sub: Path_, what: str, raw: Any,
             allowed: tuple[tuple[Any, ...], str] = ((), "")) -> ConfigProblem:
    """msgspec's message about `raw` at `sub` (inside the setting at `at`), said as the rest of
    Vigil says it, with the value that was given."""
    for start, words in (("Object contains unknown field", "unknown setting"),
                         ("Object missing required field", "missing (required)")):
        if what.startswith(start):
            return ConfigProblem((*at, *sub, what.split("`")[1]), words)
    return ConfigProblem((*at, *sub), _worded(what, _lookup(raw, sub), allowed))


def _worded(what: str, value: Any, allowed: tuple[tuple[Any, ...], str]) -> str:
    got = "" if value is _MISSING else f", got {describe(value)}"
    values, others = allowed
    if what.startswith("Invalid enum value") and values:
        hint = suggest(value, map(str, values)) if isinstance(value, str) else ""
        listed = " | ".join(map(str, values))
        return f"unknown value {describe(value)}{hint}; allowed: {f'{others} or ' if others else ''}{listed}"
    match = _EXPECTED.match(what)
    if match is None:
        return what
    kinds = " or ".join(_TYPES.get(k.strip(), k.strip()) for k in match.group("kinds").split("|"))
    rule = match.group("rule")
    if rule is None:
        return f"expected {kinds}{got}"
    if bound := _BOUND.match(rule):
        if bound["bound"] == repr(sys.float_info.max):
            return f"must be a finite number{got}"
        limit = bound["bound"]
        return f"must be {bound['op']} {limit[:-2] if limit.endswith('.0') else limit}{got}"
    if length := _LENGTH.match(rule):
        least = "at least" if length["op"] == ">=" else "at most"
        n = int(length["n"])
        return f"must have {least} {n} item{'' if n == 1 else 's'}{got}"
    return f"expected {kinds} {rule}{got}"
