"""The pager's outbox: nothing dropped whatever the service answers, a back-off that grows, the service's rate
respected, a newer trigger of one incident replacing the waiting one, and all of it rebuilt from a snapshot."""
from __future__ import annotations

from actors.pager.outbox import MAX_BACKOFF_S, Outbox, Page


def page(key: str, at: float = 0.0, action: str = "trigger", summary: str = "s") -> Page:
    return Page(key, action, summary, "error", "root/oms", "runbooks/x.md", {}, at)


def test_a_failed_page_waits_longer_each_time_and_is_never_dropped():
    box = Outbox(rate_per_min=100)
    box.add(page("k"))
    waits = []
    now = 0.0
    for _ in range(10):
        due = box.due(now)
        assert due is not None and due.dedup_key == "k"
        box.sending(now)
        box.failed("k", "trigger", "HTTP 503", now)
        waits.append(box.waiting[("k", "trigger")].next_try - now)
        now = box.waiting[("k", "trigger")].next_try
        assert box.due(now - 0.001) is None  # not before its time
    assert waits[:4] == [1.0, 2.0, 4.0, 8.0] and max(waits) == MAX_BACKOFF_S
    box.delivered_now("k", "trigger", now)
    [sent] = box.rows()
    assert sent["attempts"] == 11 and sent["delivered_at"] == now and sent["last_error"] == "HTTP 503"


def test_no_more_than_the_rate_goes_in_any_minute():
    box = Outbox(rate_per_min=3)
    for i in range(5):
        box.add(page(f"k{i}"))
    sent = []
    for second in range(0, 130):
        due = box.due(float(second))
        if due is not None:
            box.sending(float(second))
            box.delivered_now(due.dedup_key, due.action, float(second))
            sent.append(second)
    assert sent == [0, 1, 2, 60, 61]


def test_a_newer_trigger_of_one_incident_replaces_the_waiting_one_and_order_is_kept():
    box = Outbox(rate_per_min=100)
    box.add(page("a", summary="first"))
    box.add(page("b"))
    box.add(page("a", summary="newer"))
    assert [(p.dedup_key, p.summary) for p in box.waiting.values()] == [("b", "s"), ("a", "newer")]
    box.add(page("a", action="resolve"))
    assert len(box.waiting) == 3  # a resolve is its own page


def test_the_outbox_comes_back_from_its_snapshot():
    box = Outbox(rate_per_min=100)
    box.add(page("a"))
    box.add(page("b"))
    box.failed("a", "trigger", "HTTP 429", 5.0)
    box.delivered_now("b", "trigger", 6.0)
    again = Outbox(rate_per_min=100)
    again.restore(box.to_dict())
    assert again.rows() == box.rows() and again.waiting[("a", "trigger")].next_try == 6.0
