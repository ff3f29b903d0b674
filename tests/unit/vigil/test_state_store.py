"""Actor state in a real Redis: sequence-numbered events, snapshots that replace them, recovery."""

from __future__ import annotations

import itertools

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigil.state_store import Recovered, StateStore


@pytest.fixture
def store(redis_client):
    return StateStore(redis_client, "run1", "root/oms")


def replay_sum(recovered: Recovered) -> int:
    return (recovered.snapshot or 0) + sum(event for _, event in recovered.events)


def test_a_fresh_store_loads_nothing(store):
    rec = store.load()
    assert rec == Recovered(None, 0, ())
    assert rec.last_seq == 0
    assert store.log_length() == 0


def test_append_returns_consecutive_sequence_numbers_from_one(store):
    assert [store.append({"n": i}) for i in range(5)] == [1, 2, 3, 4, 5]
    assert store.log_length() == 5


def test_load_returns_events_in_order_with_their_sequence_numbers(store):
    events = [{"type": "NewOrder", "id": "A1", "qty": 100},
              {"type": "Fill", "id": "A1", "qty": 40, "px": 1.12345},
              ["nested", {"ok": True, "none": None}],
              "plain text",
              7]
    for event in events:
        store.append(event)
    rec = store.load()
    assert rec.snapshot is None and rec.snapshot_seq == 0
    assert rec.events == tuple(zip(range(1, 6), events))
    assert rec.last_seq == 5


def test_many_events_keep_numeric_order(store):
    # Past 9 and 99: stream ids must sort as numbers, not as text.
    for i in range(1, 151):
        store.append(i)
    rec = store.load()
    assert [seq for seq, _ in rec.events] == list(range(1, 151))
    assert [e for _, e in rec.events] == list(range(1, 151))


def test_snapshot_drops_covered_events_and_load_returns_snapshot_plus_later_events(store):
    for i in range(1, 6):
        store.append({"add": i})
    store.snapshot({"total": 6}, 3)
    assert store.log_length() == 2
    rec = store.load()
    assert rec.snapshot == {"total": 6}
    assert rec.snapshot_seq == 3
    assert rec.events == ((4, {"add": 4}), (5, {"add": 5}))
    assert rec.last_seq == 5


def test_snapshot_of_everything_leaves_an_empty_log(store):
    for i in range(4):
        store.append(i)
    store.snapshot("state", 4)
    rec = store.load()
    assert store.log_length() == 0
    assert rec == Recovered("state", 4, ())
    assert rec.last_seq == 4


def test_a_later_snapshot_replaces_the_earlier_one(store):
    for i in range(6):
        store.append(i)
    store.snapshot("first", 2)
    store.snapshot("second", 5)
    rec = store.load()
    assert rec.snapshot == "second" and rec.snapshot_seq == 5
    assert rec.events == ((6, 5),)


def test_sequence_numbers_keep_increasing_after_a_snapshot(store):
    for i in range(3):
        store.append(i)
    store.snapshot("s", 3)
    assert store.append("after") == 4
    assert store.load().events == ((4, "after"),)


def test_sequence_numbers_continue_across_a_restart_on_the_same_keys(redis_client):
    before = StateStore(redis_client, "run1", "root/broker")
    for i in range(3):
        before.append({"i": i})
    before.snapshot({"upto": 2}, 2)

    after = StateStore(redis_client, "run1", "root/broker")  # the actor came back
    rec = after.load()
    assert rec.snapshot == {"upto": 2} and rec.snapshot_seq == 2
    assert rec.events == ((3, {"i": 2}),)
    assert after.append({"i": 3}) == 4
    assert after.load().events == ((3, {"i": 2}), (4, {"i": 3}))


def test_sequence_numbers_continue_across_a_new_client_connection(redis_server):
    first = redis.Redis.from_url(redis_server.url)
    StateStore(first, "ns", "a").append(1)
    first.close()
    second = redis.Redis.from_url(redis_server.url)
    try:
        assert StateStore(second, "ns", "a").append(2) == 2
    finally:
        second.close()


@pytest.mark.parametrize(("ns_a", "path_a", "ns_b", "path_b"), [
    ("run1", "root/oms", "run1", "root/risk"),
    ("run1", "root/oms", "run2", "root/oms"),
    ("run1", "root/oms", "run1", "root/oms/child"),
])
def test_stores_with_different_paths_or_namespaces_are_isolated(redis_client, ns_a, path_a, ns_b, path_b):
    a, b = StateStore(redis_client, ns_a, path_a), StateStore(redis_client, ns_b, path_b)
    assert [a.append(f"a{i}") for i in range(3)] == [1, 2, 3]
    assert b.append("b0") == 1
    a.snapshot("a-snap", 3)
    rec_b = b.load()
    assert rec_b == Recovered(None, 0, ((1, "b0"),))
    assert b.log_length() == 1
    b.clear()
    assert a.load() == Recovered("a-snap", 3, ())
    assert a.append("a3") == 4


def test_clear_forgets_snapshot_events_and_sequence(store, redis_client):
    other = StateStore(redis_client, "run1", "root/risk")
    other.append("keep")
    for i in range(3):
        store.append(i)
    store.snapshot("s", 2)
    store.clear()
    assert store.load() == Recovered(None, 0, ())
    assert store.log_length() == 0
    assert store.append("fresh") == 1
    assert other.load() == Recovered(None, 0, ((1, "keep"),))


def test_appended_event_is_visible_to_another_connection_when_append_returns(store, redis_server):
    seq = store.append({"durable": True})
    reader = redis.Redis.from_url(redis_server.url)
    try:
        assert StateStore(reader, "run1", "root/oms").load().events == ((seq, {"durable": True}),)
    finally:
        reader.close()


_counter = itertools.count()

OPS = st.lists(st.one_of(
    st.tuples(st.just("append"), st.integers(min_value=-1000, max_value=1000)),
    # Snapshot as of some event between the last snapshot and the last append (chosen below).
    st.tuples(st.just("snapshot"), st.integers(min_value=0, max_value=10_000)),
    st.tuples(st.just("restart"), st.just(0)),
), max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_replaying_load_reconstructs_the_value_of_every_append_in_order(redis_client, ops):
    namespace = f"prop{next(_counter)}"  # a fresh key space per example, same server
    store = StateStore(redis_client, namespace, "root/strategy")
    prefix = [0]        # prefix[n] = sum of the first n appended values
    snap_seq = 0
    for op, arg in ops:
        if op == "append":
            assert store.append(arg) == len(prefix)
            prefix.append(prefix[-1] + arg)
        elif op == "snapshot":
            last = len(prefix) - 1
            seq = snap_seq + arg % (last - snap_seq + 1)
            store.snapshot(prefix[seq], seq)
            snap_seq = seq
        else:
            store = StateStore(redis_client, namespace, "root/strategy")
    appends = len(prefix) - 1
    rec = store.load()
    assert replay_sum(rec) == prefix[-1]
    assert rec.last_seq == appends
    assert rec.snapshot_seq == snap_seq
    assert [seq for seq, _ in rec.events] == list(range(snap_seq + 1, appends + 1))
    assert store.log_length() == appends - snap_seq
    store.clear()


def test_snapshot_rows_are_written_as_they_change_and_load_with_the_snapshot(store):
    store.append("a")
    store.snapshot({"n": 1}, 1, {"order:A": {"qty": 10}, "order:B": {"qty": 5}})
    store.append("b")
    store.snapshot({"n": 2}, 2, {"order:A": {"qty": 7}, "order:B": None, "order:C": {"qty": 1}})
    rec = store.load()
    assert rec.snapshot == {"n": 2} and rec.snapshot_seq == 2 and rec.events == ()
    assert rec.rows == {"order:A": {"qty": 7}, "order:C": {"qty": 1}}  # B gone, A updated, C added


def test_staged_events_become_durable_together_at_commit(store, redis_server):
    first = store.stage({"i": 1})
    second = store.stage({"i": 2})
    store.stage_snapshot("upto-1", first, {"row": 1})
    reader = StateStore(redis.Redis.from_url(redis_server.url), "run1", "root/oms")
    assert reader.load() == Recovered(None, 0, ())  # nothing is visible before the commit
    store.commit()
    assert (first, second) == (1, 2)
    assert reader.load() == Recovered("upto-1", 1, ((2, {"i": 2}),), {"row": 1})
    assert store.append({"i": 3}) == 3


def test_a_second_writer_of_the_same_state_fails_instead_of_interleaving(redis_client):
    mine = StateStore(redis_client, "run1", "root/oms")
    mine.load()
    mine.append("mine")
    stale = StateStore(redis_client, "run1", "root/oms")  # e.g. a process that should be dead
    stale.load()
    mine.append("mine again")
    with pytest.raises(RuntimeError, match="root/oms: state written by another process: expected seq 1, found 2"):
        stale.append("stale")
    assert [e for _, e in mine.load().events] == ["mine", "mine again"]
