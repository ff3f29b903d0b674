"""A strategy, the OMS, a broker session and the venue's matching engine in one process on a simulated
clock (vigil.inprocess): the strategy trades against the venue's flow, its positions agree with the
OMS's, and a host killed mid-order never sends an order twice. The seed of backtests."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.inprocess_run import InProcessRun
from tests.support.topologies import desk as desk_topology
from vocabulary.oms import GetOrders, GetPositions
from vocabulary.venue import VenueCommand

STRATEGY = "mean-rev"


def topology(strategy: str = "strategies.mean_reversion:MeanReversion", params: str = "{window: 10, entry_bps: 0.2}",
             ) -> str:
    return desk_topology(oms="symbols: [EURUSD, GBPUSD, USDJPY, ACME]", children=f"""
        - id: {STRATEGY}
          start: actors.strategy.host:StrategyHost
          config: {{strategy: "{strategy}", params: {params}, symbols: [EURUSD], book: mr}}
        """)


@pytest.fixture
def desk(tmp_path):
    run = InProcessRun(tmp_path / "desk", topology()).start()
    run.desk.advance(1.0)  # logons, reconciliation, the strategy's first sync
    return run


def trade_for(run: InProcessRun, seconds: float, step: float = 0.05) -> None:
    for _ in range(round(seconds / step)):
        run.desk.advance(step)
        run.market_data(STRATEGY)


def orders_of(run: InProcessRun) -> list[dict]:
    return [r for r in run.desk.ask("oms", GetOrders()).rows if r["strategy"] == STRATEGY]


def test_the_strategy_trades_against_the_venue_and_its_positions_agree_with_the_oms(desk):
    trade_for(desk, 20)
    orders = orders_of(desk)
    assert len(orders) >= 5, orders
    assert all(r["account"] == "mr" and r["client_id"].startswith(f"{STRATEGY}-") for r in orders)
    assert len({r["client_id"] for r in orders}) == len(orders)  # one order per client id
    filled = [r for r in orders if Decimal(r["cum_qty"]) > 0]
    assert filled, "the strategy's IOC orders at the touch took liquidity"
    host = desk.desk.component(STRATEGY)
    oms_position = {p["symbol"]: Decimal(p["qty"]) for p in desk.desk.ask("oms", GetPositions()).rows
                    if p["strategy"] == STRATEGY}
    signed = sum((Decimal(r["cum_qty"]) * (1 if r["side"] == "Buy" else -1) for r in orders), Decimal(0))
    assert host.positions.get("EURUSD", Decimal(0)) == oms_position.get("EURUSD", Decimal(0)) == signed
    assert abs(signed) <= 5000  # the strategy's position cap


def test_a_host_killed_after_logging_an_order_sends_it_once_when_it_restarts(desk):
    host = desk.desk.component(STRATEGY)
    client_id = f"{STRATEGY}-{host.next_id}"
    host.persist({"event": "intent", "client_id": client_id, "n": host.next_id, "symbol": "EURUSD", "side": "buy",
                  "qty": "1000", "price": "1.00000", "ord_type": "limit", "tif": "DAY"})  # logged, never sent
    desk.desk.kill(STRATEGY)
    assert not [r for r in orders_of(desk) if r["client_id"] == client_id]
    desk.desk.restart(STRATEGY)
    desk.desk.advance(5)  # resyncs on the way send nothing twice either
    [order] = [r for r in orders_of(desk) if r["client_id"] == client_id]
    assert order["status"] == "New"
    arrived = [c for _, c, _ in desk.desk.component("venue").core.arrivals if c == order["cl_ord_id"]]
    assert arrived == [order["cl_ord_id"]]  # once at the venue


def test_a_host_killed_between_sending_and_the_ack_does_not_send_again(desk):
    venue = desk.desk.component("venue").core
    desk.desk.ask("venue", VenueCommand("hold_requests", {"comp_id": "VIGIL_A"}))
    host = desk.desk.component(STRATEGY)
    client_id = host.submit("EURUSD", "buy", 1000, Decimal("1.00000"), "limit", "DAY")
    desk.desk.run()
    orders_before = venue.counts["orders"]
    desk.desk.kill(STRATEGY)  # the order is at the OMS, sent on, not acknowledged
    desk.desk.restart(STRATEGY)
    desk.desk.advance(5)
    desk.desk.ask("venue", VenueCommand("release_requests", {"comp_id": "VIGIL_A"}))
    desk.desk.advance(1)
    assert venue.counts["orders"] == orders_before + 1  # the venue had one NewOrderSingle for it
    [order] = [r for r in orders_of(desk) if r["client_id"] == client_id]
    assert order["status"] == "New"
    assert desk.desk.component(STRATEGY).orders[client_id].status == "New"


def test_an_order_the_oms_refuses_reaches_the_strategy_as_rejected(desk):
    host = desk.desk.component(STRATEGY)
    seen = []
    host.strategy.on_order = seen.append
    client_id = host.submit("EURUSD", "buy", 1000, Decimal("-1"), "limit", "DAY")
    desk.desk.run()
    [update] = seen
    assert (update.client_id, update.status, update.is_open) == (client_id, "Rejected", False)
    assert update.reason == "denied: price must be positive, got -1.00000"
    assert not [r for r in orders_of(desk) if r["client_id"] == client_id]


def test_a_resync_does_not_fetch_the_whole_book_again_but_a_restarted_oms_sends_it(desk):
    trade_for(desk, 1.0)
    host = desk.desk.component(STRATEGY)
    assert not host.intents
    synced, sync = [], host._sync
    host._sync = lambda book: (synced.append(book), sync(book))
    desk.desk.advance(4.5)  # two keepalives: the OMS knows its watcher
    assert synced == []
    desk.desk.restart("oms")  # it has forgotten its watchers; the next keepalive gets the book
    desk.desk.advance(2.5)
    [book] = synced
    assert {u.client_id for u in book.orders} == set(host.orders)


@pytest.mark.parametrize("strategy, params", [
    ("strategies.mean_reversion:MeanReversion", "{window: 10, entry_bps: 0.2}"),
    ("strategies.momentum:EmaCross", "{fast: 3, slow: 8}"),
], ids=["mean-reversion", "momentum"])
def test_an_operators_flatten_of_its_book_reaches_the_strategy_without_harm(tmp_path, strategy, params):
    from vocabulary.controls import Flatten

    run = InProcessRun(tmp_path / "desk", topology(strategy, params)).start()
    run.desk.advance(1.0)
    trade_for(run, 20)
    host = run.desk.component(STRATEGY)
    assert host.positions.get("EURUSD"), "the strategy holds a position to flatten"
    done = run.desk.ask("oms", Flatten("mr", "drill", "ops"))
    assert done.sent and not done.failed, done  # a closing order in the strategy's book, with no client id
    run.desk.advance(0.5)
    assert host.positions.get("EURUSD", Decimal(0)) == 0
    assert run.desk.component(STRATEGY) is host and host.state.value == "running"  # not restarted
    sent = host.next_id
    trade_for(run, 10)
    assert host.next_id > sent  # and it trades on
