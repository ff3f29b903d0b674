"""The risk monitor with the OMS, a FIX session and the venue's matching engine in one process on a simulated
clock: positions marked to the market, a stop-loss breach that cancels the strategy's resting orders, closes
its position and puts it in REDUCING (checked at the venue), a stop just inside that does nothing, VaR
figures that reach the gateway, and a stop made once across a restart of the monitor."""
from __future__ import annotations

from tests.support.inprocess_run import InProcessRun
from tests.support.topologies import desk as desk_topology
from vocabulary.controls import GetStrategies, SetTradingState
from vocabulary.orders import CancelOrder, SubmitOrder
from vocabulary.risk import GetRiskFigures

OWNER = "FIX.4.4:VENUE->VIGIL_A"


def topology(stop: float) -> str:
    return desk_topology(flow_seed=9, oms="""
        feed: feed
        control_settle_s: 3
        risk: {market: {max_quote_age_s: 30}}
        """, children=f"""
        - id: risk
          start: actors.risk_monitor.monitor:RiskMonitor
          config:
            stop_loss: {{alpha: {stop}}}
            var: {{sample_s: 0.1, window: 50}}
            var_every_s: 0.5
        """)


def desk(tmp_path, stop: float) -> InProcessRun:
    run = InProcessRun(tmp_path / "desk", topology(stop)).start()
    run.desk.advance(1.0)
    feed(run)
    return run


def feed(run: InProcessRun) -> None:
    run.market_data("oms")
    run.market_data("risk")


def hold_and_rest(run: InProcessRun) -> str:
    """alpha rests a bid far below, then buys 3000 at the far touch (paying the spread: a loss at the mid at
    once)."""
    resting = run.client.ask("oms", SubmitOrder("EURUSD", "buy", "1000", "1.09000", "limit", "DAY",
                                                strategy="alpha", account="book-a")).cl_ord_id
    run.desk.advance(0.1)
    run.client.ask("oms", SubmitOrder("EURUSD", "buy", "3000", "1.12000", "limit", "IOC", strategy="alpha",
                                      account="book-a"))
    return resting


def venue(run: InProcessRun):
    return run.desk.component("venue").core.exchange


def step(run: InProcessRun, seconds: float) -> None:
    for _ in range(round(seconds / 0.05)):
        run.desk.advance(0.05)
        feed(run)


def test_a_stop_loss_breach_cancels_closes_and_puts_the_strategy_in_reducing(tmp_path):
    run = desk(tmp_path, stop=0.01)  # the spread alone is a bigger loss
    hold_and_rest(run)
    step(run, 0.5)
    [alert] = run.desk.alerts("stop_loss_hit")
    assert alert["strategy"] == "alpha" and alert["reason"].startswith("stop_loss: lost ")
    assert venue(run).open_orders(OWNER) == [] and venue(run).net_bought(OWNER) == {"EURUSD": 0}
    [alpha] = [r for r in run.desk.ask("oms", GetStrategies()).rows if r["name"] == "alpha"]
    assert alpha["state"] == "REDUCING" and alpha["state_reason"].startswith("stop_loss: lost ")
    [row] = run.desk.ask("risk", GetRiskFigures()).strategies
    assert row["stopped"] and row["realized"] < 0

    run.desk.restart("risk")  # the stop was made: a restarted monitor does not make it again today
    run.desk.advance(0.5)
    run.desk.ask("oms", SetTradingState("strategy", "alpha", "ACTIVE", "reviewed", "alice"))
    hold_and_rest(run)
    step(run, 0.5)
    assert len(run.desk.alerts("stop_loss_hit")) == 1


def test_a_stop_not_reached_does_nothing_and_the_books_var_reaches_the_gateway(tmp_path):
    run = desk(tmp_path, stop=1000)
    resting = hold_and_rest(run)
    step(run, 4.0)  # enough price samples for a VaR figure
    assert venue(run).net_bought(OWNER)["EURUSD"] == 3000
    assert run.desk.alerts("stop_loss_hit") == []
    assert [o.cl_ord_id for o in venue(run).open_orders(OWNER)] == [resting]
    figures = run.desk.ask("risk", GetRiskFigures())
    [book] = figures.books
    assert book["book"] == "book-a" and book["var"] is not None and book["var"] > 0
    [strategy] = figures.strategies
    assert strategy["unrealized"] is not None and strategy["stopped"] is False
    var, at_ns = run.desk.component("oms").risk.var["book-a"]
    assert round(var, 2) == book["var"]


def test_surveillance_raises_an_alert_naming_the_orders_of_a_scripted_layering_pattern(tmp_path):
    run = InProcessRun(tmp_path / "desk", desk_topology(flow_seed=9, oms="""
        feed: feed
        risk: {market: {max_quote_age_s: 30}}
        """, children="""
        - id: risk
          start: actors.risk_monitor.monitor:RiskMonitor
          config: {surveillance: {layering: {min_orders: 3, size_ratio: 5, around_s: 2}}}
        """)).start()
    run.desk.advance(1.0)
    feed(run)

    def order(side: str, qty: int, price: str, tif: str = "DAY") -> str:
        return run.client.ask("oms", SubmitOrder("EURUSD", side, str(qty), price, "limit", tif, strategy="spoof",
                                                 account="s")).cl_ord_id

    layers = [order("sell", 50_000, px) for px in ("1.10500", "1.10600", "1.10700")]  # large, far, one side
    run.desk.advance(0.2)
    order("buy", 1000, "1.12000", "IOC")  # the small execution on the other side
    run.desk.advance(0.2)
    for cl_ord_id in layers:
        run.client.ask("oms", CancelOrder(cl_ord_id))
    step(run, 0.5)
    [flag] = run.desk.alerts("surveillance_flag")
    assert flag["pattern"] == "layering" and flag["strategy"] == "spoof" and sorted(flag["orders"]) == sorted(layers)
    [row] = run.desk.ask("risk", GetRiskFigures()).surveillance
    assert row["strategy"] == "spoof" and row["flags"] == 1
