"""The risk monitor: post-trade risk, off the order path.

It follows the OMS's flow (WatchFlow: every order update and position change) and marks every position
to the live feed (pnl.py): P&L per position, strategy and book. On each quote it checks the stop-loss of
every strategy the quote moves (stops.py): one beyond its stop is stopped (a StopLoss to the OMS, which
puts it in REDUCING, cancels its resting orders and closes its positions at the market) with an alert
`stop_loss_hit`, once a day, logged so that a restarted monitor does not stop it twice. It computes each
book's VaR from the feed's prices (actors/oms/risk/var.py) and sends the figures to the OMS's gateway
(VarFigures). It watches Vigil's own flow for abusive patterns (surveillance.py): each flag an alert
`surveillance_flag` with the orders that made it. It follows each strategy's fill rate day by day, and
raises `fill_rate_drift` when it drifts down over the days (fill_rate.py), clearing it when it is back.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from actors.market_input import MarketInput
from actors.oms.risk.var import VarEngine
from actors.risk_monitor.config import RiskMonitorConfig
from actors.risk_monitor.fill_rate import EVENTS as FILL_EVENTS
from actors.risk_monitor.fill_rate import FillRates
from actors.risk_monitor.pnl import PnlBook, total_of
from actors.risk_monitor.stops import EVENTS, STOP_LOSS, StopLosses
from actors.risk_monitor.surveillance import Surveillance
from vigil.component import Component, Refused
from vigil.reference import instruments
from vocabulary import roles
from vocabulary.alerts import FILL_RATE_DRIFT, STOP_LOSS_HIT, STOP_LOSS_INCOMPLETE
from vocabulary.controls import ControlDone, StopLoss
from vocabulary.market_data import MarketFrames, Quote
from vocabulary.metrics import STRATEGY_PNL
from vocabulary.orders import OrderUpdate
from vocabulary.risk import FlowSnapshot, GetRiskFigures, PositionUpdate, RiskFigures, VarFigures, WatchFlow

RESYNC = timedelta(seconds=2)
log = logging.getLogger("vigil.risk_monitor")


class RiskMonitor(Component):
    role = roles.RISK_MONITOR
    config_class = RiskMonitorConfig
    fast_lane = True
    snapshot_every = 100

    def on_start(self, config: RiskMonitorConfig) -> None:
        self.config = config
        self.pnl = PnlBook(instruments(config.symbols, "symbols", self.topology_dir), config.base_currency)
        self.stops = StopLosses(config.stop_loss, config.stop_loss_default, config.day_offset_ns)
        self.var = VarEngine(config.var)
        self.var_figures: dict[str, float | None] = {}
        self.surveillance = Surveillance(config.surveillance)
        self.fill_rates = FillRates(config.fill_rate, config.day_offset_ns)
        self.fill_judged: int | None = None
        """The last day the fill rates were judged on."""
        self.market = MarketInput(self, config.feed, None, self._quote)
        self.synced = False

    # ---- state: the day's stop-loss baselines and the stops already made ---------------------------
    def apply(self, event: Any, seq: int) -> None:
        if event["event"] in EVENTS:
            self.stops.apply(event)
        elif event["event"] in FILL_EVENTS:
            self.fill_rates.apply(event)

    def snapshot(self) -> Any:
        return {"stops": self.stops.snapshot(), "fill_rates": self.fill_rates.snapshot()}

    def restore(self, snapshot: Any) -> None:
        self.stops.restore(snapshot.get("stops"))
        self.fill_rates.restore(snapshot.get("fill_rates"))

    def on_running(self) -> None:
        self.market.start()
        self._watch()
        self.wakeup_after(RESYNC, "resync")
        self.wakeup_after(timedelta(seconds=self.config.var.sample_s), "var-sample")
        self.wakeup_after(timedelta(seconds=self.config.var_every_s), "var-send")

    def on_stop(self) -> None:
        self.market.close()

    # ---- the OMS's flow ------------------------------------------------------------------------------
    def _watch(self) -> None:
        try:
            self.tell(self.address_of(self.config.oms), WatchFlow())
        except Refused:
            pass  # the OMS is not up yet: the next resync asks again

    def on_message(self, msg: Any, sender: Any) -> None:
        if isinstance(msg, PositionUpdate):
            key = self.pnl.set_position(msg.row)
            self._check_stop(key[1])
        elif isinstance(msg, OrderUpdate):
            self._surveil(msg)
        elif isinstance(msg, FlowSnapshot):
            self.pnl.reset(list(msg.positions))
            self.synced = True
            self._roll_day_if_due()  # before the first quote marks them: a strategy not marked yet starts today
            # from its realised P&L (stops.py)
            for update in msg.orders:
                self._surveil(update)
            for strategy in self.pnl.strategies():
                self._check_stop(strategy)
        elif isinstance(msg, MarketFrames):
            self.market.frames(msg)
        elif isinstance(msg, GetRiskFigures):
            self.reply(sender, self._figures())
        elif isinstance(msg, ControlDone):
            log.info("%s: %s %s done: %d cancelled, %d closing orders, %d failed", self.path, msg.action,
                     msg.target, len(msg.cancelled), len(msg.sent), len(msg.failed))
            if msg.failed:
                self.alert(STOP_LOSS_INCOMPLETE, strategy=msg.target, failed=list(msg.failed))
        else:
            super().on_message(msg, sender)

    def _surveil(self, update: OrderUpdate) -> None:
        now_ns = self.clock.now_ns()
        for flag in self.surveillance.observe(update, now_ns):
            self.alert(**flag)
        self._judge_fill_rates(now_ns)
        self.fill_rates.observe(update, now_ns)

    def _judge_fill_rates(self, now_ns: int) -> None:
        """Once a day, on the days before it: each finished day logged, each verdict that changed raised or
        cleared."""
        today = self.fill_rates.day_of(now_ns)
        if today == self.fill_judged:
            return
        self.fill_judged = today
        for event in self.fill_rates.finished(today):
            self.persist(event)
        for verdict in self.fill_rates.judge(today):
            self.persist(verdict.event())
            if verdict.drifting:
                self.alert(FILL_RATE_DRIFT, **verdict.detail())
            else:
                self.clear_alert(FILL_RATE_DRIFT, strategy=verdict.strategy)

    # ---- the market -------------------------------------------------------------------------------------
    def _quote(self, quote: Quote) -> None:
        moved = self.pnl.quote(quote.symbol, quote.bid_px, quote.ask_px, quote.ts_ns)
        if quote.bid_px and quote.ask_px:
            self.var.observe(quote.symbol, (quote.bid_px + quote.ask_px) / 2)
        if moved and self.synced:
            for strategy in {key[1] for key in moved}:
                self._check_stop(strategy)

    def _check_stop(self, strategy: str) -> None:
        stops = self.stops
        if stops.limit(strategy) is None or strategy in stops.stopped:
            return
        now_ns = self._roll_day_if_due()
        realized, unrealized = self.pnl.totals(strategy=strategy)
        for event in stops.check(strategy, total_of(realized, unrealized), realized, now_ns):
            self.persist(event)  # before the stop is sent: a restarted monitor does not stop it twice
            if event["event"] == STOP_LOSS:
                self._stop(event)

    def _roll_day_if_due(self) -> int:
        now_ns, pnl = self.clock.now_ns(), self.pnl
        day = self.stops.roll_if_due(now_ns, {s: pnl.total(s) for s in pnl.strategies()})
        if day is not None:
            self.persist(day)
        return now_ns

    def _stop(self, event: dict[str, Any]) -> None:
        reason = self.stops.reason(event)
        self.alert(STOP_LOSS_HIT, strategy=event["strategy"], loss=round(event["loss"], 2), limit=event["limit"],
                   reason=reason)
        try:
            self.tell(self.address_of(self.config.oms), StopLoss(event["strategy"], reason, operator=self.path))
        except Refused as why:
            self.alert(STOP_LOSS_INCOMPLETE, strategy=event["strategy"],
                       failed=[{"what": "StopLoss", "reason": f"the OMS is not reachable: {why}"}])

    # ---- timers -----------------------------------------------------------------------------------------
    def watched_fds(self) -> list[int]:
        return self.market.fds()

    def on_ready_fds(self, fds: list[int]) -> None:
        self.market.ready()

    def on_wakeup(self, payload: Any) -> None:
        if self.market.on_wakeup(payload):
            return
        if payload == "resync":
            self._watch()
            self._judge_fill_rates(self.clock.now_ns())
            for strategy in self.pnl.strategies():
                total = total_of(*self.pnl.totals(strategy=strategy))
                if total is not None:
                    self.gauge(STRATEGY_PNL, total, strategy=strategy)
            self.wakeup_after(RESYNC, "resync")
        elif payload == "var-sample":
            self.var.sample()
            self.wakeup_after(timedelta(seconds=self.config.var.sample_s), "var-sample")
        elif payload == "var-send":
            self._send_var()
            self.wakeup_after(timedelta(seconds=self.config.var_every_s), "var-send")

    def _send_var(self) -> None:
        self.var_figures = {book: self.var.compute(self.pnl.values(book)) for book in sorted(self.pnl.books())}
        try:
            self.tell(self.address_of(self.config.oms), VarFigures(self.var_figures, self.clock.now_ns()))
        except Refused:
            pass  # the gateway's figures go stale, and its books take only reducing orders: fail closed

    def _figures(self) -> RiskFigures:
        pnl, stops = self.pnl, self.stops
        strategies = []
        for strategy, book in sorted(pnl.strategies().items()):
            realized, unrealized = pnl.totals(strategy=strategy)
            total = total_of(realized, unrealized)
            base = stops.baselines.get(strategy)
            strategies.append({"strategy": strategy, "book": book, "realized": _money(realized),
                               "unrealized": _money(unrealized),
                               "day_pnl": None if total is None or base is None else _money(total - base),
                               "stop_loss": stops.limit(strategy), "stopped": strategy in stops.stopped})
        books = []
        for book in sorted(pnl.books()):
            realized, unrealized = pnl.totals(book=book)
            books.append({"book": book, "realized": _money(realized), "unrealized": _money(unrealized),
                          "var": _money(self.var_figures.get(book))})
        return RiskFigures(tuple(strategies), tuple(books), tuple(self.surveillance.rows()))


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
