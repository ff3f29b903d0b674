"""The risk gateway inside the OMS, on the order path, with the venue's matching engine, a broker session
and a strategy in one process on a simulated clock: a denied order is recorded as rejected with its
reason and never reaches the venue; the gateway prices orders off the market data handed to the OMS, and
without a fresh quote it denies (fail closed)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.inprocess_run import InProcessRun
from tests.support.topologies import desk as desk_topology
from vigil.errors import VigilError
from vocabulary.oms import GetOrders
from vocabulary.orders import OrderDenied, ReplaceOrder, SubmitOrder

STRATEGY = "mean-rev"


def topology(strategy_limits: str = "{}") -> str:
    return desk_topology(oms=f"""
        feed: feed
        risk:
          market: {{max_quote_age_s: 2}}
          strategies:
            manual: {{max_order_qty: 200000, collar_bps: 50}}
            {STRATEGY}: {strategy_limits}
        """, children=f"""
        - id: {STRATEGY}
          start: actors.strategy.host:StrategyHost
          config: {{strategy: "strategies.mean_reversion:MeanReversion", params: {{window: 10, entry_bps: 0.2}},
                   symbols: [EURUSD], book: mr}}
        """)


def start(tmp_path, strategy_limits: str = "{}") -> InProcessRun:
    run = InProcessRun(tmp_path / "desk", topology(strategy_limits)).start()
    run.desk.advance(1.0)  # logons, reconciliation, the strategy's first sync
    return run


@pytest.fixture
def desk(tmp_path):
    run = start(tmp_path)
    run.market_data("oms")
    return run


def order(qty: int, price: str | None = "1.10000", ord_type: str = "limit") -> SubmitOrder:
    return SubmitOrder("EURUSD", "buy", str(qty), price, ord_type, "DAY")


def rows(run: InProcessRun, **match) -> list[dict]:
    return [r for r in run.desk.ask("oms", GetOrders()).rows if all(r[k] == v for k, v in match.items())]


def at_the_venue(run: InProcessRun) -> set[str]:
    """The ClOrdIDs the venue has had a NewOrderSingle for."""
    return {cl_ord_id for _, cl_ord_id, _ in run.desk.component("venue").core.arrivals}


def test_an_order_just_inside_the_quantity_limit_goes_and_one_just_outside_is_denied_and_listed(desk):
    inside = desk.client.ask("oms", order(200000)).cl_ord_id
    with pytest.raises(VigilError, match=r"denied: max_order_qty: 200001 > 200000 for manual EURUSD"):
        desk.client.ask("oms", order(200001))
    desk.desk.run()
    [denied] = rows(desk, status="Rejected")
    assert denied["reason"] == "rejected: denied: max_order_qty: 200001 > 200000 for manual EURUSD"
    assert Decimal(denied["qty"]) == 200001 and not denied["is_open"]
    venue = at_the_venue(desk)
    assert inside in venue and denied["cl_ord_id"] not in venue
    assert desk.desk.component("oms").risk.denial_counts()["total"] == {"max_order_qty": 1}


def test_a_limit_price_far_from_the_market_is_denied_as_a_fat_finger(desk):
    with pytest.raises(VigilError, match=r"denied: price_collar: 1\.2 is \d+\.\d bps from the mid"):
        desk.client.ask("oms", order(1000, "1.20000"))
    assert desk.client.ask("oms", order(1000, "1.10100")).cl_ord_id


def test_without_a_fresh_quote_the_gateway_denies(tmp_path):
    run = start(tmp_path)  # the OMS has been handed no market data
    with pytest.raises(VigilError, match="denied: no_price: no quote for EURUSD"):
        run.client.ask("oms", order(1000))
    run.market_data("oms")
    assert run.client.ask("oms", order(1000)).cl_ord_id
    run.desk.advance(2.5)  # the venue quotes on, but the OMS hears nothing of it
    with pytest.raises(VigilError, match=r"denied: stale_price: the EURUSD quote is 2\.\d+ s old > 2 s"):
        run.client.ask("oms", order(1000))


def test_a_denied_replace_leaves_the_order_as_it_was(desk):
    cl_ord_id = desk.client.ask("oms", order(1000, "1.09600")).cl_ord_id
    desk.desk.advance(0.5)
    with pytest.raises(VigilError, match=f"replace of {cl_ord_id} denied: max_order_qty: 300000 > 200000"):
        desk.client.ask("oms", ReplaceOrder(cl_ord_id, qty="300000"))
    [row] = rows(desk, cl_ord_id=cl_ord_id)
    assert (row["status"], Decimal(row["qty"])) == ("New", 1000)


def test_a_strategys_denied_orders_reach_it_as_rejected_updates_and_are_not_sent_again(tmp_path):
    run = start(tmp_path, "{max_order_qty: 500}")  # below the strategy's clip: every order is denied
    host = run.desk.component(STRATEGY)
    seen, on_order = [], host.strategy.on_order
    host.strategy.on_order = lambda update: (seen.append(update), on_order(update))
    for _ in range(200):
        run.desk.advance(0.05)
        run.market_data(STRATEGY)
        run.market_data("oms")
        if len(seen) >= 2:
            break
    assert len(seen) >= 2, "the strategy tried to trade"
    assert all(u.status == "Rejected" and u.reason.startswith("rejected: denied: max_order_qty: ") for u in seen), seen
    run.desk.advance(5)  # resyncs: a denied order is an order the OMS has, not an intent to send again
    denied = rows(run, strategy=STRATEGY)
    assert len(denied) == len({r["client_id"] for r in denied}) >= 2
    assert all(r["status"] == "Rejected" for r in denied)
    assert not host.intents
    counts = run.desk.component("oms").risk.denial_counts()["strategies"][STRATEGY]
    assert counts == {"max_order_qty": len(denied)}


def test_a_denied_order_sent_again_under_its_id_is_denied_again_and_stays_one_order(desk):
    again = SubmitOrder("EURUSD", "buy", "200001", "1.10000", "limit", "DAY", client_id="sig-1")
    first = desk.client.ask("oms", again)
    second = desk.client.ask("oms", again)  # a signal intake restarted before it heard the answer
    assert isinstance(first, OrderDenied) and isinstance(second, OrderDenied)
    assert first.reason == "denied: max_order_qty: 200001 > 200000 for manual EURUSD"
    assert second.reason == "rejected: " + first.reason
    assert len(rows(desk, client_id="sig-1")) == 1
