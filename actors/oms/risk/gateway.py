"""The pre-trade risk gateway: checks (checks.py) against the OMS's live orders and positions, which the
gateway's aggregates follow event by event; trading states, run-time limits, the restricted list and the
day's P&L baselines as events the OMS logs; VaR figures given to it from off the order path.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from actors.oms.events import CANCEL_REQUESTED, ORDER_CREATED, REPLACE_REQUESTED
from actors.oms.risk.aggregates import Aggregates
from actors.oms.risk.checks import _DAY_NS, Checks
from actors.oms.risk.config import RiskConfig, changes, find_restricted
from actors.oms.risk.decision import NO_ACTIONS, Actions, num
from actors.oms.risk.market import Conversion, MarketView
from actors.oms.risk.restricted import RestrictedListError, load_restricted
from actors.oms.risk.states import TRADING_STATE, TradingStates
from actors.oms.risk.windows import RecentOrders, SlidingCount
from vigil.clock import Clock
from vigil.reference import Instrument
from vocabulary.fix_codes import ExecType
from vocabulary.reports import ExecutionReport

RISK_LIMITS, RESTRICTED_LIST, RISK_DAY = "risk_limits", "restricted_list", "risk_day"
RISK_EVENTS = frozenset({TRADING_STATE, RISK_LIMITS, RESTRICTED_LIST, RISK_DAY})
"""The gateway's own events: the OMS logs them and gives them to `apply`, never to OmsState."""
EXECUTION_THROTTLE = "execution_throttle"
"""Why a strategy was halted for repeated executions (not a denial: no order is refused for it)."""

_VENUE_RECORDS = frozenset({"execution_report", "order_cancel_reject", "venue_reject"})
_EPOCH = date(1970, 1, 1)


class RiskGateway(Checks):
    def __init__(self, config: RiskConfig, *, oms: Any, market: MarketView, clock: Clock,
                 instruments: Mapping[str, Instrument], base_dir: Path = Path(".")) -> None:
        self.base_config = config
        """The limits the topology gives; a run-time change (risk_limits) replaces them until reset."""
        self.oms, self.market, self.clock = oms, market, clock
        self.instruments, self.base_dir = instruments, base_dir
        self.states = TradingStates()
        self.restricted: dict[str, str] = {}
        self.restricted_file: str | None = None
        self.var: dict[str, tuple[float, int]] = {}
        """book -> (VaR, when it was computed, ns)."""
        self.denials: Counter[str] = Counter()
        self.denials_by_strategy: dict[str, Counter[str]] = {}
        self._breached: dict[tuple[str, str], float] = {}
        self.day: int | None = None
        self._limits: dict[str, Any] | None = None  # the run-time limits in force, None: the topology's
        self._messages, self._executions, self._recent = SlidingCount(), SlidingCount(), RecentOrders()
        self._counted: dict[tuple[str, str], float] = {}
        self._conversions: dict[str, Conversion] = {}
        self._configure(config)
        self.agg = Aggregates(instruments)
        self.rebuild()

    def _configure(self, config: RiskConfig) -> None:
        self.config = config
        self._plans = {}
        self._conversions = {}
        self._offset_ns = config.day_offset_ns
        self._max_age_ns = config.market.max_quote_age_s * 1e9
        self._var_age_ns = config.var.max_age_s * 1e9
        self._touch = config.market.collar_reference == "touch"

    # ==== following the OMS =====================================================================
    def follow(self, event: Any) -> None:
        """After OmsState.apply(event), for every OMS event (live and on replay): the aggregates follow."""
        oms = self.oms
        if oms.blotter is not self._blotter or oms.positions is not self._positions:
            self.rebuild()  # restored from a snapshot: start again from what it holds
            return
        if isinstance(event, dict):
            kind = event.get("event")
            if kind == ORDER_CREATED:
                order = oms.blotter.find(event["cl_ord_id"])
            elif kind in (CANCEL_REQUESTED, REPLACE_REQUESTED):
                order = oms.blotter.find(event["root_cl_ord_id"])
            elif kind in _VENUE_RECORDS:
                order = self._find(event.get("cl_ord_id"), event.get("orig_cl_ord_id"), event.get("order_id"))
            elif kind == "corporate_action":
                symbol = event["action"]["symbol"]
                for view in oms.positions:
                    if view.symbol == symbol:
                        self.agg.sync_position(view.account, view.strategy, symbol, view)
                return
            else:
                return
        else:
            order = oms.blotter.route(event)
        if order is None:
            return
        self.agg.sync_order(order)
        if not isinstance(event, dict) or event.get("event") in _VENUE_RECORDS:
            key = (order.account, order.strategy, order.symbol)
            self.agg.sync_position(*key, oms.positions.get(*key))

    def _find(self, cl_ord_id: str | None, orig: str | None, order_id: str | None) -> Any:
        blotter = self.oms.blotter
        for ident in (cl_ord_id, orig):
            if ident:
                order = blotter.find(ident)
                if order is not None:
                    return order
        return blotter.by_order_id(order_id) if order_id else None

    def rebuild(self) -> None:
        """The aggregates from scratch from the OMS's orders and positions (after a restore, which `follow`
        notices by itself; or to shed float drift). Marks and the day's baselines are kept."""
        oms = self.oms
        self._blotter, self._positions = oms.blotter, oms.positions
        self.agg = Aggregates.build(self.instruments, oms.blotter.open_orders(), oms.positions,
                                    self.agg.baselines, self.agg.marks)
        self._plans = {}

    def executed(self, record: Any) -> Actions:
        """After a venue record is persisted (live only, not on replay): counts executions for the
        repeated-execution throttle; over it, the order's strategy is HALTED."""
        if not isinstance(record, ExecutionReport) or record.kind.normalized is not ExecType.TRADE:
            return NO_ACTIONS
        order = self.oms.blotter.route(record)
        if order is None:
            return NO_ACTIONS
        throttle = self.config.strategy(order.strategy).executions
        if throttle is None:
            return NO_ACTIONS
        now = self.clock.monotonic()
        key = (order.root_cl_ord_id, record.exec_id)
        if key in self._counted:
            return NO_ACTIONS  # a resend of an execution counted already
        if len(self._counted) > 10_000:
            horizon = now - throttle.window_s
            self._counted = {k: t for k, t in self._counted.items() if t > horizon}
        self._counted[key] = now
        count = self._executions.hit(order.strategy, now, throttle.window_s)
        if count <= throttle.max:
            return NO_ACTIONS
        text = (f"{EXECUTION_THROTTLE}: {count} executions in {num(throttle.window_s)} s > {throttle.max} for "
                f"{order.strategy}")
        return self._runaway(order.strategy, text, self.clock.now_ns())

    # ==== the gateway's own events ================================================================
    def apply(self, event: dict[str, Any]) -> None:
        """One of RISK_EVENTS (on replay and after persisting one): idempotent."""
        kind = event["event"]
        if kind == TRADING_STATE:
            self.states.apply(event)
        elif kind == RISK_LIMITS:
            self._limits = event["limits"]
            self._configure(self.base_config if self._limits is None else RiskConfig.from_dict(self._limits))
        elif kind == RESTRICTED_LIST:
            self.restricted, self.restricted_file = dict(event["symbols"]), event.get("file")
        elif kind == RISK_DAY:
            self.day = event["day"]
            self.agg.set_baselines(event["baselines"])
        else:
            raise ValueError(f"not a risk event: {kind!r}")

    def set_state(self, scope: str, target: str | None, state: str, *, reason: str, by: str) -> dict[str, Any]:
        """ACTIVE / REDUCING / HALTED for a strategy, a book or everything ("global"): the event to persist
        (applied already). TradingStateError for a bad one."""
        event = TradingStates.event(scope, target, state, reason=reason, by=by, at_ns=self.clock.now_ns())
        self.apply(event)
        return event

    def set_limits(self, limits: RiskConfig, *, by: str, reason: str = "") -> dict[str, Any]:
        """New limits (the whole RiskConfig, e.g. from `config.updated(...)`), checked again: the event to
        persist, saying who changed what (applied already). ConfigError if they do not hold."""
        checked = RiskConfig.from_dict(limits.to_dict())
        event = {"event": RISK_LIMITS, "limits": checked.to_dict(), "changes": changes(self.config, checked),
                 "by": by, "reason": reason, "at_ns": self.clock.now_ns()}
        self.apply(event)
        return event

    def reset_limits(self, *, by: str, reason: str = "") -> dict[str, Any]:
        """Back to the topology's limits: the event to persist (applied already)."""
        event = {"event": RISK_LIMITS, "limits": None, "changes": changes(self.config, self.base_config),
                 "by": by, "reason": reason, "at_ns": self.clock.now_ns()}
        self.apply(event)
        return event

    def reload_restricted(self, *, by: str) -> dict[str, Any]:
        """Read the restricted list file again: the event to persist (applied already). A bad file raises
        RestrictedListError naming the problem, and the list in force stays (raise a
        `restricted_list_refused` alert with it)."""
        path = self.config.restricted_list
        if path is None:
            raise RestrictedListError("no restricted_list is configured")
        file = find_restricted(path, self.base_dir)
        symbols = load_restricted(file, self.instruments)
        event = {"event": RESTRICTED_LIST, "symbols": symbols, "file": str(file),
                 "added": sorted(set(symbols) - set(self.restricted)),
                 "removed": sorted(set(self.restricted) - set(symbols)), "by": by, "at_ns": self.clock.now_ns()}
        self.apply(event)
        return event

    def roll_day(self) -> dict[str, Any]:
        """Start the trading day (day_start_utc) now: the P&L of every strategy, book and the firm becomes
        the baseline of its daily loss. The event to persist (applied already). The checks do it by
        themselves at the first order of a day; an OMS timer may call `roll_day_if_due`."""
        now_ns = self.clock.now_ns()
        day = (now_ns - self._offset_ns) // _DAY_NS
        event = {"event": RISK_DAY, "day": day, "date": (_EPOCH + timedelta(days=day)).isoformat(), "at_ns": now_ns,
                 "baselines": self.agg.pnl_by_group()}
        self.apply(event)
        return event

    def roll_day_if_due(self) -> dict[str, Any] | None:
        return self.roll_day() if (self.clock.now_ns() - self._offset_ns) // _DAY_NS != self.day else None

    # ==== VaR, computed off the order path ===========================================================
    def set_var(self, book: str, value: float | None, *, at_ns: int) -> None:
        """The book's VaR as computed at `at_ns` (var.py); None: no figure (the book takes reducing orders)."""
        if value is None:
            self.var.pop(book, None)
        else:
            self.var[book] = (float(value), at_ns)

    def book_values(self, book: str) -> dict[str, float] | None:
        """{symbol: signed position value, base currency} of a book, at the marks: what its VaR is of. None
        when a position has no price (its VaR cannot be known: VarEngine.compute(None) is None)."""
        totals = self.agg.groups.get(("book", book))
        if totals is not None and totals.unmarked and not self._heal(totals):
            return None
        return self.agg.positions_of(("book", book))

    # ==== snapshot ==================================================================================
    def snapshot(self) -> dict[str, Any]:
        """What the OMS's snapshot carries for the gateway (the aggregates are rebuilt from the OMS's state)."""
        return {"states": self.states.snapshot(), "limits": self._limits, "day": self.day,
                "baselines": dict(self.agg.baselines),
                "restricted": {"symbols": dict(self.restricted), "file": self.restricted_file}}

    def restore(self, snapshot: Mapping[str, Any] | None) -> None:
        if not snapshot:
            return
        self.states = TradingStates.restore(snapshot["states"])
        self._limits = snapshot["limits"]
        self._configure(self.base_config if self._limits is None else RiskConfig.from_dict(self._limits))
        self.day = snapshot["day"]
        self.agg.set_baselines(snapshot["baselines"])
        self.restricted = dict(snapshot["restricted"]["symbols"])
        self.restricted_file = snapshot["restricted"]["file"]
