"""Trading states reach the strategies, in one process on a simulated clock with the venue's matching engine:
a runaway strategy (over its message rate) is HALTED alone by the gateway and its host stops calling it,
while the other strategy trades on; only a person resumes it."""
from __future__ import annotations

from tests.support.inprocess_run import InProcessRun
from tests.support.topologies import desk as desk_topology
from vocabulary.controls import GetStrategies, SetTradingState
from vocabulary.oms import GetOrders

TOPOLOGY = desk_topology(flow_seed=3, oms="risk: {strategy_defaults: {message_rate: {max: 10, window_s: 1}}}", children="""
    - id: runaway
      start: actors.strategy.host:StrategyHost
      config: {strategy: "tests.support.testbed_actors:Runaway", symbols: [EURUSD], book: r}
    - id: mean-rev
      start: actors.strategy.host:StrategyHost
      config: {strategy: "strategies.mean_reversion:MeanReversion", params: {window: 10, entry_bps: 0.2},
               symbols: [EURUSD], book: mr}
    """)


def trade_for(run: InProcessRun, seconds: float, step: float = 0.05) -> None:
    for _ in range(round(seconds / step)):
        run.desk.advance(step)
        run.market_data("runaway")
        run.market_data("mean-rev")


def orders_of(run: InProcessRun, strategy: str) -> list[dict]:
    return [r for r in run.desk.ask("oms", GetOrders()).rows if r["strategy"] == strategy]


def state_of(run: InProcessRun, strategy: str) -> dict:
    [row] = [r for r in run.desk.ask("oms", GetStrategies()).rows if r["name"] == strategy]
    return row


def test_a_runaway_strategy_is_halted_alone_and_stays_halted_until_a_person_resumes_it(tmp_path):
    run = InProcessRun(tmp_path / "desk", TOPOLOGY).start()
    run.desk.advance(1.0)
    runaway = run.desk.component("runaway")
    trade_for(run, 2.0)
    row = state_of(run, "runaway")
    assert row["state"] == "HALTED" and row["state_by"] == "risk", row
    assert row["state_reason"].startswith("message_rate: 11 messages in 1 s > 10 for runaway")
    [alert] = run.desk.alerts("strategy_halted")
    assert alert["strategy"] == "runaway"
    assert runaway.trading_state == "HALTED"
    calls, sent = runaway.strategy.quotes_seen, len(orders_of(run, "runaway"))
    mean_rev_before = len(orders_of(run, "mean-rev"))

    run.desk.restart("runaway")  # a restarted host learns its state from the OMS before it calls the strategy
    runaway = run.desk.component("runaway")
    run.desk.advance(0.5)
    assert runaway.trading_state == "HALTED"
    calls = runaway.strategy.quotes_seen = 0

    trade_for(run, 3.0)  # the runaway's host calls it no more; mean-rev trades on, in ACTIVE
    assert runaway.strategy.quotes_seen == calls and len(orders_of(run, "runaway")) == sent
    assert len(orders_of(run, "mean-rev")) > mean_rev_before
    assert state_of(run, "mean-rev")["state"] == "ACTIVE"

    run.desk.ask("oms", SetTradingState("strategy", "runaway", "ACTIVE", "fixed the bug", "alice"))
    trade_for(run, 0.2)
    assert runaway.strategy.quotes_seen > calls  # called again (and, still a runaway, soon halted again)
