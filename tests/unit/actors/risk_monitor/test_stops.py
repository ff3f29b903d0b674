"""Stop-losses per strategy: the loss today just inside and just outside the stop, once a day, and a new day
starting again from the P&L at its roll."""
from __future__ import annotations

from actors.risk_monitor.stops import DAY_NS, STOP_LOSS, StopLosses

T0 = 20_000 * DAY_NS + 3_600 * 10**9  # 01:00 on some day


def started(limits=None, default=None) -> StopLosses:
    stops = StopLosses({"mr": 100.0} if limits is None else limits, default)
    stops.apply(stops.roll_if_due(T0, {"mr": 50.0}))  # the day starts with mr 50 up
    return stops


def run(stops: StopLosses, strategy: str, total: float, realized: float, at: int = T0) -> list[dict]:
    events = stops.check(strategy, total, realized, at)
    for event in events:
        stops.apply(event)
    return [e for e in events if e["event"] == STOP_LOSS]


def test_a_loss_just_inside_the_stop_does_nothing_and_just_outside_stops_once():
    stops = started()
    assert run(stops, "mr", -50.0, 0.0) == []  # 100 lost today: at the stop, not beyond
    [stop] = run(stops, "mr", -50.01, 0.0)
    assert stop["strategy"] == "mr" and round(stop["loss"], 2) == 100.01 and stop["limit"] == 100.0
    assert stops.reason(stop) == "stop_loss: lost 100.01 today > 100 for mr"
    assert run(stops, "mr", -500.0, 0.0) == []  # once a day


def test_a_strategy_first_seen_in_the_day_starts_from_its_realised_pnl():
    stops = started(default=10.0)
    assert run(stops, "new", -9.0, 1.0) == []  # holds 10 of loss against its realised 1: at the stop
    assert stops.baselines["new"] == 1.0
    assert run(stops, "new", -9.5, 1.0) != []


def test_a_new_day_starts_again_from_its_roll():
    stops = started()
    assert run(stops, "mr", -60.0, 0.0) != []
    next_day = T0 + DAY_NS
    roll = stops.roll_if_due(next_day, {"mr": -60.0})
    stops.apply(roll)
    assert stops.stopped == {} and stops.baselines == {"mr": -60.0}
    assert run(stops, "mr", -150.0, 0.0, next_day) == []
    assert run(stops, "mr", -160.5, 0.0, next_day) != []


def test_no_stop_configured_means_none():
    stops = started(limits={}, default=None)
    assert run(stops, "mr", -1e9, 0.0) == []
