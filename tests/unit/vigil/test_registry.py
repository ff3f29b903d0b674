"""The tree registry in a real Redis: what `vigil status` shows and drill reports replay."""

from __future__ import annotations

import dataclasses
import json

import pytest

from vigil.registry import Registry


@dataclasses.dataclass(frozen=True)
class FakeAddress:
    """Stands in for a Thespian ActorAddress: any picklable object must round-trip."""

    host: str
    port: int
    tags: tuple[str, ...] = ()


TREE = [
    {"path": "root", "id": "root", "type": "supervisor"},
    {"path": "root/feed", "id": "feed", "type": "worker"},
    {"path": "root/risk", "id": "risk", "type": "worker"},
    {"path": "root/oms", "id": "oms", "type": "worker"},
]


@pytest.fixture
def registry(redis_client):
    return Registry(redis_client, "run1")


def test_declare_tree_keeps_start_order_and_marks_everything_stopped(registry):
    registry.declare_tree(TREE)
    tree = registry.tree()
    assert [a["path"] for a in tree] == ["root", "root/feed", "root/risk", "root/oms"]
    for declared, actual in zip(TREE, tree):
        assert actual == {"state": "stopped", "restarts": "0", **declared}


def test_an_empty_tree_shows_nothing(registry):
    assert registry.tree() == []
    registry.declare_tree([])
    assert registry.tree() == []


def test_declare_tree_resets_the_previous_run(registry):
    registry.declare_tree(TREE)
    registry.update("root/feed", state="running", pid=4242, restarts=3, last_reason="crashed")
    registry.set_address("root/feed", FakeAddress("127.0.0.1", 1900))
    registry.event("root/feed", "running", pid=4242)
    registry.record_outcome("root gave up")

    registry.declare_tree([TREE[0], TREE[1]])

    assert [a["path"] for a in registry.tree()] == ["root", "root/feed"]
    assert registry.get("root/feed") == {"state": "stopped", "restarts": "0", **TREE[1]}
    assert registry.address("root/feed") is None
    assert registry.events() == []
    assert registry.outcome() is None


def test_update_merges_fields_as_text(registry):
    registry.declare_tree(TREE)
    registry.update("root/oms", state="running", pid=1234)
    registry.update("root/oms", restarts=2, exit=None)
    assert registry.get("root/oms") == {
        **TREE[3], "state": "running", "pid": "1234", "restarts": "2", "exit": "",
    }


def test_update_of_an_undeclared_actor_creates_it_and_get_of_unknown_is_empty(registry):
    assert registry.get("nowhere") == {}
    registry.update("late", state="starting")
    assert registry.get("late") == {"state": "starting"}


def test_clear_field_removes_only_that_field(registry):
    registry.declare_tree(TREE)
    registry.update("root/risk", pid=77, exit="crashed: boom")
    registry.clear_field("root/risk", "exit")
    got = registry.get("root/risk")
    assert "exit" not in got
    assert got["pid"] == "77"


@pytest.mark.parametrize("address", [
    FakeAddress("127.0.0.1", 1900, ("a", "b")),
    {"nested": [1, 2.5, None, b"\x00\xff"]},
    ("tuple", 3),
])
def test_address_round_trips_through_pickle_and_stays_out_of_get(registry, address):
    registry.declare_tree(TREE)
    registry.set_address("root/oms", address)
    assert registry.address("root/oms") == address
    assert type(registry.address("root/oms")) is type(address)
    assert "address" not in registry.get("root/oms")
    assert all("address" not in a for a in registry.tree())


def test_address_of_an_actor_without_one_is_none(registry):
    registry.declare_tree(TREE)
    assert registry.address("root/feed") is None
    assert registry.address("never/declared") is None


def test_address_is_replaced_on_restart(registry):
    registry.set_address("root/oms", FakeAddress("127.0.0.1", 1))
    registry.set_address("root/oms", FakeAddress("127.0.0.1", 2))
    assert registry.address("root/oms") == FakeAddress("127.0.0.1", 2)


def test_events_read_back_in_order_with_their_details(registry):
    registry.declare_tree(TREE)
    registry.event("root/feed", "starting", pid=100, at_ns=1_000)
    registry.event("root/feed", "exited", reason="crashed: boom", abnormal=1)
    registry.event("root", "gave_up", reason="too many restarts", note=None)
    registry.event("root/oms", "running")
    assert registry.events() == [
        {"path": "root/feed", "what": "starting", "pid": "100", "at_ns": "1000"},
        {"path": "root/feed", "what": "exited", "reason": "crashed: boom", "abnormal": "1"},
        {"path": "root", "what": "gave_up", "reason": "too many restarts", "note": ""},
        {"path": "root/oms", "what": "running"},
    ]


def test_an_alert_naming_orders_keeps_them_as_json(registry):
    registry.declare_tree(TREE)
    registry.event("root/oms", "alert", problem="kill_switch_pulled", cancelled=["V1-1", "V1-2"],
                   failed=[{"what": "V1-3", "reason": "filled before its cancel"}])
    [event] = registry.events()
    assert json.loads(event["cancelled"]) == ["V1-1", "V1-2"]
    assert json.loads(event["failed"]) == [{"what": "V1-3", "reason": "filled before its cancel"}]


def test_many_events_stay_in_order(registry):
    for i in range(300):
        registry.event(f"root/w{i % 3}", "tick", n=i)
    assert [int(e["n"]) for e in registry.events()] == list(range(300))


def test_outcome_is_none_until_recorded_and_the_last_one_wins(registry):
    assert registry.outcome() is None
    registry.record_outcome("root: 4 failures within 5 s exceed intensity 3")
    assert registry.outcome() == "root: 4 failures within 5 s exceed intensity 3"
    registry.record_outcome("stopped by operator")
    assert registry.outcome() == "stopped by operator"


def test_namespaces_are_isolated(redis_client):
    one, two = Registry(redis_client, "run1"), Registry(redis_client, "run2")
    one.declare_tree(TREE)
    two.declare_tree(TREE[:1])
    one.update("root", state="running")
    one.event("root", "running")
    one.record_outcome("done")
    one.set_address("root", FakeAddress("h", 1))

    assert [a["path"] for a in two.tree()] == ["root"]
    assert two.get("root")["state"] == "stopped"
    assert two.events() == []
    assert two.outcome() is None
    assert two.address("root") is None

    two.declare_tree(TREE)  # a reset of run2 must not touch run1
    assert one.get("root")["state"] == "running"
    assert one.events() == [{"path": "root", "what": "running"}]
    assert one.outcome() == "done"
