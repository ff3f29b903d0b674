"""Orders in flight count against the limits from the moment they are in the blotter (before any venue
answer), replaces are checked on their new terms with the old quantity no longer counting, and cancels
always pass (but count toward the message rate)."""
from __future__ import annotations

from tests.unit.actors.oms.risk.risk_support import Desk

LIMIT = {"strategies": {"mean-rev": {"max_position": 300_000}}}


def working(desk: Desk, strategy: str = "mean-rev") -> tuple[float, float, float]:
    cell = desk.gw.agg.groups[("strategy", strategy)].cells["EURUSD"]
    return cell.pos, cell.buy, cell.sell


def test_an_order_counts_as_soon_as_it_is_accepted_before_the_venue_answers():
    desk = Desk(LIMIT)
    desk.submit(qty=200_000)  # PendingNew: no ack yet
    assert working(desk) == (0, 200_000, 0)
    assert desk.check(qty=100_001).reason == "max_position"
    assert desk.check(qty=100_000)


def test_a_partly_filled_order_counts_its_fills_as_position_and_its_leaves_as_working():
    desk = Desk(LIMIT)
    order = desk.submit(qty=200_000)
    desk.ack(order)
    desk.fill(order, 50_000, 1.1)
    assert working(desk) == (50_000, 150_000, 0)
    assert desk.check(qty=100_001).reason == "max_position"
    desk.fill(order, 150_000, 1.1)
    assert working(desk) == (200_000, 0, 0)


def test_a_cancelled_or_rejected_order_no_longer_counts_but_a_pending_cancel_does():
    desk = Desk(LIMIT)
    order = desk.submit(qty=200_000)
    desk.ack(order)
    request = desk.request_cancel(order)
    assert working(desk) == (0, 200_000, 0)  # until the venue says it is cancelled, it may still fill
    desk.cancelled(order, request)
    assert working(desk) == (0, 0, 0)
    assert desk.check(qty=300_000)


def test_a_replace_is_checked_on_its_new_terms_the_old_quantity_no_longer_counting():
    desk = Desk(LIMIT)
    order = desk.submit(qty=200_000)
    desk.ack(order)
    assert not desk.check(qty=300_000)  # a new order of 300000 would be too much with this one working
    assert desk.replace_check(order, qty=300_000)  # but this one replaced to 300000 is not
    denied = desk.replace_check(order, qty=300_001)
    assert denied.message == ("max_position: 300001 > 300000 for mean-rev EURUSD (position 0, working 200000, this "
                              "100001)")


def test_a_replace_of_a_partly_filled_order_counts_what_would_be_left():
    desk = Desk(LIMIT)
    order = desk.submit(qty=200_000)
    desk.ack(order)
    desk.fill(order, 100_000, 1.1)
    assert desk.replace_check(order, qty=300_000)  # 100000 filled + 200000 working
    assert desk.replace_check(order, qty=300_001).reason == "max_position"


def test_a_replace_is_checked_against_every_limit_like_a_new_order():
    desk = Desk({"strategies": {"mean-rev": {"max_order_qty": 250_000, "collar_bps": 50}}})
    order = desk.submit(qty=200_000)
    desk.ack(order)
    assert desk.replace_check(order, qty=250_001).message == "max_order_qty: 250001 > 250000 for mean-rev EURUSD"
    assert desk.replace_check(order, price=1.2).reason == "price_collar"
    assert desk.replace_check(order, price=1.1002)


def test_while_a_replace_is_pending_the_larger_of_the_old_and_new_terms_counts():
    desk = Desk(LIMIT)
    order = desk.submit(qty=200_000)
    desk.ack(order)
    request = desk.request_replace(order, qty=100_000)
    assert working(desk) == (0, 200_000, 0)  # the old terms may still fill before the venue replaces
    desk.replaced(order, request, 100_000)
    assert working(desk) == (0, 100_000, 0)
    request = desk.request_replace(order, qty=250_000)
    assert working(desk) == (0, 250_000, 0)
    desk.replace_refused(order, request)
    assert working(desk) == (0, 100_000, 0)


def test_a_sell_counts_on_the_short_side_and_orders_on_both_sides_do_not_net():
    desk = Desk(LIMIT)
    desk.submit(qty=200_000)
    desk.submit(side="sell", qty=250_000)
    assert working(desk) == (0, 200_000, 250_000)
    assert desk.check(qty=100_000)  # long 300000 if every buy fills
    assert desk.check(side="sell", qty=50_001).reason == "max_position"  # short 300001 if every sell does


def test_cancels_always_pass_even_halted_and_over_every_limit():
    desk = Desk({"strategies": {"mean-rev": {"max_position": 1, "message_rate": {"max": 100, "window_s": 1}}}})
    desk.submit(qty=200_000, check=False)
    desk.persist(desk.gw.set_state("global", None, "HALTED", reason="kill switch", by="ops"))
    assert desk.cancel_check()
    assert desk.check().reason == "halted"


def test_cancels_count_toward_the_message_rate():
    desk = Desk({"strategies": {"mean-rev": {"message_rate": {"max": 3, "window_s": 1}}}})
    for _ in range(3):
        assert desk.cancel_check()
    decision = desk.cancel_check()
    assert decision.allowed  # the cancel still goes
    assert [e["state"] for e in decision.events] == ["HALTED"]  # but the strategy is halted
    assert desk.check().reason == "halted"

