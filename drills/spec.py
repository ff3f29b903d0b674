"""A drill file (drills/*.yaml) read into frozen values, every problem reported with its line.

    title: Feed primary goes silent
    description: ...
    tags: [feed, failover]
    runbook: runbooks/feed-stale.md
    preconditions:                      # must hold before the method starts (or the drill is refused)
      - {name: no feed_switched incident open, probe: open_pages, args: {alert: feed_switched}, tolerance: 0}
    steady_state:                       # must hold before the method, is watched during it, holds again after
      - {name: feed on primary, probe: feed_source, tolerance: primary}
    method:                             # actions, probes, pauses and waits, in order
      - name: silence the primary line
        action: md_silent
        args: {line: primary}
        detect: {probe: feed_source, tolerance: backup, within_s: 10}    # time to detect
        recover: {probe: feed_rate, tolerance: {min: 1}, within_s: 10}   # time to recover
      - pause: 1
      - name: failed over
        wait_for: {probe: feed_source, tolerance: backup}
        within_s: 10
    stop_conditions:                    # each must keep holding, or the drill aborts and rolls back
      - {name: positions agree with the venue, probe: position_breaks, tolerance: 0}
    rollbacks:                          # always run, even after an abort: actions and pauses
      - {action: md_silent, args: {line: primary, on: false}}
    expect:
      - {name: failover within 2 s, step: silence the primary line, measure: time_to_detect_s, tolerance: {max: 2}}
      - {name: no order lost, probe: orders_lost, tolerance: 0}

A target (`target:` of an action that works on actors): an actor path, `{role: strategy}` (every actor
of that role), `{role: strategy, random: 1}` or `{random: 2}` (that many, chosen when the step runs).
An action with `repeat: N` and `every_s: S` is done N times, S seconds apart, its targets chosen anew and
its detect and recover waited for each time (the chaos soak).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from drills import actions, probes  # noqa: F401 (importing them fills the catalogs)
from drills.catalog import ACTIONS, PROBES, Catalog, fits
from drills.tolerance import Tolerance
from vigil.errors import VigilError
from vigil.topology import Problem
from vigil.yaml_nodes import INVALID, Field, Reader, compose, describe, is_null, line, suggest, syntax_problem
from vocabulary import roles

MEASURES = ("time_to_detect_s", "time_to_recover_s", "duration_s")
_REPO = Path(__file__).resolve().parent.parent
_ROLES = tuple(v for k, v in vars(roles).items() if k.isupper() and isinstance(v, str))


class DrillError(VigilError):
    """A drill file that cannot run (its problems, each with its line), or a drill refused."""

    def __init__(self, problems: tuple[Problem, ...] | str) -> None:
        self.problems = problems if isinstance(problems, tuple) else ()
        super().__init__(problems)

    def __str__(self) -> str:
        return "\n".join(map(str, self.problems)) if self.problems else str(self.args[0])


@dataclass(frozen=True)
class Target:
    path: str | None = None
    role: str | None = None
    random: int | None = None

    def describe(self) -> str:
        if self.path:
            return self.path
        what = f"actors of role {self.role}" if self.role else "actors"
        return f"{self.random} random {what}" if self.random else f"every one of the {what}"


@dataclass(frozen=True)
class ProbeSpec:
    name: str
    probe: str
    args: dict[str, Any]
    tolerance: Tolerance | None
    within_s: float | None
    line: int


@dataclass(frozen=True)
class Step:
    name: str
    type: str
    """action | probe | pause | wait"""
    kind: str
    """The action's or probe's name; "pause" for a pause."""
    line: int
    args: dict[str, Any] = field(default_factory=dict)
    target: Target | None = None
    seconds: float = 0.0
    probe: ProbeSpec | None = None
    """A probe step's probe, or what a wait waits for."""
    detect: ProbeSpec | None = None
    recover: ProbeSpec | None = None
    repeat: int = 1
    """An action done this many times, every_s apart (targets chosen anew each time): a chaos soak."""
    every_s: float = 0.0


@dataclass(frozen=True)
class Expectation:
    name: str
    line: int
    tolerance: Tolerance
    step: str | None = None
    measure: str | None = None
    probe: ProbeSpec | None = None


@dataclass(frozen=True)
class Drill:
    file: str
    title: str
    description: str = ""
    tags: tuple[str, ...] = ()
    runbook: str | None = None
    preconditions: tuple[ProbeSpec, ...] = ()
    """What must hold before the method only: nothing the drill is to show already there (its page open)."""
    steady_state: tuple[ProbeSpec, ...] = ()
    method: tuple[Step, ...] = ()
    stop_conditions: tuple[ProbeSpec, ...] = ()
    rollbacks: tuple[Step, ...] = ()
    expect: tuple[Expectation, ...] = ()
    interval_s: float = 0.5
    """How often the steady state and the stop conditions are probed while the method runs."""
    settle_s: float = 30.0
    """How long the steady state may take to hold again after the method (and to hold before it)."""


_TOP = ("title", "description", "tags", "runbook", "preconditions", "steady_state", "method", "stop_conditions",
        "rollbacks", "expect", "interval_s", "settle_s")
_PROBE_FIELDS = ("name", "probe", "args", "tolerance", "within_s")
_STEP_FIELDS = ("name", "action", "args", "target", "detect", "recover", "probe", "tolerance", "pause",
                "wait_for", "within_s", "repeat", "every_s")


def load_drill(path: str | os.PathLike) -> Drill:
    """Read and check a drill file; DrillError lists every problem with its line."""
    shown = os.fspath(path)
    try:
        text = Path(shown).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise DrillError((Problem(shown, 1, "drill", f"cannot read file: {getattr(err, 'strerror', None) or err}"),))
    return parse_drill(text, shown)


def parse_drill(text: str, source: str = "<drill>") -> Drill:
    problems: list[Problem] = []

    def report(at: int, where: str, what: str) -> None:
        problems.append(Problem(source, at, where, what))
    try:
        loader, node = compose(text)
    except yaml.YAMLError as err:
        at, what = syntax_problem(err)
        raise DrillError((Problem(source, at, "drill", f"invalid YAML: {what}"),))
    try:
        drill = _Reader(Reader(loader, report), report, source).document(node)
    finally:
        loader.dispose()
    if problems:
        raise DrillError(tuple(sorted(problems, key=lambda p: p.line)))
    return drill


class _Reader:
    def __init__(self, r: Reader, report, source: str) -> None:
        self.r, self.report, self.source = r, report, source
        self.names: dict[str, int] = {}

    def document(self, node: Node | None) -> Drill:
        if node is None or not isinstance(node, MappingNode):
            self.report(1, "drill", "expected a mapping with a title, a steady_state and a method")
            return Drill(self.source, "")
        fields = self.r.mapping(node, "", allowed=_TOP) or {}
        r = self.r
        if "title" not in fields:
            self.report(line(node), "title", "missing: every drill has a title")
        if "method" not in fields:
            self.report(line(node), "method", "missing: the actions the drill takes")
        title = r.string(fields["title"].value, "title") if "title" in fields else ""
        description = self._text(fields, "description")
        tags = tuple(t for t in (r.string(n, "tags") for n in self._list(fields, "tags")) if t)
        runbook = self._text(fields, "runbook") or None
        bases = (Path(self.source).resolve().parent.parent, Path.cwd(), _REPO)  # the drill's repository, or Vigil's
        if runbook and not any((base / runbook).is_file() for base in bases):
            self.report(fields["runbook"].value.start_mark.line + 1, "runbook", f"no such file {runbook!r} "
                        "(a path from the repository's top, such as runbooks/feed-stale.md)")
        steady, before = (tuple(p for p in (self.probe(n, f"{key}[{i}]", need_tolerance=True)
                                            for i, n in enumerate(self._list(fields, key))) if p)
                          for key in ("steady_state", "preconditions"))
        method = tuple(s for s in (self.step(n, f"method[{i}]") for i, n in enumerate(self._list(fields, "method")))
                       if s)
        stops = tuple(p for p in (self.probe(n, f"stop_conditions[{i}]", need_tolerance=True)
                                  for i, n in enumerate(self._list(fields, "stop_conditions"))) if p)
        rollbacks = tuple(s for s in (self.step(n, f"rollbacks[{i}]", only_actions=True)
                                      for i, n in enumerate(self._list(fields, "rollbacks"))) if s)
        expect = tuple(e for e in (self.expectation(n, f"expect[{i}]")
                                   for i, n in enumerate(self._list(fields, "expect"))) if e)
        timing = {k: r.number(fields[k].value, k, above=0) for k in ("interval_s", "settle_s") if k in fields}
        return Drill(self.source, title or "", description, tags, runbook, before, steady, method, stops, rollbacks,
                     expect,
                     **{k: v for k, v in timing.items() if v is not None})

    # ---- parts -----------------------------------------------------------------------------------------
    def probe(self, node: Node, where: str, *, need_tolerance: bool = False, timed: bool = False,
              fields: dict[str, Field] | None = None) -> ProbeSpec | None:
        """fields: the node's, read already (by a step or an expectation, which allow more)."""
        fields = fields if fields is not None else self.r.mapping(node, where, allowed=_PROBE_FIELDS)
        if fields is None:
            return None
        if "probe" not in fields:
            self.report(line(node), where, f"names no probe (probes: {', '.join(PROBES.names())})")
            return None
        name = self._known(fields["probe"], f"{where}.probe", PROBES)
        args = self._args(fields, where, PROBES[name] if name else None)
        tolerance = self._tolerance(fields, where)
        if "tolerance" not in fields and need_tolerance:
            self.report(line(node), where, "needs a tolerance: the value it must have")
        within = self.r.number(fields["within_s"].value, f"{where}.within_s", above=0) if "within_s" in fields else None
        if timed and within is None:
            self.report(line(node), where, "needs within_s: how long to wait for it")
        label = self._text(fields, "name", where) or name or "?"
        if name is None or args is None:
            return None
        return ProbeSpec(label, name, args, tolerance, within, line(node))

    def step(self, node: Node, where: str, *, only_actions: bool = False) -> Step | None:
        fields = self.r.mapping(node, where, allowed=_STEP_FIELDS)
        if fields is None:
            return None
        kinds = [k for k in ("action", "probe", "pause", "wait_for") if k in fields]
        if len(kinds) != 1 or (only_actions and kinds[0] not in ("action", "pause")):
            wanted = "one action or pause" if only_actions else "one of action, probe, pause, wait_for"
            self.report(line(node), where, f"a step is {wanted}; got {', '.join(kinds) or 'none'}")
            return None
        kind, at = kinds[0], line(node)
        name = self._text(fields, "name", where)
        unique = self._unique if not only_actions else (lambda n, a, w: n)  # rollbacks are named apart
        if kind == "pause":
            seconds = self.r.number(fields["pause"].value, f"{where}.pause", minimum=0)
            return None if seconds is None else Step(unique(name or f"pause {seconds:g} s", at, where),
                                                     "pause", "pause", at, seconds=seconds)
        if kind == "wait_for":
            if "within_s" not in fields:
                self.report(at, where, "a wait_for needs within_s: its deadline")
            wanted = self.probe(fields["wait_for"].value, f"{where}.wait_for", need_tolerance=True)
            within = self.r.number(fields["within_s"].value, f"{where}.within_s", above=0) if "within_s" in fields \
                else None
            if wanted is None or within is None:
                return None
            spec = ProbeSpec(wanted.name, wanted.probe, wanted.args, wanted.tolerance, within, wanted.line)
            return Step(unique(name or f"wait for {wanted.name}", at, where), "wait", wanted.probe, at,
                        probe=spec)
        if kind == "probe":
            spec = self.probe(node, where, fields=fields)
            return None if spec is None else Step(unique(spec.name, at, where), "probe", spec.probe, at,
                                                  probe=spec)
        action = self._known(fields["action"], f"{where}.action", ACTIONS)
        entry = ACTIONS[action] if action else None
        args = self._args(fields, where, entry)
        target = self._target(fields["target"], f"{where}.target") if "target" in fields else None
        if entry is not None and entry.targets and target is None and "target" not in fields:
            self.report(at, where, f"action {action} needs a target: an actor path, {{role: ...}} or {{random: N}}")
        if entry is not None and not entry.targets and "target" in fields:
            self.report(line(fields["target"].key), f"{where}.target", f"action {action} takes no target")
        detect = self.probe(fields["detect"].value, f"{where}.detect", need_tolerance=True, timed=True) \
            if "detect" in fields else None
        recover = self.probe(fields["recover"].value, f"{where}.recover", need_tolerance=True, timed=True) \
            if "recover" in fields else None
        repeat = self.r.integer(fields["repeat"].value, f"{where}.repeat", minimum=1) if "repeat" in fields else 1
        every = self.r.number(fields["every_s"].value, f"{where}.every_s", minimum=0) if "every_s" in fields else 0.0
        label = unique(name or action or "?", at, where)  # even a broken step's name, for what refers to it
        if action is None or args is None or repeat is None or every is None:
            return None
        return Step(label, "action", action, at, args, target, detect=detect, recover=recover, repeat=repeat,
                    every_s=every)

    def expectation(self, node: Node, where: str) -> Expectation | None:
        fields = self.r.mapping(node, where, allowed=("step", "measure", *_PROBE_FIELDS))
        if fields is None:
            return None
        name = self._text(fields, "name", where)
        if not name:
            self.report(line(node), where, "needs a name: what is expected, as the report shows it")
        tolerance = self._tolerance(fields, where)
        if "tolerance" not in fields:
            self.report(line(node), where, "needs a tolerance")
        if "step" in fields:
            step = self._text(fields, "step", where)
            steps = list(self.names)
            if step and step not in steps:
                self.report(line(fields["step"].value), f"{where}.step", f"no step named {step!r} in the method"
                            + (suggest(step, steps) or f"; steps: {', '.join(steps)}"))
            measure = self.r.choice(fields["measure"].value, f"{where}.measure", MEASURES) if "measure" in fields \
                else None
            if "measure" not in fields:
                self.report(line(node), where, f"a step's expectation needs a measure: {' | '.join(MEASURES)}")
            if "probe" in fields:
                self.report(line(node), where, "an expectation is of a step or of a probe, not both")
            if not (name and tolerance and step in steps and measure):
                return None
            return Expectation(name, line(node), tolerance, step=step, measure=measure)
        probe = self.probe(node, where, fields=fields)
        if probe is None or not name or tolerance is None:
            return None
        return Expectation(name, line(node), tolerance, probe=probe)

    # ---- values ----------------------------------------------------------------------------------------
    def _target(self, field_: Field, where: str) -> Target | None:
        node = field_.value
        if isinstance(node, ScalarNode):
            path = self.r.string(node, where)
            return Target(path=path) if path else None
        fields = self.r.mapping(node, where, allowed=("path", "role", "random"))
        if fields is None:
            return None
        path = self._text(fields, "path", where) or None
        role = self.r.choice(fields["role"].value, f"{where}.role", _ROLES) if "role" in fields else None
        random = self.r.integer(fields["random"].value, f"{where}.random", minimum=1) if "random" in fields else None
        if path and (role or random):
            self.report(line(node), where, "a path names one actor: no role or random beside it")
            return None
        if ("role" in fields and role is None) or ("random" in fields and random is None):
            return None  # reported
        if not (path or role or random):
            self.report(line(node), where, "names no actor: give a path, a role or random: N")
            return None
        return Target(path, role, random)  # type: ignore[arg-type]

    def _args(self, fields: dict[str, Field], where: str, entry) -> dict[str, Any] | None:
        given: dict[str, Any] = {}
        node = fields["args"].value if "args" in fields else None
        if node is not None and not is_null(node):
            args = self.r.mapping(node, f"{where}.args")
            if args is None:
                return None
            for key, f in args.items():
                value = self.r.value(f.value, f"{where}.args.{key}")
                if value is not INVALID:
                    given[key] = value
            if entry is not None:
                for key, f in args.items():
                    param = entry.params.get(key)
                    if param is None:
                        allowed = ", ".join(entry.params) or "none"
                        self.report(line(f.key), f"{where}.args.{key}", f"{entry.name} takes no argument {key!r}"
                                    + (suggest(key, entry.params) or f"; it takes: {allowed}"))
                    elif key in given and not fits(param, given[key]):
                        self.report(line(f.value), f"{where}.args.{key}", f"expected {param.kind.__name__}, got "
                                    f"{describe(given[key])}")
        if entry is None:
            return None
        for param in entry.params.values():
            if param.required and param.name not in given:
                self.report(line(fields["args"].key if "args" in fields else next(iter(fields.values())).key),
                            f"{where}.args", f"{entry.name} needs {param.name}")
        return given

    def _tolerance(self, fields: dict[str, Field], where: str) -> Tolerance | None:
        if "tolerance" not in fields:
            return None
        value = self.r.value(fields["tolerance"].value, f"{where}.tolerance")
        if value is INVALID:
            return None
        tolerance = Tolerance(value)
        problem = tolerance.problem()
        if problem:
            self.report(line(fields["tolerance"].value), f"{where}.tolerance", problem)
            return None
        return tolerance

    def _known(self, field_: Field, where: str, catalog: Catalog) -> str | None:
        name = self.r.string(field_.value, where)
        if name is None:
            return None
        if name not in catalog:
            self.report(line(field_.value), where, f"unknown {catalog.what} {name!r}"
                        + (suggest(name, catalog.names()) or f"; {catalog.what}s: {', '.join(catalog.names())}"))
            return None
        return name

    def _unique(self, name: str, at: int, where: str) -> str:
        if name in self.names:
            self.report(at, where, f"a second step named {name!r} (the first at line {self.names[name]}): "
                        "steps are told apart by name")
        self.names.setdefault(name, at)
        return name

    def _list(self, fields: dict[str, Field], key: str) -> list[Node]:
        if key not in fields or is_null(fields[key].value):
            return []
        return self.r.sequence(fields[key].value, key) or []

    def _text(self, fields: dict[str, Field], key: str, where: str = "") -> str:
        if key not in fields:
            return ""
        return self.r.string(fields[key].value, f"{where}.{key}" if where else key) or ""
