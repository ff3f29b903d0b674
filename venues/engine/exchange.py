"""The exchange: the participants' requests (`venues.engine.core`) plus the venue operator's
side: trading phases, venue cancels, trade busts and corrections. The operator's actions
raise `VenueError` when they cannot be done (an operator's mistake is not a participant's
reject).

Phase transitions (per symbol; setting the current phase again is a no-op):

    PRE_OPEN        -> OPENING_AUCTION, CONTINUOUS, HALTED, CLOSED
    OPENING_AUCTION -> CONTINUOUS, HALTED, CLOSED
    CONTINUOUS      -> OPENING_AUCTION (a re-opening auction), HALTED, CLOSED
    HALTED          -> OPENING_AUCTION, CONTINUOUS, CLOSED
    CLOSED          -> PRE_OPEN, OPENING_AUCTION, CONTINUOUS

Entering CONTINUOUS uncrosses the book at one price first (see `venues.engine.auction`).
Entering CLOSED expires every DAY order (ExecType EXPIRED, OrdStatus EXPIRED); GTC orders
stay in the book.
"""
from __future__ import annotations

from itertools import takewhile

from venues.engine._ledger import Trade
from venues.engine.auction import Uncross, equilibrium
from venues.engine.core import ExchangeCore
from venues.engine.errors import VenueError
from venues.engine.messages import Report
from venues.engine.types import ExecType, Order, OrdStatus, Phase, TimeInForce

_TRANSITIONS = {
    Phase.PRE_OPEN: {Phase.OPENING_AUCTION, Phase.CONTINUOUS, Phase.HALTED, Phase.CLOSED},
    Phase.OPENING_AUCTION: {Phase.CONTINUOUS, Phase.HALTED, Phase.CLOSED},
    Phase.CONTINUOUS: {Phase.OPENING_AUCTION, Phase.HALTED, Phase.CLOSED},
    Phase.HALTED: {Phase.OPENING_AUCTION, Phase.CONTINUOUS, Phase.CLOSED},
    Phase.CLOSED: {Phase.PRE_OPEN, Phase.OPENING_AUCTION, Phase.CONTINUOUS},
}


class Exchange(ExchangeCore):
    """The multi-symbol exchange: participants' requests (`ExchangeCore`) plus the venue's
    own operations."""

    def set_phase(self, phase: Phase, symbol: str | None = None) -> list[Report]:
        """Move one symbol (or every symbol) to ``phase``. All-or-nothing: an impossible
        transition for any of them raises before anything changes."""
        symbols = self.symbols if symbol is None else (symbol,)
        for s in symbols:
            if s not in self._phases:
                raise VenueError(f"unknown symbol {s!r}")
            current = self._phases[s]
            if phase is not current and phase not in _TRANSITIONS[current]:
                raise VenueError(f"{s}: no transition from {current.name} to {phase.name}")
        out: list[Report] = []
        for s in symbols:
            if self._phases[s] is phase:
                continue
            self._phases[s] = phase
            if phase is Phase.CONTINUOUS:
                self._uncross(s, out)
            elif phase is Phase.CLOSED:
                self._expire_day_orders(s, out)
        return out

    def indicative_uncross(self, symbol: str) -> Uncross | None:
        """Price and volume the book would uncross at now; None when it is not crossed."""
        book = self._books[symbol]
        if not book.is_crossed():
            return None
        best_bid, best_ask = book.best_bid(), book.best_ask()
        # Levels outside [best ask, best bid] can execute at no candidate price.
        bids = [(lv.price, lv.qty) for lv in takewhile(lambda lv: lv.price >= best_ask, book.bids.levels())]
        asks = [(lv.price, lv.qty) for lv in takewhile(lambda lv: lv.price <= best_bid, book.asks.levels())]
        reference = self._last_px[symbol] or self._specs[symbol].reference_price
        return equilibrium(bids, asks, reference)

    def venue_cancel(self, order_id: str, text: str = "cancelled by the venue") -> list[Report]:
        """Unsolicited cancel of an open order; ``text`` tells its owner why."""
        order = self._orders.by_id.get(order_id)
        if order is None:
            raise VenueError(f"unknown order {order_id!r}")
        if not order.is_open:
            raise VenueError(f"order {order_id} is already {order.status.name.lower()}")
        self._close(order, OrdStatus.CANCELED)
        return [self._rep.report(order, ExecType.CANCELED, text=text)]

    def bust_trade(self, exec_id: str, text: str = "trade cancelled by the venue") -> list[Report]:
        """TRADE_CANCEL both sides of the trade that ``exec_id`` (either side's) names.

        cum_qty and avg_px drop back on both orders. An order still open gets its leaves
        back in place (same time priority); a closed order is not reopened (that could cross
        the book): its leaves stay 0, and a FILLED one becomes DONE_FOR_DAY.
        """
        trade = self._live_trade(exec_id)
        trade.busted = True
        out: list[Report] = []
        for order, ref in ((trade.buy, trade.buy_exec_id), (trade.sell, trade.sell_exec_id)):
            self._adjust(order, -trade.qty, -trade.qty * trade.price)
            out.append(self._rep.report(order, ExecType.TRADE_CANCEL, last_qty=trade.qty, last_px=trade.price,
                                        exec_ref_id=ref, trade_id=trade.trade_id, text=text))
        return out

    def correct_trade(self, exec_id: str, *, qty: int | None = None, price: int | None = None,
                      text: str = "trade corrected by the venue") -> list[Report]:
        """TRADE_CORRECT both sides to a new quantity and/or price (None keeps it).

        last_qty/last_px carry the corrected values, exec_ref_id the side's previous ExecID
        of this trade; the correction's ExecIDs name the trade from then on. Open orders
        keep cum + leaves == order_qty (an order the correction completes is FILLED).
        """
        trade = self._live_trade(exec_id)
        new_qty = trade.qty if qty is None else qty
        new_px = trade.price if price is None else price
        for name, value in (("qty", new_qty), ("price", new_px)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise VenueError(f"corrected {name} must be a positive integer, got {value!r}")
        delta = new_qty - trade.qty
        for order in (trade.buy, trade.sell):
            room = order.leaves_qty if order.is_open else order.order_qty - order.cum_qty
            if delta > room:
                raise VenueError(f"a quantity of {new_qty} would overfill order {order.order_id} "
                                 f"(cum {order.cum_qty} of {order.order_qty})")
        notional_delta = new_qty * new_px - trade.qty * trade.price
        out: list[Report] = []
        for order, attr in ((trade.buy, "buy_exec_id"), (trade.sell, "sell_exec_id")):
            self._adjust(order, delta, notional_delta)
            report = self._rep.report(order, ExecType.TRADE_CORRECT, last_qty=new_qty, last_px=new_px,
                                      exec_ref_id=getattr(trade, attr), trade_id=trade.trade_id, text=text)
            setattr(trade, attr, report.exec_id)
            self._orders.alias_trade(trade, report.exec_id)
            out.append(report)
        trade.qty, trade.price = new_qty, new_px
        return out

    # -- internals -----------------------------------------------------------------------

    def _uncross(self, symbol: str, out: list[Report]) -> None:
        result = self.indicative_uncross(symbol)
        if result is not None:
            self._books[symbol].uncross(
                result.price, lambda buy, sell, qty, px: self._record_trade(buy, sell, qty, px, None, out))

    def _expire_day_orders(self, symbol: str, out: list[Report]) -> None:
        book = self._books[symbol]
        expiring = [o for side in (book.bids, book.asks) for o in side.orders() if o.tif is TimeInForce.DAY]
        for order in expiring:
            self._close(order, OrdStatus.EXPIRED)
            out.append(self._rep.report(order, ExecType.EXPIRED, text="DAY order expired at the close"))

    def _live_trade(self, exec_id: str) -> Trade:
        trade = self._orders.trade(exec_id)
        if trade is None:
            raise VenueError(f"unknown trade exec_id {exec_id!r}")
        if trade.busted:
            raise VenueError(f"trade {trade.trade_id} ({exec_id}) is already busted")
        return trade

    def _adjust(self, order: Order, qty_delta: int, notional_delta: int) -> None:
        order.adjust_execution(qty_delta, notional_delta)
        if order.is_open:
            leaves = order.order_qty - order.cum_qty
            if leaves == 0:
                self._close(order, OrdStatus.FILLED)
            else:
                self._books[order.symbol].set_leaves(order, leaves)
                order.status = OrdStatus.PARTIALLY_FILLED if order.cum_qty else OrdStatus.NEW
        elif order.cum_qty == order.order_qty:
            order.status = OrdStatus.FILLED
        elif order.status is OrdStatus.FILLED:
            order.status = OrdStatus.DONE_FOR_DAY
