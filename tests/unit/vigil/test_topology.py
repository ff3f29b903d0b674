"""topology.yaml loading and validation: objects, defaults, and every problem with its line."""

from __future__ import annotations

import dataclasses
import os
import pickle
import textwrap

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigil.errors import VigilError
from vigil.topology import (
    Backoff,
    ChildSpec,
    FrozenMap,
    Heartbeat,
    Problem,
    SupervisorSpec,
    SystemSpec,
    Topology,
    TopologyError,
    load_topology,
    parse_topology,
    summary,
)

# Unusual module names: the fixtures stay in sys.modules for the whole session.
FIXTURES = {
    "vigil_fixture_actors": """
        from thespian.actors import Actor

        class Counter(Actor):
            pass

        class Sup(Actor):
            pass

        class NotAnActor:
            pass

        def not_a_class():
            pass
    """,
    "vigil_fixture_broken": """
        raise RuntimeError("boom at import")
    """,
}
A = "vigil_fixture_actors"


@pytest.fixture(autouse=True)
def fixture_modules(tmp_path_factory, monkeypatch):
    root = tmp_path_factory.getbasetemp() / "fixture_modules"
    root.mkdir(exist_ok=True)
    for name, source in FIXTURES.items():
        (root / f"{name}.py").write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(root))


VALID = f"""\
vigil:
  name: desk1
  admin_port: 19200
  run_dir: state/run
  heartbeat: {{interval_ms: 100, timeout_ms: 800}}
root:
  strategy: one_for_all
  intensity: 3
  period: 5
  backoff: {{min_ms: 10, max_ms: 1000}}
  children:
    - id: market
      type: supervisor
      start: {A}:Sup
      strategy: rest_for_one
      intensity: 5
      period: 2.5
      children:
        - id: feed
          start: {A}:Counter
          config: {{symbols: [EURUSD, GBPUSD], limits: {{max_qty: 5}}}}
        - id: counter
          start: {A}:Counter
          restart: transient
          shutdown: brutal_kill
          heartbeat: {{timeout_ms: 5000}}
    - id: oms
      start: {A}:Counter
      restart: temporary
      shutdown: 0
"""


def write(tmp_path, text, name="topology.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def problems(text, **kwargs):
    """The problem lines for a topology given as text, named t.yaml."""
    with pytest.raises(TopologyError) as info:
        parse_topology(textwrap.dedent(text), "t.yaml", **kwargs)
    return str(info.value).splitlines()


def worker(extra="", id="w"):
    """A root with one worker child, plus extra (already indented) child fields at line 5+."""
    return f"root:\n  children:\n    - id: {id}\n      start: {A}:Counter\n{extra}"


# --- valid topologies -------------------------------------------------------------------------

def test_valid_topology_loads_into_expected_objects(tmp_path):
    topo = load_topology(write(tmp_path, VALID))

    assert topo.source == str(tmp_path / "topology.yaml")
    assert topo.system == SystemSpec(name="desk1", admin_port=19200,
                                     run_dir=str(tmp_path / "state" / "run"),
                                     heartbeat=Heartbeat(interval_ms=100, timeout_ms=800),
                                     start_timeout_ms=10000)
    root = topo.root
    assert (root.strategy, root.intensity, root.period) == ("one_for_all", 3, 5.0)
    assert isinstance(root.period, float)
    assert root.backoff == Backoff(min_ms=10, max_ms=1000, jitter=0.0)

    market, oms = root.children
    assert market.path == "root/market"
    assert market.type == "supervisor"
    assert market.shutdown == 10000  # the supervisor default
    assert market.supervisor == SupervisorSpec(strategy="rest_for_one", intensity=5, period=2.5,
                                               children=market.supervisor.children)
    feed, counter = market.supervisor.children
    system_hb = Heartbeat(interval_ms=100, timeout_ms=800)
    assert feed == ChildSpec(id="feed", path="root/market/feed", start=f"{A}:Counter",
                             restart="permanent", shutdown=5000, type="worker",
                             config=FrozenMap(symbols=("EURUSD", "GBPUSD"),
                                              limits=FrozenMap(max_qty=5)),
                             heartbeat=system_hb, supervisor=None)
    assert isinstance(feed.config, FrozenMap)
    assert isinstance(feed.config["limits"], FrozenMap)
    assert feed.config["symbols"] == ("EURUSD", "GBPUSD")
    assert feed.config == {"symbols": ("EURUSD", "GBPUSD"), "limits": {"max_qty": 5}}
    # A partial heartbeat override inherits the rest from the system default.
    assert counter.heartbeat == Heartbeat(interval_ms=100, timeout_ms=5000)
    assert (counter.restart, counter.shutdown) == ("transient", "brutal_kill")
    assert oms == ChildSpec(id="oms", path="root/oms", start=f"{A}:Counter", restart="temporary",
                            shutdown=0, heartbeat=system_hb)
    assert oms.config == FrozenMap() and oms.supervisor is None


def test_minimal_topology_takes_every_default():
    topo = parse_topology("root: {}\n")
    assert topo.system == SystemSpec(run_dir=os.path.join(os.getcwd(), "run"))
    assert topo.root == SupervisorSpec()
    assert (topo.root.strategy, topo.root.intensity, topo.root.period) == ("one_for_one", 1, 5.0)
    assert topo.source == "<string>"
    assert list(topo.walk()) == []


def test_null_children_and_config_mean_empty():
    topo = parse_topology("vigil:\nroot:\n  children:\n", check_imports=False)
    assert topo.root.children == ()
    topo = parse_topology(worker("      config:\n"))
    assert topo.find("w").config == FrozenMap()


def test_specs_are_frozen_keyword_only_and_hashable(tmp_path):
    topo = load_topology(write(tmp_path, VALID))
    with pytest.raises(dataclasses.FrozenInstanceError):
        topo.root.intensity = 9
    with pytest.raises(TypeError):
        Heartbeat(100, 500)
    config = topo.find("feed").config
    with pytest.raises(TypeError):
        config["symbols"] = ()
    assert hash(topo) == hash(load_topology(write(tmp_path, VALID)))
    assert config.thaw() == {"symbols": ["EURUSD", "GBPUSD"], "limits": {"max_qty": 5}}
    assert type(config.thaw()["limits"]) is dict


def test_topology_and_errors_survive_pickle(tmp_path):
    topo = load_topology(write(tmp_path, VALID))
    again = pickle.loads(pickle.dumps(topo))
    assert again == topo
    assert isinstance(again.find("feed").config, FrozenMap)
    assert isinstance(again.find("feed").config["limits"], FrozenMap)

    with pytest.raises(TopologyError) as info:
        parse_topology("root: {intensity: -1}\n", "t.yaml")
    err = pickle.loads(pickle.dumps(info.value))
    assert err.problems == (Problem("t.yaml", 1, "root.intensity", "must be >= 0, got -1"),)
    assert str(err) == str(info.value)


def test_walk_is_depth_first_in_declaration_order(tmp_path):
    topo = load_topology(write(tmp_path, VALID))
    assert [c.path for c in topo.walk()] == [
        "root/market", "root/market/feed", "root/market/counter", "root/oms"]


def test_find_by_id_or_path(tmp_path):
    topo = load_topology(write(tmp_path, VALID))
    assert topo.find("counter") is topo.find("root/market/counter")
    assert topo.find("counter").restart == "transient"
    with pytest.raises(KeyError, match=r"no child 'countr' .*did you mean counter\?"):
        topo.find("countr")
    with pytest.raises(KeyError, match=r"no child 'root/oms/feed'"):
        topo.find("root/oms/feed")


def test_summary(tmp_path, monkeypatch):
    path = write(tmp_path, VALID)
    monkeypatch.chdir(tmp_path)
    assert summary(load_topology(path)) == (
        "topology.yaml: ok: 2 supervisors, 3 workers, max depth 3")
    single = write(tmp_path, "root: {}\n", "single.yaml")
    assert summary(load_topology(single)) == "single.yaml: ok: 1 supervisor, 0 workers, max depth 1"


def test_supervisor_child_defaults_to_the_supervisor_actor():
    topo = parse_topology("root:\n  children:\n    - {id: s, type: supervisor}\n",
                          check_imports=False)
    spec = topo.find("s")
    assert spec.start == "supervisors.supervisor:Supervisor"
    assert spec.shutdown == 10000
    assert spec.supervisor == SupervisorSpec()


def test_check_imports_false_still_checks_start_syntax():
    assert parse_topology(worker().replace(f"{A}:Counter", "nowhere.mod:X"),
                          check_imports=False).find("w").start == "nowhere.mod:X"
    assert problems(worker().replace(f"{A}:Counter", "nowhere"), check_imports=False) == [
        "t.yaml:4: root/w.start: expected 'package.module:Class', got 'nowhere'"]


# --- the document -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("", "t.yaml:1: topology: file is empty; expected a mapping with a 'root' section"),
    ("# nothing here\n",
     "t.yaml:1: topology: file is empty; expected a mapping with a 'root' section"),
    ("- a\n- b\n", "t.yaml:1: topology: expected a mapping with a 'root' section, got a list"),
    ("vigil:\n  name: x\n", "t.yaml:1: root: missing required section (the root supervisor)"),
    ("root:\n", "t.yaml:1: root: expected a mapping, got null"),
    ("root:\n  intensity: [1\n  period: 2\n",
     "t.yaml:3: topology: invalid YAML: while parsing a flow sequence, expected ',' or ']', "
     "but got ':'"),
    ("root:\n\tintensity: 1\n",
     "t.yaml:2: topology: invalid YAML: while scanning for the next token, found character "
     "'\\t' that cannot start any token"),
    ("root: {}\n---\nroot: {}\n",
     "t.yaml:2: topology: invalid YAML: expected a single document in the stream, "
     "but found another document"),
])
def test_document_problems(text, expected):
    assert problems(text) == [expected]


def test_unreadable_file_is_a_topology_error(tmp_path):
    with pytest.raises(TopologyError) as info:
        load_topology(tmp_path / "missing.yaml")
    assert str(info.value) == (
        f"{tmp_path / 'missing.yaml'}:1: topology: cannot read file: No such file or directory")
    assert isinstance(info.value, VigilError)


def test_unknown_section_and_duplicate_key():
    assert problems("rot: {}\nvigil: {}\nvigil: {}\n") == [
        "t.yaml:1: rot: unknown field (did you mean root?)",
        "t.yaml:1: root: missing required section (the root supervisor)",
        "t.yaml:3: vigil: duplicate key (first at line 2)",
    ]


# --- fields -----------------------------------------------------------------------------------

@pytest.mark.parametrize("extra, expected", [
    ("      restrat: permanent\n",
     "t.yaml:5: root/w.restrat: unknown field (did you mean restart?)"),
    ("      colour: red\n",
     "t.yaml:5: root/w.colour: unknown field; allowed: id, start, restart, shutdown, type, "
     "config, heartbeat"),
    ("      children: []\n",
     "t.yaml:5: root/w.children: unknown field for a worker (strategy, intensity, period, "
     "backoff and children need type: supervisor)"),
    ("      strategy: one_for_one\n",
     "t.yaml:5: root/w.strategy: unknown field for a worker (strategy, intensity, period, "
     "backoff and children need type: supervisor)"),
    ("      restart: sometimes\n",
     "t.yaml:5: root/w.restart: unknown value 'sometimes'; allowed: permanent | transient | "
     "temporary"),
    ("      type: workr\n",
     "t.yaml:5: root/w.type: unknown value 'workr' (did you mean worker?); allowed: worker | "
     "supervisor"),
    ("      config: [a, b]\n", "t.yaml:5: root/w.config: expected a mapping, got a list"),
    ("      config: 3\n", "t.yaml:5: root/w.config: expected a mapping, got 3"),
    ("      shutdown: -1\n", "t.yaml:5: root/w.shutdown: must be >= 0, got -1"),
    ("      shutdown: soon\n",
     "t.yaml:5: root/w.shutdown: expected an integer or 'brutal_kill', got 'soon'"),
    ("      shutdown: true\n",
     "t.yaml:5: root/w.shutdown: expected an integer or 'brutal_kill', got true (a boolean)"),
    ("      heartbeat: {interval_ms: 500, timeout_ms: 500}\n",
     "t.yaml:5: root/w.heartbeat.timeout_ms: must be greater than interval_ms (500), got 500"),
    ("      heartbeat: {interval_ms: 2000}\n",
     "t.yaml:5: root/w.heartbeat.timeout_ms: must be greater than interval_ms (2000), got 1000 "
     "(inherited)"),
    ("      heartbeat:\n        interval_ms: 0\n",
     "t.yaml:6: root/w.heartbeat.interval_ms: must be >= 1, got 0"),
    ("      heartbeat: {timeout: 10}\n",
     "t.yaml:5: root/w.heartbeat.timeout: unknown field (did you mean timeout_ms?)"),
])
def test_child_field_problems(extra, expected):
    assert problems(worker(extra)) == [expected]


@pytest.mark.parametrize("fields, expected", [
    ("strategy: one_for_none",
     "root.strategy: unknown value 'one_for_none' (did you mean one_for_one?); allowed: "
     "one_for_one | one_for_all | rest_for_one"),
    ("intensity: three", "root.intensity: expected an integer, got 'three'"),
    ("intensity: true", "root.intensity: expected an integer, got true (a boolean)"),
    ("intensity: 1.5", "root.intensity: expected an integer, got 1.5"),
    ("intensity: -1", "root.intensity: must be >= 0, got -1"),
    ("period: 0", "root.period: must be > 0, got 0"),
    ("period: -2.5", "root.period: must be > 0, got -2.5"),
    ("period: 5s", "root.period: expected a number, got '5s'"),
    ("period: .inf", "root.period: expected a number, got inf"),
    ("children: {id: a}", "root.children: expected a list, got a mapping"),
    ("children: [3]", "root.children[0]: expected a mapping, got 3"),
    ("backoff: {min_ms: 2000, max_ms: 1000}", "root.backoff: min_ms (2000) must not exceed "
                                              "max_ms (1000)"),
    ("backoff: {min_ms: -1, max_ms: 1000}", "root.backoff.min_ms: must be >= 0, got -1"),
    ("backoff: {min_ms: 1, max_ms: 10, jitter: 1.5}",
     "root.backoff.jitter: must be between 0 and 1, got 1.5"),
    ("backoff: {min_ms: 1}", "root.backoff.max_ms: missing (backoff needs min_ms and max_ms)"),
    ("backoff: 100", "root.backoff: expected a mapping, got 100"),
])
def test_supervisor_field_problems(fields, expected):
    assert problems(f"root:\n  {fields}\n") == [f"t.yaml:2: {expected}"]


@pytest.mark.parametrize("fields, expected", [
    ("admin_port: 80", "vigil.admin_port: must be between 1024 and 65535, got 80"),
    ("admin_port: 70000", "vigil.admin_port: must be between 1024 and 65535, got 70000"),
    ("admin_port: true", "vigil.admin_port: expected an integer, got true (a boolean)"),
    ("name: my desk", "vigil.name: must be letters, digits, '_', '-' or '.', got 'my desk'"),
    ("run_dir: 3", "vigil.run_dir: expected a string, got 3"),
    ("start_timeout_ms: 0", "vigil.start_timeout_ms: must be >= 1, got 0"),
    ("heartbeat: {interval_ms: 300, timeout_ms: 200}",
     "vigil.heartbeat.timeout_ms: must be greater than interval_ms (300), got 200"),
    ("heartbeat: {interval_ms: -5}", "vigil.heartbeat.interval_ms: must be >= 1, got -5"),
    ("nmae: x", "vigil.nmae: unknown field (did you mean name?)"),
])
def test_system_field_problems(fields, expected):
    assert problems(f"vigil:\n  {fields}\nroot: {{}}\n") == [f"t.yaml:2: {expected}"]


# --- ids and start ----------------------------------------------------------------------------

def test_missing_and_bad_ids():
    assert problems(f"""\
        root:
          children:
            - start: {A}:Counter
            - id: "bad id"
              start: {A}:Counter
            - id: 7
              start: {A}:Counter
        """) == [
        "t.yaml:3: root.children[0].id: missing",
        "t.yaml:4: root.children[1].id: must be letters, digits, '_' or '-', got 'bad id'",
        "t.yaml:6: root.children[2].id: expected a string, got 7",
    ]


def test_duplicate_ids_anywhere_in_the_tree_name_the_first_use():
    assert problems(f"""\
        root:
          children:
            - id: feed
              start: {A}:Counter
            - id: market
              type: supervisor
              start: {A}:Sup
              children:
                - id: feed
                  start: {A}:Counter
        """) == [
        "t.yaml:9: root/market/feed.id: duplicate id 'feed' (first used at line 3)"]


@pytest.mark.parametrize("start, expected", [
    ("Counter", "expected 'package.module:Class', got 'Counter'"),
    (f"{A}.Counter", f"expected 'package.module:Class', got '{A}.Counter'"),
    ("no_such_module_xyz:Thing",
     "cannot import module 'no_such_module_xyz': No module named 'no_such_module_xyz'"),
    ("vigil_fixture_broken:Thing",
     "cannot import module 'vigil_fixture_broken': RuntimeError: boom at import"),
    (f"{A}:Countr", f"module '{A}' has no class 'Countr' (did you mean Counter?)"),
    (f"{A}:NotAnActor", f"{A}:NotAnActor is neither a vigil.component.Component nor a thespian.actors.Actor"),
    (f"{A}:not_a_class", f"{A}:not_a_class is not a class (it is a function)"),
    ("__main__:Counter", "Thespian cannot create actor classes defined in __main__"),
    ("[a, b]", "expected a string, got a list"),
])
def test_start_problems(start, expected):
    assert problems(worker().replace(f"{A}:Counter", start)) == [
        f"t.yaml:4: root/w.start: {expected}"]


def test_missing_start_on_a_worker():
    assert problems("root:\n  children:\n    - id: w\n      restart: permanent\n") == [
        "t.yaml:3: root/w.start: missing (a worker needs start: 'package.module:Class')"]


def test_default_supervisor_start_is_import_checked_too(monkeypatch):
    monkeypatch.setattr("vigil.topology.SUPERVISOR_START", "no_such_module_xyz:Supervisor")
    assert problems("root:\n  children:\n    - {id: s, type: supervisor}\n") == [
        "t.yaml:3: root/s.start: cannot import module 'no_such_module_xyz': No module named "
        "'no_such_module_xyz' (the default start of a supervisor)"]


# --- many problems at once --------------------------------------------------------------------

def test_every_problem_is_reported_in_file_order(tmp_path):
    path = write(tmp_path, f"""\
vigil:
  admin_port: 80
root:
  strategy: one_for_none
  intensity: three
  children:
    - id: market
      type: supervisor
      start: {A}:Sup
      period: 0
      children:
        - id: counter
          start: {A}:Counter
          restrat: permanent
        - id: counter
          start: {A}:NotAnActor
        - id: risk
""")
    with pytest.raises(TopologyError) as info:
        load_topology(path)
    p = str(path)
    assert str(info.value).splitlines() == [
        f"{p}:2: vigil.admin_port: must be between 1024 and 65535, got 80",
        f"{p}:4: root.strategy: unknown value 'one_for_none' (did you mean one_for_one?); "
        "allowed: one_for_one | one_for_all | rest_for_one",
        f"{p}:5: root.intensity: expected an integer, got 'three'",
        f"{p}:10: root/market.period: must be > 0, got 0",
        f"{p}:14: root/market/counter.restrat: unknown field (did you mean restart?)",
        f"{p}:15: root/market/counter.id: duplicate id 'counter' (first used at line 12)",
        f"{p}:16: root/market/counter.start: {A}:NotAnActor is neither a vigil.component.Component "
        "nor a thespian.actors.Actor",
        f"{p}:17: root/market/risk.start: missing (a worker needs start: 'package.module:Class')",
    ]
    assert [x.line for x in info.value.problems] == [2, 4, 5, 10, 14, 15, 16, 17]
    assert info.value.problems[0] == Problem(p, 2, "vigil.admin_port",
                                             "must be between 1024 and 65535, got 80")


def test_recursive_alias_is_reported_not_followed():
    lines = problems(f"""\
        root:
          children: &kids
            - id: a
              type: supervisor
              start: {A}:Sup
              children: *kids
        """)
    # The alias resolves to the anchored list itself, so the line is the anchor's.
    assert lines == ["t.yaml:2: root/a.children: a YAML alias makes this list contain itself"]


# --- robustness -------------------------------------------------------------------------------

_FIELDS = ["id", "start", "restart", "shutdown", "type", "config", "heartbeat", "strategy",
           "intensity", "period", "backoff", "children", "min_ms", "max_ms", "jitter",
           "interval_ms", "timeout_ms", "admin_port", "name", "run_dir"]
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 70000), st.floats(-2, 2),
                     st.sampled_from(["worker", "supervisor", "brutal_kill", "one_for_all",
                                      "transient", f"{A}:Counter", "x", ""]))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.sampled_from(_FIELDS), inner, max_size=4),
                       max_leaves=20)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(system=_values, root=_values)
def test_any_document_loads_or_raises_topology_error(system, root):
    text = yaml.safe_dump({"vigil": system, "root": root})
    try:
        topo = parse_topology(text, "t.yaml")
    except TopologyError as err:
        assert err.problems and all(p.line >= 1 and p.where and p.what for p in err.problems)
    else:
        assert isinstance(topo, Topology)
        assert pickle.loads(pickle.dumps(topo)) == topo
        ids = [c.id for c in topo.walk()]
        assert len(ids) == len(set(ids))
