"""The pre-trade risk gateway and the trading states, in plain Python (no Thespian, Redis or ZeroMQ; the
clock is injected). It runs inside the OMS, on the OMS's own objects: no process hop on the order path,
and orders in flight count the moment they are in the blotter (RTS 6 art. 15(2)).

Building it (OrderManager.on_start)
    risk = RiskGateway(config.risk, oms=self.book, market=MARKET_VIEW, clock=self.clock,
                       instruments=data.instruments, base_dir=self.topology_dir)
        oms: the OmsState (read through: `oms.blotter`, `oms.positions`, replaced objects included)
        market: a MarketView, `quote(symbol) -> (bid, ask, ts_ns) | None` (QuoteBoard in tests)

Checking (every answer is a Decision: truthy when allowed; `.reason` a code of decision.REASONS,
`.message` e.g. "max_order_qty: 250000 > 200000 for mean-rev EURUSD"; `.events` to persist (a strategy
halted for its message rate, the day's P&L baselines at its first order) and `.alerts` to raise,
`alert(**alert)`, WHATEVER the answer; `.raise_if_denied()` raises RiskRejected)
    new order      d = risk.check_new(strategy=, book=, symbol=, side=, qty=, price=None)   before blotter.submit
    replace        d = risk.check_replace(order, qty=None, price=None)       the OMS Order; None: unchanged
    cancel         d = risk.check_cancel(strategy)                            always allowed; counts the rate
    (the OMS's own corporate-action adjustments are not a strategy's messages: not checked)

Following the OMS (the aggregates are the OMS's orders and positions summed, kept in step)
    every event    OrderManager.apply(event, seq), live and on replay:
                       if isinstance(event, dict) and event.get("event") in RISK_EVENTS: risk.apply(event)
                       else: self.book.apply(event); risk.follow(event)
                   (OmsState.apply must never see a risk event: it refuses kinds it does not know)
    a venue record after persist(record), live only: actions = risk.executed(record)  (the repeated-
                   execution throttle; persist actions.events, raise actions.alerts)
    quotes         risk.market_moved(symbol) on each quote (or risk.refresh_marks() on a timer): keeps
                   the marks of symbols other than the order's own current (its own is re-marked at its check)
    a day          risk.roll_day_if_due() on a timer -> event | None (the checks also roll at a day's first order)
    VaR            off the order path (var.py): risk.set_var(book, VarEngine.compute(risk.book_values(book)),
                   at_ns=...)

Changing things (each returns the event to persist, already applied: persisting applies it again, which
changes nothing)
    limits         risk.set_limits(risk.config.updated("strategy", "mean-rev", max_order_qty=250000),
                   by=OPERATOR, reason=...)  -> {"event": "risk_limits", "limits", "changes": [{"setting",
                   "old", "new"}], "by", "reason", "at_ns"}; ConfigError if bad. risk.reset_limits(by=...)
    states         risk.set_state("strategy"|"book"|"global", target, "ACTIVE"|"REDUCING"|"HALTED",
                   reason=, by=) -> {"event": "trading_state", ...}; TradingStateError if bad
    restricted     risk.reload_restricted(by=) -> {"event": "restricted_list", ...}; RestrictedListError
                   naming file:line: problem, the old list kept (raise a `restricted_list_refused` alert)

Recovery: the OMS's snapshot carries risk.snapshot(); restore(snapshot) -> risk.restore(snap.get("risk")).
The aggregates are not in it: `follow` (or a check) sees the OmsState's blotter replaced by restore_rows
and rebuilds them from it (risk.rebuild() does it by hand). Rate windows, duplicates, VaR figures, marks
and denial counts are not persisted (they start empty; fail closed where it matters: no VaR figure, a
symbol held and never quoted since). In on_running, with a restricted_list configured:
persist(risk.reload_restricted(by="oms start")); a bad file there keeps the list the log had.

Reading: risk.states.effective(strategy, book) / .rows(); risk.denial_counts(); risk.config; risk.restricted.
"""
from actors.oms.risk.config import (
    BookLimits,
    ExposureLimits,
    Limits,
    MarketSettings,
    Rate,
    RiskConfig,
    StrategyLimits,
    VarSettings,
)
from actors.oms.risk.decision import REASONS, Actions, Decision, RiskRejected
from actors.oms.risk.gateway import EXECUTION_THROTTLE, RISK_EVENTS, RiskGateway
from actors.oms.risk.market import MarketView, QuoteBoard
from actors.oms.risk.restricted import RestrictedListError
from actors.oms.risk.states import ACTIVE, HALTED, REDUCING, TradingStateError, TradingStates
from actors.oms.risk.var import VarEngine

__all__ = ["ACTIVE", "EXECUTION_THROTTLE", "HALTED", "REASONS", "REDUCING", "RISK_EVENTS", "Actions", "BookLimits",
           "Decision", "ExposureLimits", "Limits", "MarketSettings", "MarketView", "QuoteBoard", "Rate",
           "RestrictedListError", "RiskConfig", "RiskGateway", "RiskRejected", "StrategyLimits", "TradingStateError",
           "TradingStates", "VarEngine", "VarSettings"]
