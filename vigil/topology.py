"""topology.yaml: the supervisor tree as data (GUIDE conventions 1 and 2).

``load_topology`` turns the file into frozen, keyword-only, picklable config objects and
validates it without starting anything: every problem found is reported at once, as
``PATH:LINE: where: what``, in a single ``TopologyError``. ``where`` is an actor path plus a
field (``root/market/counter.restart``), ``root.backoff``, or ``vigil.admin_port``.

Defaults live once, in the dataclasses below; the loader passes only what the file sets.

Each worker's `config:` is built into its actor's config class (`config_class`, a
`vigil.config.Config`) here too, so a mistyped setting is refused with its line before anything
runs: ``PATH:LINE: root/trading/oms: config.ack_timout_s: unknown setting (did you mean
ack_timeout_s?)``. Only with ``check_imports=False`` (nothing is imported) does a child's config
stay the raw mapping.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vigil.component import Component
from vigil.config import Config, config_problems
from vigil.errors import VigilError
from vigil.yaml_nodes import Field, FrozenMap, Reader, compose, is_null, line, line_at, suggest, syntax_problem

__all__ = [
    "Backoff", "ChildSpec", "FrozenMap", "Heartbeat", "Problem", "SupervisorSpec", "SystemSpec",
    "Topology", "TopologyError", "load_topology", "parse_topology", "summary",
]

STRATEGIES = ("one_for_one", "one_for_all", "rest_for_one")
RESTARTS = ("permanent", "transient", "temporary")
TYPES = ("worker", "supervisor")
BRUTAL_KILL = "brutal_kill"
SUPERVISOR_START = "supervisors.supervisor:Supervisor"
SUPERVISOR_SHUTDOWN_MS = 10000  # a supervisor must outlast its children's own shutdowns

_ID = re.compile(r"[A-Za-z0-9_-]+")
_NAME = re.compile(r"[A-Za-z0-9_.-]+")  # it prefixes Redis keys
_START = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a topology file."""

    path: str
    line: int
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.where}: {self.what}"


class TopologyError(VigilError):
    """topology.yaml is unreadable or invalid.

    ``problems`` holds every problem found, in file order; ``str(err)`` is one
    ``PATH:LINE: where: what`` line per problem.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        # args must be what __init__ takes, or the error does not survive pickle.
        super().__init__(self.problems)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


@dataclass(frozen=True, kw_only=True)
class Backoff:
    """Delay before a restart: grows from min_ms to max_ms, randomised by +/- jitter (0..1)."""

    min_ms: int
    max_ms: int
    jitter: float = 0.0


@dataclass(frozen=True, kw_only=True)
class Heartbeat:
    """A child that sends no heartbeat for timeout_ms is treated as hung (Thespian cannot tell)."""

    interval_ms: int = 200
    timeout_ms: int = 1000


@dataclass(frozen=True, kw_only=True)
class SupervisorSpec:
    """More than intensity restarts within period seconds: the supervisor gives up (escalates)."""

    strategy: str = "one_for_one"
    intensity: int = 1
    period: float = 5.0
    backoff: Backoff | None = None
    children: tuple[ChildSpec, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ChildSpec:
    """One child of a supervisor; ``supervisor`` is set iff type == "supervisor"."""

    id: str
    path: str
    start: str
    restart: str = "permanent"
    shutdown: int | str = 5000
    type: str = "worker"
    config: Config | FrozenMap = field(default_factory=FrozenMap)
    """The actor's config object; the raw mapping when loaded with check_imports=False."""
    role: str = ""
    """What the actor's class declares it is (vocabulary.roles); "" when loaded with check_imports=False."""
    heartbeat: Heartbeat = Heartbeat()
    supervisor: SupervisorSpec | None = None


@dataclass(frozen=True, kw_only=True)
class SystemSpec:
    """The `vigil:` section; run_dir is stored resolved against the topology file's directory."""

    name: str = "vigil"
    admin_port: int = 19100
    run_dir: str = "run"
    heartbeat: Heartbeat = Heartbeat()
    start_timeout_ms: int = 10000
    drillable: bool = False
    """Whether fire drills may run against it (`vigil drill run` refuses one that is not): never production."""


@dataclass(frozen=True, kw_only=True)
class Topology:
    source: str
    system: SystemSpec
    root: SupervisorSpec

    def walk(self) -> Iterator[ChildSpec]:
        """Every child spec, depth first, in declaration order."""
        def visit(sup: SupervisorSpec) -> Iterator[ChildSpec]:
            for child in sup.children:
                yield child
                if child.supervisor is not None:
                    yield from visit(child.supervisor)
        return visit(self.root)

    def find(self, id_or_path: str) -> ChildSpec:
        """The child with this id or path ("root/market/counter"); KeyError if none."""
        for child in self.walk():
            if id_or_path in (child.id, child.path):
                return child
        ids = [c.id for c in self.walk()]
        raise KeyError(f"no child {id_or_path!r} in topology {self.source}"
                       + (suggest(id_or_path.rsplit("/", 1)[-1], ids)
                          or f"; ids: {', '.join(ids) or '(none)'}"))


def load_topology(path: str | os.PathLike, *, check_imports: bool = True) -> Topology:
    """Load and validate a topology file; TopologyError lists every problem found."""
    shown = os.fspath(path)
    try:
        with open(shown, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        problem = Problem(shown, 1, "topology", f"cannot read file: {reason}")
        raise TopologyError([problem]) from None
    return parse_topology(text, shown, check_imports=check_imports)


def parse_topology(text: str, source: str = "<string>", *, check_imports: bool = True) -> Topology:
    """As load_topology, from text; source names it in problems ("<...>": not a file).

    check_imports=False skips importing each `start` class (its syntax is still checked).
    """
    absolute = source if source.startswith("<") else os.path.abspath(source)
    base_dir = os.getcwd() if source.startswith("<") else os.path.dirname(absolute)
    try:
        loader, node = compose(text)
    except yaml.YAMLError as err:
        at, what = syntax_problem(err)
        raise TopologyError([Problem(source, at, "topology", f"invalid YAML: {what}")]) from None
    try:
        parser = _Parser(source, base_dir, loader, check_imports)
        system, root = parser.document(node)
    finally:
        loader.dispose()
    if parser.problems:
        raise TopologyError(sorted(parser.problems, key=lambda p: p.line))
    return Topology(source=absolute, system=system, root=root)


def import_start(start: str) -> Any:
    """The class a `start` value ("package.module:Class") names."""
    module_name, _, class_name = start.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def summary(topo: Topology) -> str:
    """One line for `vigil check`: counts of supervisors (root included) and workers, depth."""
    children = list(topo.walk())
    sups = 1 + sum(c.type == "supervisor" for c in children)
    workers = len(children) - sups + 1
    depth = max((c.path.count("/") + 1 for c in children), default=1)
    shown = topo.source
    if not shown.startswith("<"):
        rel = os.path.relpath(shown)
        shown = shown if rel.startswith("..") else rel

    def n(count: int, noun: str) -> str:
        return f"{count} {noun}{'' if count == 1 else 's'}"
    return f"{shown}: ok: {n(sups, 'supervisor')}, {n(workers, 'worker')}, max depth {depth}"


def _names(cls: type, *, without: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.name not in without)


_SUPERVISOR_FIELDS = _names(SupervisorSpec)
_CHILD_FIELDS = _names(ChildSpec, without=("path", "supervisor", "role"))
_WORKER_HINT = ("unknown field for a worker (strategy, intensity, period, backoff and children "
                "need type: supervisor)")

class _Parser:
    """One validation pass over a composed document, collecting problems as it goes."""

    def __init__(self, source: str, base_dir: str, loader: yaml.SafeLoader,
                 check_imports: bool) -> None:
        self.source = source
        self.base_dir = base_dir
        self.r = Reader(loader, self.report)
        self.check_imports = check_imports
        self.problems: list[Problem] = []
        self.heartbeat = Heartbeat()  # the system-wide default, once `vigil:` is read
        self._ids: dict[str, int] = {}
        self._modules: dict[str, Any] = {}
        self._classes: dict[str, type] = {}  # start -> the class, once it imported cleanly
        self._open: set[int] = set()  # children lists being read: catches recursive aliases

    def report(self, at: int, where: str, what: str) -> None:
        self.problems.append(Problem(self.source, at, where, what))

    def document(self, node: Any) -> tuple[SystemSpec, SupervisorSpec]:
        if node is None:
            self.report(1, "topology", "file is empty; expected a mapping with a 'root' section")
            return SystemSpec(), SupervisorSpec()
        if not isinstance(node, yaml.MappingNode):
            self.r.expected(node, "topology", "a mapping with a 'root' section")
            return SystemSpec(), SupervisorSpec()
        fields = self.r.mapping(node, "", allowed=("vigil", "root")) or {}
        system = SystemSpec()
        if "vigil" in fields and not is_null(fields["vigil"].value):
            system = self.system(fields["vigil"].value)
        self.heartbeat = system.heartbeat
        run_dir = os.path.join(self.base_dir, os.path.expanduser(system.run_dir))
        system = dataclasses.replace(system, run_dir=os.path.normpath(run_dir))
        if "root" not in fields:
            self.report(line(node), "root", "missing required section (the root supervisor)")
            return system, SupervisorSpec()
        root = self.r.mapping(fields["root"].value, "root", allowed=_SUPERVISOR_FIELDS)
        return system, self.supervisor(root or {}, "root")

    def system(self, node: Any) -> SystemSpec:
        r = self.r
        fields = r.mapping(node, "vigil", allowed=_names(SystemSpec)) or {}
        return SystemSpec(**r.read(fields, "vigil", {
            "name": lambda n, w: r.string(n, w, _NAME, "letters, digits, '_', '-' or '.'"),
            "admin_port": lambda n, w: r.integer(n, w, minimum=1024, maximum=65535),
            "run_dir": r.string,
            "heartbeat": lambda n, w: self.heartbeat_spec(n, w, Heartbeat()),
            "start_timeout_ms": lambda n, w: r.integer(n, w, minimum=1),
            "drillable": r.boolean,
        }))

    def heartbeat_spec(self, node: Any, where: str, base: Heartbeat) -> Heartbeat | None:
        """Fields left out are inherited from base (the system default, for a child)."""
        r = self.r
        fields = r.mapping(node, where, allowed=_names(Heartbeat))
        if fields is None:
            return None
        kwargs = r.read(fields, where, {
            "interval_ms": lambda n, w: r.integer(n, w, minimum=1),
            "timeout_ms": lambda n, w: r.integer(n, w, minimum=1),
        })
        if len(kwargs) < len(fields):
            return None
        spec = dataclasses.replace(base, **kwargs)
        if spec.timeout_ms <= spec.interval_ms:
            own = "timeout_ms" in fields
            self.report(line(fields["timeout_ms"].value if own else node), f"{where}.timeout_ms",
                        f"must be greater than interval_ms ({spec.interval_ms}), got "
                        f"{spec.timeout_ms}" + ("" if own else " (inherited)"))
            return None
        return spec

    def backoff(self, node: Any, where: str) -> Backoff | None:
        r = self.r
        fields = r.mapping(node, where, allowed=_names(Backoff))
        if fields is None:
            return None
        kwargs = r.read(fields, where, {
            "min_ms": lambda n, w: r.integer(n, w, minimum=0),
            "max_ms": lambda n, w: r.integer(n, w, minimum=0),
            "jitter": lambda n, w: r.number(n, w, minimum=0, maximum=1),
        })
        for name in ("min_ms", "max_ms"):
            if name not in fields:
                self.report(line(node), f"{where}.{name}",
                            "missing (backoff needs min_ms and max_ms)")
        low, high = kwargs.get("min_ms"), kwargs.get("max_ms")
        if low is not None and high is not None and low > high:
            self.report(line(fields["min_ms"].value), where,
                        f"min_ms ({low}) must not exceed max_ms ({high})")
            return None
        return Backoff(**kwargs) if len(kwargs) == len(fields) >= 2 else None

    def supervisor(self, fields: dict[str, Field], path: str) -> SupervisorSpec:
        r = self.r
        return SupervisorSpec(**r.read(fields, path, {
            "strategy": lambda n, w: r.choice(n, w, STRATEGIES),
            "intensity": lambda n, w: r.integer(n, w, minimum=0),
            "period": lambda n, w: r.number(n, w, above=0),
            "backoff": self.backoff,
            "children": lambda n, w: self.children(n, w, path),
        }))

    def children(self, node: Any, where: str, parent: str) -> tuple[ChildSpec, ...] | None:
        if is_null(node):  # every child commented out
            return ()
        if id(node) in self._open:
            self.report(line(node), where, "a YAML alias makes this list contain itself")
            return None
        items = self.r.sequence(node, where)
        if items is None:
            return None
        self._open.add(id(node))
        try:
            specs = [self.child(item, parent, f"{where}[{i}]") for i, item in enumerate(items)]
        finally:
            self._open.discard(id(node))
        return tuple(s for s in specs if s is not None)

    def child(self, node: Any, parent: str, label: str) -> ChildSpec | None:
        r = self.r
        fields = r.mapping(node, label)
        if fields is None:
            return None
        # The id first: it names the child in every later message.
        ident = None
        if "id" not in fields:
            self.report(line(node), f"{label}.id", "missing")
        else:
            id_node = fields["id"].value
            ident = r.string(id_node, f"{label}.id", _ID, "letters, digits, '_' or '-'")
            if ident is not None and ident in self._ids:
                self.report(line(id_node), f"{parent}/{ident}.id",
                            f"duplicate id {ident!r} (first used at line {self._ids[ident]})")
            elif ident is not None:
                self._ids[ident] = line(id_node)
        path = f"{parent}/{ident}" if ident is not None else label
        kind: str | None = "worker"
        if "type" in fields:
            kind = r.choice(fields["type"].value, f"{path}.type", TYPES)
        # An unknown type: accept supervisor fields rather than pile up unknown-field noise.
        allowed = _CHILD_FIELDS + (_SUPERVISOR_FIELDS if kind != "worker" else ())
        hints = dict.fromkeys(_SUPERVISOR_FIELDS, _WORKER_HINT) if kind == "worker" else {}
        fields = r.known(fields, path, allowed, hints)
        kwargs = r.read(fields, path, {
            "start": self.start,
            "restart": lambda n, w: r.choice(n, w, RESTARTS),
            "shutdown": lambda n, w: r.integer(n, w, minimum=0, literal=BRUTAL_KILL),
            "config": r.frozen_mapping,
            "heartbeat": lambda n, w: self.heartbeat_spec(n, w, self.heartbeat),
        })
        kwargs.setdefault("heartbeat", self.heartbeat)
        supervisor = None
        if kind != "worker":
            supervisor = self.supervisor(fields, path)
            kwargs.setdefault("shutdown", SUPERVISOR_SHUTDOWN_MS)
            if "start" not in fields:
                kwargs["start"] = SUPERVISOR_START
                if self.check_imports and (why := self.import_problem(SUPERVISOR_START)):
                    self.report(line(node), f"{path}.start",
                                f"{why} (the default start of a supervisor)")
        elif "start" not in fields:
            self.report(line(node), f"{path}.start",
                        "missing (a worker needs start: 'package.module:Class')")
        if ident is None or kind is None or "start" not in kwargs:
            return None
        if "config" in fields and "config" not in kwargs:  # not a mapping, reported: nothing to build
            return None
        if kwargs["start"] in self._classes:
            config = self.config(self._classes[kwargs["start"]], kwargs.get("config", FrozenMap()), path,
                                 fields["config"].value if "config" in fields else None, node)
            if config is None:
                return None
            kwargs["config"] = config
            kwargs["role"] = getattr(self._classes[kwargs["start"]], "role", "")
        return ChildSpec(id=ident, path=path, type=kind, supervisor=supervisor, **kwargs)

    def config(self, cls: type, raw: FrozenMap, path: str, node: Any, child: Any) -> Any:
        """The actor's config object, or None with every problem reported at its line. A class that
        names no config class (not a Vigil actor) keeps its mapping as it is."""
        config_class = getattr(cls, "config_class", None)
        if config_class is None:
            return raw
        config, problems = config_problems(config_class, raw)
        if config is not None:
            problems = config.check_references(Path(self.base_dir))
        for p in problems:
            at = line_at(node, p.path) if node is not None and not is_null(node) else line(child)
            self.report(at, path, f"config.{p}" if p.path else f"config: {p.what}")
        return None if problems else config

    def start(self, node: Any, where: str) -> str | None:
        value = self.r.string(node, where)
        if value is None:
            return None
        if not _START.fullmatch(value):
            self.report(line(node), where, f"expected 'package.module:Class', got {value!r}")
            return None
        if self.check_imports and (why := self.import_problem(value)):
            self.report(line(node), where, why)
        return value

    def import_problem(self, start: str) -> str | None:
        """Why Thespian could not create the class named by start, or None if it could."""
        module_name, _, class_name = start.partition(":")
        if module_name == "__main__":
            return "Thespian cannot create actor classes defined in __main__"
        if module_name not in self._modules:
            try:
                self._modules[module_name] = importlib.import_module(module_name)
            except Exception as err:  # whatever the module raises, report it and carry on
                self._modules[module_name] = err
        module = self._modules[module_name]
        if isinstance(module, Exception):
            why = (module if isinstance(module, ImportError)
                   else f"{type(module).__name__}: {module}")
            return f"cannot import module {module_name!r}: {why}"
        cls = getattr(module, class_name, None)
        if cls is None:
            classes = [n for n, v in vars(module).items() if isinstance(v, type)]
            return (f"module {module_name!r} has no class {class_name!r}"
                    + suggest(class_name, classes))
        from thespian.actors import Actor  # here, not at the top: the loader stays light

        if not isinstance(cls, type):
            return f"{start} is not a class (it is a {type(cls).__name__})"
        if not issubclass(cls, (Component, Actor)):
            return f"{start} is neither a vigil.component.Component nor a thespian.actors.Actor"
        self._classes[start] = cls
        return None
