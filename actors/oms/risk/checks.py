"""The checks of the risk gateway (the `RiskGateway` runs them; gateway.py feeds them and keeps their state).

In order, the first that fails being the reason: trading state (HALTED), message rate (every submit,
replace and cancel counts, whatever the answer; over it the strategy is HALTED), known symbol,
restricted list, order quantity, reducing (in a REDUCING state), duplicate; then what needs the market
(a fresh quote and conversion rate, fail closed): collar, notional, position, open orders, gross and
net exposure, concentration, daily loss, VaR.

An aggregate limit denies only an order that takes its figure over the limit and makes it larger, so an
order that reduces risk is never stopped by a limit already exceeded. Daily loss and VaR, once over (or
without a VaR figure fresh enough), let only reducing orders through: an order reduces when it is on the
other side of its own position (book, strategy, symbol) and it, with the working orders on its side,
cannot flip it.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from actors.oms.risk import decision as why
from actors.oms.risk.aggregates import Aggregates
from actors.oms.risk.config import RiskConfig
from actors.oms.risk.decision import ALLOWED, NO_ACTIONS, Actions, Decision, num
from actors.oms.risk.market import Conversion, MarketView, mid
from actors.oms.risk.plan import Plan
from actors.oms.risk.states import ACTIVE, BY_RISK, HALTED, TradingStates
from actors.oms.risk.windows import RecentOrders, SlidingCount
from vigil.clock import Clock
from vocabulary.alerts import RISK_LIMIT_BREACH, STRATEGY_HALTED
from vocabulary.fix_codes import Side

_DAY_NS = 86_400 * 1_000_000_000
LIMITS = frozenset({why.MAX_ORDER_QTY, why.MAX_ORDER_NOTIONAL, why.MAX_POSITION, why.MAX_OPEN_ORDERS, why.MAX_GROSS,
                    why.MAX_NET, why.CONCENTRATION, why.DAILY_LOSS, why.VAR})
"""The denials that are a risk limit reached (a `risk_limit_breach` alert), not the market or a state."""
BREACH_EVERY_S = 60.0
_SIGNS: dict[Any, int] = {Side.BUY: 1, Side.BUY_MINUS: 1, Side.SELL: -1, Side.SELL_PLUS: -1, Side.SELL_SHORT: -1,
                          Side.SELL_SHORT_EXEMPT: -1, "buy": 1, "sell": -1, "Buy": 1, "Sell": -1, "1": 1, "2": -1,
                          "3": 1, "4": -1, "5": -1, "6": -1}


def _what(symbol: str, sign: int, qty: float) -> str:
    """The order, as a denial names it: "EURUSD buy 250000"."""
    return f"{symbol} {'buy' if sign > 0 else 'sell'} {num(qty)}"


class Checks:
    """The checking half of RiskGateway: what it reads is set up by RiskGateway.__init__."""

    config: RiskConfig
    clock: Clock
    market: MarketView
    instruments: Any
    agg: Aggregates
    states: TradingStates
    restricted: dict[str, str]
    var: dict[str, tuple[float, int]]
    day: int | None
    denials: Counter
    denials_by_strategy: dict[str, Counter]
    _breached: dict[tuple[str, str], float]
    _plans: dict[tuple[str, str, str], Plan]
    _conversions: dict[str, Conversion]
    _messages: SlidingCount
    _recent: RecentOrders
    _offset_ns: int
    _max_age_ns: float
    _var_age_ns: float
    _touch: bool

    oms: Any
    _blotter: Any
    _positions: Any

    def roll_day(self) -> dict[str, Any]:  # gateway.py
        raise NotImplementedError

    def rebuild(self) -> None:  # gateway.py
        raise NotImplementedError

    def check_new(self, *, strategy: str, book: str, symbol: str, side: Any, qty: Any, price: Any = None,
                  closing: bool = False) -> Decision:
        """A new order (price None: a market order). Persist `events` and raise `alerts` whatever the answer.
        closing: an operator's order closing a position (a flatten): it passes a HALTED state as it would a
        REDUCING one (only if it reduces), and is not the strategy's message."""
        return self._check(strategy, book, symbol, side, qty, price, None, closing)

    def checks_for(self, strategy: str, book: str, symbol: str) -> str:
        """The checks a new order of (strategy, book, symbol) went through, with their limits (Plan.checks)."""
        plan = self._plans.get((strategy, book, symbol))
        return plan.checks if plan is not None else ""

    def check_replace(self, order: Any, *, qty: Any = None, price: Any = None) -> Decision:
        """A cancel/replace of an OMS order to new terms (None: unchanged), checked as a new order would be,
        its old quantity no longer counting."""
        return self._check(order.strategy, order.account, order.symbol, order.side,
                           order.qty if qty is None else qty, order.price if price is None else price, order)

    def check_cancel(self, strategy: str) -> Decision:
        """Always allowed; counts toward the strategy's message rate (over it, the strategy is HALTED)."""
        now_ns = self.clock.now_ns()
        rate = self.config.strategy(strategy).message_rate
        if rate is not None:
            count = self._messages.hit(strategy, self.clock.monotonic(), rate.window_s)
            if count > rate.max:
                text = f"message_rate: {count} messages in {num(rate.window_s)} s > {rate.max} for {strategy}"
                actions = self._runaway(strategy, text, now_ns)
                return Decision(True, events=actions.events, alerts=actions.alerts)
        return ALLOWED

    def _check(self, strategy: str, book: str, symbol: str, side: Any, qty: Any, price: Any,
               replacing: Any, closing: bool = False) -> Decision:
        oms = self.oms
        if oms.blotter is not self._blotter or oms.positions is not self._positions:
            self.rebuild()  # the OMS was restored from its snapshot rows and nothing has followed since
        clock = self.clock
        now_ns, now = clock.now_ns(), clock.monotonic()
        events: tuple[dict[str, Any], ...] = ()
        if (now_ns - self._offset_ns) // _DAY_NS != self.day:
            events = (self.roll_day(),)
        plan = self._plans.get((strategy, book, symbol))
        if plan is None:
            plan = self._plans[(strategy, book, symbol)] = Plan(self.config, self.agg, self.instruments, strategy,
                                                                book, symbol)
        rate = plan.strategy_limits.message_rate
        count = 0 if rate is None or closing else self._messages.hit(strategy, now, rate.window_s)
        state = self.states.effective(strategy, book)
        if state is not None and state.state == HALTED and not closing:
            return self._deny(strategy, why.HALTED, f"halted: {state.label} is HALTED ({state.reason}): no new "
                              "orders or replaces; cancels pass", events)
        if rate is not None and count > rate.max:
            text = f"message_rate: {count} messages in {num(rate.window_s)} s > {rate.max} for {strategy}"
            actions = self._runaway(strategy, text, now_ns)
            return self._deny(strategy, why.MESSAGE_RATE, text, events + actions.events, actions.alerts)
        if plan.instrument is None:
            return self._deny(strategy, why.UNKNOWN_SYMBOL, f"unknown_symbol: {symbol} is not in the symbol master",
                              events)
        if symbol in self.restricted:
            return self._deny(strategy, why.RESTRICTED, f"restricted: {symbol} is on the restricted list "
                              f"({self.restricted[symbol]})", events)
        sign = _SIGNS.get(side)
        if sign is None:
            raise ValueError(f"side {side!r} has no position direction")
        q = float(qty)
        px = None if price is None else float(price)
        if plan.max_qty is not None and q > plan.max_qty[0]:
            return self._deny(strategy, why.MAX_ORDER_QTY, f"max_order_qty: {num(q)} > {num(plan.max_qty[0])} for "
                              f"{plan.max_qty[1]} {symbol}", events)
        own = plan.own
        if replacing is None:
            add = q
        else:
            entry = self.agg._orders.get(replacing.root_cl_ord_id)
            add = max(q - float(replacing.cum_qty), 0.0) - (entry[2] if entry else 0.0)
        same_side = own.buy if sign > 0 else own.sell
        reduces = sign * own.pos < 0 and same_side + add <= abs(own.pos)
        if state is not None and state.state != ACTIVE and not reduces:
            return self._deny(strategy, why.REDUCING, f"reducing: {state.label} is {state.state} ({state.reason}): "
                              f"{_what(symbol, sign, q)} does not reduce the position {num(own.pos)} "
                              f"({num(same_side)} working on that side)", events)
        window = plan.strategy_limits.duplicate_window_s
        dup_key = None
        if window is not None and replacing is None:
            dup_key = (strategy, symbol, sign, q, px)
            if self._recent.seen(dup_key, now) is not None:
                return self._deny(strategy, why.DUPLICATE, f"duplicate_order: {strategy} sent "
                                  f"{_what(symbol, sign, q)} at {'market' if px is None else num(px)} within "
                                  f"{num(window)} s", events)
        # ---- from here the checks need the market ---------------------------------------------------
        rate_px: float | None = 1.0 if plan.conversion.symbol is None else None
        if plan.needs_rate or (px is None and plan.max_notional is not None and plan.conversion.symbol):
            found = self._rate(plan, now_ns)
            if isinstance(found, tuple):
                return self._deny(strategy, found[0], found[1], events)
            rate_px = found
        quote = None
        if plan.needs_quote or (px is None and plan.max_notional is not None):
            quote = self.market.quote(symbol)
            problem = self._quote_problem(symbol, quote, now_ns)
            if problem is not None:
                return self._deny(strategy, problem[0], problem[1], events)
            if rate_px is not None:  # (a check that needs no money figure fetched no conversion rate)
                self.agg.mark(symbol, mid(quote), rate_px)  # type: ignore[arg-type]
        if plan.collar is not None and px is not None:
            bid, ask = quote[0], quote[1]  # type: ignore[index]
            ref = (ask if sign > 0 else bid) if self._touch else mid(quote)  # type: ignore[arg-type]
            if ref is None or ref <= 0:
                return self._deny(strategy, why.NO_PRICE, f"no_price: no {'ask' if sign > 0 else 'bid'} for "
                                  f"{symbol} to collar against", events)
            off = abs(px - ref) / ref * 1e4
            if off > plan.collar[0]:
                return self._deny(strategy, why.PRICE_COLLAR, f"price_collar: {num(px)} is {off:.1f} bps from the "
                                  f"{'touch' if self._touch else 'mid'} {num(ref)} > {num(plan.collar[0])} for "
                                  f"{plan.collar[1]} {symbol}", events)
        if plan.max_notional is not None:
            at = px
            if at is None:
                touch = quote[1] if sign > 0 else quote[0]  # type: ignore[index]
                if touch is None or touch <= 0:
                    return self._deny(strategy, why.NO_PRICE, f"no_price: no {'ask' if sign > 0 else 'bid'} for "
                                      f"{symbol} to value a market order", events)
                at = touch
            notional = q * at * rate_px  # type: ignore[operator]
            if notional > plan.max_notional[0]:
                return self._deny(strategy, why.MAX_ORDER_NOTIONAL, f"max_order_notional: {num(notional)} > "
                                  f"{num(plan.max_notional[0])} for {plan.max_notional[1]} "
                                  f"{_what(symbol, sign, q)}", events)
        d_buy, d_sell = (add, 0.0) if sign > 0 else (0.0, add)
        for cell, limit in plan.positions:
            up, down = cell.worst()
            before, after = (abs(up), abs(up + d_buy)) if sign > 0 else (abs(down), abs(down - d_sell))
            if after > limit and after > before:
                return self._deny(strategy, why.MAX_POSITION, f"max_position: {num(after)} > {num(limit)} for "
                                  f"{cell.totals.label} {symbol} (position {num(cell.pos)}, working "
                                  f"{num(cell.buy if sign > 0 else cell.sell)}, this {num(add)})", events)
        if replacing is None:
            for totals, limit in plan.open_orders:
                if totals.open + 1 > limit:
                    return self._deny(strategy, why.MAX_OPEN_ORDERS, f"max_open_orders: {totals.open + 1} > "
                                      f"{limit} for {totals.label}", events)
        value = own.mark.value
        for cell, max_gross, max_net in plan.exposures:
            t = cell.totals
            if t.unmarked and not self._heal(t):
                return self._unmarked(strategy, t, "exposure", events)
            up, down = cell.pos + cell.buy + d_buy, cell.pos - cell.sell - d_sell
            term = (up if up > -down else -down) * value
            if max_gross is not None:
                gross = t.gross - cell.gross + term
                if gross > max_gross and term > cell.gross:
                    return self._deny(strategy, why.MAX_GROSS, f"max_gross: {num(gross)} > {num(max_gross)} for "
                                      f"{t.label} ({_what(symbol, sign, q)})", events)
            if max_net is not None:
                long, short = t.long + d_buy * value, t.short - d_sell * value
                net = abs(long) if abs(long) > abs(short) else abs(short)
                if net > max_net and net > t.net:
                    return self._deny(strategy, why.MAX_NET, f"max_net: {num(net)} > {num(max_net)} for {t.label} "
                                      f"({_what(symbol, sign, q)})", events)
        if plan.concentration is not None:
            cell, limit, least = plan.concentration
            t = cell.totals
            if t.unmarked and not self._heal(t):
                return self._unmarked(strategy, t, "concentration", events)
            up, down = cell.worst(d_buy, d_sell)
            term = (up if up > -down else -down) * value
            gross = t.gross - cell.gross + term
            if gross >= least and gross > 0 and term / gross > limit and term > cell.gross:
                return self._deny(strategy, why.CONCENTRATION, f"concentration: {symbol} {term / gross:.4g} of "
                                  f"{t.label}'s gross {num(gross)} > {num(limit)} ({_what(symbol, sign, q)})", events)
        if not reduces:
            for t, limit in plan.losses:
                if t.unmarked and not self._heal(t):
                    return self._unmarked(strategy, t, "daily loss", events)
                loss = t.baseline - t.pnl
                if loss > limit:
                    return self._deny(strategy, why.DAILY_LOSS, f"daily_loss: {num(loss)} > {num(limit)} for "
                                      f"{t.label} (realised + unrealised today); only reducing orders pass", events)
            if plan.max_var is not None:
                figure = self.var.get(book)
                if figure is None:  # a book holding nothing risks nothing: its first order needs no figure
                    if self.agg.holds_any(("book", book)):
                        return self._deny(strategy, why.NO_VAR, f"no_var: no VaR figure for book {book}; only "
                                          "reducing orders pass", events)
                elif now_ns - figure[1] > self._var_age_ns:
                    return self._deny(strategy, why.STALE_VAR, f"stale_var: book {book}'s VaR is "
                                      f"{num((now_ns - figure[1]) / 1e9)} s old > {num(self.config.var.max_age_s)} s; "
                                      "only reducing orders pass", events)
                elif figure[0] > plan.max_var:
                    return self._deny(strategy, why.VAR, f"var: {num(figure[0])} > {num(plan.max_var)} for book "
                                      f"{book}; only reducing orders pass", events)
        if dup_key is not None:
            self._recent.add(dup_key, now, window)  # type: ignore[arg-type]
        return Decision(True, events=events) if events else ALLOWED

    # ---- the market -------------------------------------------------------------------------------
    def _quote_problem(self, symbol: str, quote: Any, now_ns: int) -> tuple[str, str] | None:
        if quote is None:
            return why.NO_PRICE, f"no_price: no quote for {symbol}"
        age = now_ns - quote[2]
        if age > self._max_age_ns:
            return why.STALE_PRICE, (f"stale_price: the {symbol} quote is {num(age / 1e9)} s old > "
                                     f"{num(self.config.market.max_quote_age_s)} s")
        if mid(quote) is None:
            return why.NO_PRICE, f"no_price: the {symbol} quote has neither a bid nor an ask"
        return None

    def _rate(self, plan: Plan, now_ns: int) -> float | tuple[str, str]:
        conversion = plan.conversion
        pair = conversion.symbol
        quote = self.market.quote(pair)
        problem = self._quote_problem(pair, quote, now_ns)
        if problem is not None:
            return problem[0], f"{problem[1]} (to convert {conversion.currency} to {self.config.market.base_currency})"
        m = mid(quote)
        return 1.0 / m if conversion.inverted else m  # type: ignore[operator,return-value]

    def _heal(self, totals: Any) -> bool:
        """Mark the symbols a group lacks a price for, from whatever quote there is; False if any is left."""
        for symbol in list(totals.unmarked):
            self.market_moved(symbol)
        return not totals.unmarked

    def _unmarked(self, strategy: str, totals: Any, check: str, events: tuple) -> Decision:
        missing = ", ".join(sorted(totals.unmarked))
        return self._deny(strategy, why.NO_PRICE, f"no_price: the {check} of {totals.label} needs a price for "
                          f"{missing}", events)

    def market_moved(self, symbol: str) -> None:
        """Re-mark `symbol` from the market view (whatever its age): call on each quote, or on a timer. The
        symbol of an order is re-marked at its check anyway; this keeps the others' marks current."""
        quote = self.market.quote(symbol)
        instrument = self.instruments.get(symbol)
        if quote is None or instrument is None:
            return
        px = mid(quote)
        conversion = self._conversions.get(instrument.currency)
        if conversion is None:
            conversion = self._conversions[instrument.currency] = Conversion(
                instrument.currency, self.config.market.base_currency, self.instruments)
        rate = conversion.rate(self.market)[0]
        if px is not None and rate is not None:
            self.agg.mark(symbol, px, rate)

    def refresh_marks(self) -> None:
        """Re-mark every symbol the aggregates hold (e.g. on a timer, or after a restart)."""
        oms = self.oms
        if oms.blotter is not self._blotter or oms.positions is not self._positions:
            self.rebuild()
        for symbol in list(self.agg.by_symbol):
            self.market_moved(symbol)

    # ---- denials and runaways -------------------------------------------------------------------
    def _deny(self, strategy: str, reason: str, message: str, events: tuple = (), alerts: tuple = ()) -> Decision:
        self.denials[reason] += 1
        counts = self.denials_by_strategy.get(strategy)
        if counts is None:
            counts = self.denials_by_strategy[strategy] = Counter()
        counts[reason] += 1
        if reason in LIMITS:
            alerts = alerts + self._breach(strategy, reason, message)
        return Decision(False, reason, message, events, alerts)

    def _breach(self, strategy: str, reason: str, message: str) -> tuple[dict[str, Any], ...]:
        """An order stopped at a limit is an alert: once per strategy and limit a minute at most (a strategy
        that keeps trying would otherwise write the tree's history on every order)."""
        now = self.clock.monotonic()
        if now - self._breached.get((strategy, reason), -BREACH_EVERY_S) < BREACH_EVERY_S:
            return ()
        self._breached[(strategy, reason)] = now
        return ({"problem": RISK_LIMIT_BREACH, "strategy": strategy, "limit": reason, "detail": message},)

    def _runaway(self, strategy: str, reason: str, now_ns: int) -> Actions:
        """HALT `strategy` (once): the event to persist and the alert to raise."""
        if self.states.get("strategy", strategy) == HALTED:
            return NO_ACTIONS
        event = TradingStates.event("strategy", strategy, HALTED, reason=reason, by=BY_RISK, at_ns=now_ns)
        self.states.apply(event)
        return Actions((event,), ({"problem": STRATEGY_HALTED, "strategy": strategy, "reason": reason},))

    def denial_counts(self) -> dict[str, Any]:
        """{"total": {reason: n}, "strategies": {strategy: {reason: n}}}, since this gateway started."""
        return {"total": dict(self.denials),
                "strategies": {s: dict(c) for s, c in self.denials_by_strategy.items()}}
