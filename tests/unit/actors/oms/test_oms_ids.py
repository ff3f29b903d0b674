"""ClOrdIDs unique across restarts, pure given the persisted state."""
from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actors.oms import ClOrdIdGenerator


def test_ids_need_an_epoch_and_then_count_up():
    gen = ClOrdIdGenerator("VG")
    with pytest.raises(RuntimeError, match="begin_epoch"):
        gen.next()
    event = gen.begin_epoch()
    assert event == {"event": "id_epoch_started", "prefix": "VG", "epoch": 1}
    assert [gen.next() for _ in range(3)] == ["VG1-1", "VG1-2", "VG1-3"]


def test_the_floor_keeps_a_wiped_store_from_reusing_old_epochs():
    gen = ClOrdIdGenerator("VG")
    gen.begin_epoch(floor=1_700_000_000)
    assert gen.epoch == 1_700_000_000 and gen.next().startswith("VGS4")
    gen.begin_epoch(floor=5)  # a clock behind the stored epoch never goes backwards
    assert gen.epoch == 1_700_000_001


def test_ids_stay_short_enough_for_venues():
    gen = ClOrdIdGenerator("VG", epoch=2_000_000_000, counter=10**7)
    assert len(gen.next()) <= 20


def test_a_restart_that_lost_the_log_tail_never_reuses_an_id():
    gen = ClOrdIdGenerator("VG")
    log = [gen.begin_epoch()]
    issued = [gen.next() for _ in range(5)]
    log += [{"event": "order_created", "cl_ord_id": cl} for cl in issued[:3]]  # last two never logged
    snapshot = json.loads(json.dumps(ClOrdIdGenerator("VG").to_dict()))
    restarted = ClOrdIdGenerator.from_dict(snapshot)
    for event in log:
        restarted.apply(event) if event["event"] == "id_epoch_started" else restarted.observe(event["cl_ord_id"])
    assert restarted.counter == 3
    restarted.begin_epoch()
    assert not set(issued) & {restarted.next() for _ in range(10)}


def test_replaying_an_epoch_event_twice_is_harmless_and_other_prefixes_ignored():
    gen = ClOrdIdGenerator("VG")
    event = gen.begin_epoch()
    gen.next()
    assert not gen.apply(event) and gen.counter == 1
    assert not gen.apply({"event": "id_epoch_started", "prefix": "XX", "epoch": 99})
    gen.observe("XX1-ZZ")
    gen.observe("VG1-not-base36!")
    assert gen.counter == 1


def test_state_round_trips_through_json():
    gen = ClOrdIdGenerator("OMS7", epoch=42, counter=17)
    again = ClOrdIdGenerator.from_dict(json.loads(json.dumps(gen.to_dict())))
    assert again.next() == gen.next() == "OMS716-I"


@pytest.mark.parametrize("prefix", ["", "a-b", "sp ace"])
def test_prefix_must_be_alphanumeric(prefix):
    with pytest.raises(ValueError):
        ClOrdIdGenerator(prefix)


@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=8))
def test_ids_are_unique_across_any_sequence_of_restarts(runs):
    """Each run issues some ids and logs only some of them; every restart recovers from the log."""
    log: list[dict] = []
    seen: set[str] = set()
    for issued, logged in runs:
        gen = ClOrdIdGenerator("VG")
        for event in log:
            gen.apply(event) if event["event"] == "id_epoch_started" else gen.observe(event["cl_ord_id"])
        log.append(gen.begin_epoch())
        ids = [gen.next() for _ in range(issued)]
        assert not seen & set(ids)
        seen |= set(ids)
        log += [{"event": "order_created", "cl_ord_id": cl} for cl in ids[:logged]]
