"""vigil.config: an actor's config class built from a topology mapping, every problem named at once."""
from __future__ import annotations

import dataclasses
import pickle
from typing import Annotated, Literal

import msgspec
import pytest
from msgspec import Meta

from vigil.config import Config, ConfigError, NoConfig, NonEmpty, Port, Positive, build_config, config_problems
from vigil.topology import parse_topology


class Route(Config):
    id: NonEmpty
    fee_bps: Annotated[float, Meta(ge=0)] = 0.0


class Policy(Config):
    open_orders: Literal["adjust", "cancel"] = "adjust"


class Desk(Config):
    port: Port
    timeout_s: Positive = 5.0
    routes: tuple[Route, ...] = ()
    policy: Policy = Policy()
    source: NonEmpty | Policy = "tcp://127.0.0.1:1"
    speed: Positive | Literal["max"] = 1.0

    def __post_init__(self) -> None:
        if self.port == 1234 and self.timeout_s > 1:
            raise ValueError("timeout_s: must be at most 1 on port 1234")


def problems(raw) -> list[str]:
    return [str(p) for p in config_problems(Desk, raw)[1]]


def test_defaults_are_written_once_and_an_int_is_taken_for_a_float():
    desk = build_config(Desk, {"port": 19201, "timeout_s": 2, "routes": [{"id": "a"}]})
    assert desk == Desk(port=19201, timeout_s=2.0, routes=(Route(id="a"),))
    assert isinstance(desk.timeout_s, float) and desk.policy.open_orders == "adjust"


def test_configs_are_frozen_keyword_only_and_survive_pickle():
    desk = build_config(Desk, {"port": 1})
    with pytest.raises(AttributeError):
        desk.port = 2
    with pytest.raises(TypeError):
        Desk(1)
    assert pickle.loads(pickle.dumps(desk)) == desk


def test_every_problem_is_found_at_once_even_inside_lists_and_nested_settings():
    assert problems({"prot": 1, "timeout_s": "soon", "routes": [{"id": "a", "fee_bsp": 1}, {"id": ""}],
                     "policy": {"open_orders": "ajust"}, "source": {"open_order": "cancel"}}) == [
        "prot: unknown setting (did you mean port?)",
        "port: missing (required)",
        "timeout_s: expected a number, got 'soon'",
        "routes[0].fee_bsp: unknown setting (did you mean fee_bps?)",
        "routes[1].id: must have at least 1 item, got ''",
        "policy.open_orders: unknown value 'ajust' (did you mean adjust?); allowed: adjust | cancel",
        "source.open_order: unknown setting (did you mean open_orders?)",
    ]


class Desks(Config):
    desks: dict[str, Route] = {}


def test_a_mapping_of_named_settings_reports_each_entrys_problems_under_its_name():
    config, found = config_problems(Desks, {"desks": {"a": {"id": "x", "fee_bps": -1}, "b": {"id": "y", "fee": 1}}})
    assert config is None
    assert [str(p) for p in found] == ["desks.a.fee_bps: must be >= 0, got -1",
                                       "desks.b.fee: unknown setting (did you mean fee_bps?)"]
    assert found[0].path == ("desks", "a", "fee_bps")
    assert build_config(Desks, {"desks": {"a": {"id": "x"}}}).desks["a"] == Route(id="x")


@pytest.mark.parametrize("raw, says", [
    ({"port": 0}, "port: must be >= 1, got 0"),
    ({"port": True}, "port: expected an integer, got true (a boolean)"),
    ({"port": "19201"}, "port: expected an integer, got '19201'"),
    ({"port": 1, "timeout_s": float("inf")}, "timeout_s: must be a finite number, got inf"),
    ({"port": 1, "timeout_s": 0}, "timeout_s: must be > 0, got 0"),
    ({"port": 1, "speed": "fast"}, "speed: unknown value 'fast'; allowed: a number or max"),
    ({"port": 1, "routes": {"id": "a"}}, "routes: expected a list, got a mapping"),
    ({"port": 1, "source": 5}, "source: expected a string or a mapping, got 5"),
    ({"port": 1234, "timeout_s": 2}, "timeout_s: must be at most 1 on port 1234"),
])
def test_each_problem_names_the_setting_and_the_value_given(raw, says):
    assert problems(raw) == [says]


def test_a_config_error_names_where_and_lists_every_problem():
    with pytest.raises(ConfigError) as err:
        build_config(Desk, {"prot": 1}, "root/desk")
    assert str(err.value).splitlines() == ["root/desk: prot: unknown setting (did you mean port?)",
                                          "root/desk: port: missing (required)"]
    assert [p.path for p in err.value.problems] == [("prot",), ("port",)]


def test_an_actor_that_takes_no_settings_refuses_any():
    assert build_config(NoConfig, None) == NoConfig()
    assert [str(p) for p in config_problems(NoConfig, {"x": 1})[1]] == ["x: unknown setting: this actor takes no settings"]


def test_a_bare_msgspec_struct_config_class_needs_no_positional_order():
    """Config classes are keyword-only whatever order their defaults come in (kw_only is applied to all)."""
    class Late(Config):
        a: int = 1
        b: int
    assert build_config(Late, {"b": 2}) == Late(b=2)
    assert msgspec.structs.fields(Late)[1].required


# ---- in a topology ------------------------------------------------------------------------------

MODULE = """
from vigil.component import Component
from tests.unit.vigil.test_config import Desk

class DeskActor(Component):
    config_class = Desk
"""


@pytest.fixture
def desk_actor(tmp_path, monkeypatch):
    (tmp_path / "vigil_fixture_desk.py").write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(__import__("pathlib").Path(__file__).parent))
    return "vigil_fixture_desk:DeskActor"


def topology(start: str, config: str) -> str:
    return f"root:\n  children:\n    - id: desk\n      start: {start}\n      config:\n{config}"


def test_a_child_gets_its_config_object_and_a_bad_setting_is_reported_at_its_line(desk_actor):
    topo = parse_topology(topology(desk_actor, "        port: 19201\n        routes: [{id: a}]\n"), "t.yaml")
    assert topo.find("desk").config == Desk(port=19201, routes=(Route(id="a"),))
    with pytest.raises(Exception) as err:
        parse_topology(topology(desk_actor, "        port: 19201\n        routes:\n          - id: a\n"
                                            "            fee_bps: -1\n        policy: {open_orders: x}\n"), "t.yaml")
    assert str(err.value).splitlines() == [
        "t.yaml:9: root/desk: config.routes[0].fee_bps: must be >= 0, got -1",
        "t.yaml:10: root/desk: config.policy.open_orders: unknown value 'x'; allowed: adjust | cancel"]


def test_a_setting_given_twice_is_refused_not_silently_replaced(desk_actor):
    with pytest.raises(Exception) as err:
        parse_topology(topology(desk_actor, "        port: 19201\n        policy: {open_orders: adjust}\n"
                                            "        port: 19202\n"), "t.yaml")
    assert str(err.value) == "t.yaml:8: root/desk.config.port: duplicate key (first at line 6)"


def test_without_imports_a_config_stays_the_mapping_it_was(desk_actor):
    topo = parse_topology(topology(desk_actor, "        port: nonsense\n"), "t.yaml", check_imports=False)
    assert dict(topo.find("desk").config) == {"port": "nonsense"}


def test_problem_paths_are_dataclasses():
    [problem] = config_problems(Desk, {"port": 0})[1]
    assert dataclasses.asdict(problem) == {"path": ("port",), "what": "must be >= 1, got 0"}


def test_the_feeds_validation_settings_are_reported_at_their_line():
    """The real feed's config class: a bad validation setting is named with its YAML line, every one at once."""
    settings = ("        primary: tcp://127.0.0.1:5555\n        symbols: [USDJPY]\n        validation:\n"
                "          band_pct: 5\n          adopt_after: 1\n          locked: pass\n")
    with pytest.raises(Exception) as err:
        parse_topology(topology("actors.feed.actor:Feed", settings), "t.yaml")
    assert str(err.value).splitlines() == [
        "t.yaml:10: root/desk: config.validation.adopt_after: must be >= 2, got 1",
        "t.yaml:11: root/desk: config.validation.locked: unknown value 'pass'; allowed: quarantine | deliver"]
    fine = settings.replace("adopt_after: 1", "adopt_after: null").replace("locked: pass", "locked: deliver")
    validation = parse_topology(topology("actors.feed.actor:Feed", fine), "t.yaml").find("desk").config.validation
    assert (validation.adopt_after, validation.locked) == (None, "deliver")
