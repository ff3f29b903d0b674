"""Background order flow: other participants' orders, so the simulated venue has liquidity
and moving prices.

Each symbol has a mid price that random-walks (Gaussian steps, in ticks). Every step sends
exactly one request, for one symbol picked at random among those accepting orders:

1. the flow's order furthest from the mid, if any is further than ``cancel_distance``, is
   cancelled (so the book follows the mid);
2. else, if a side holds fewer than ``orders_per_side`` flow orders, a passive DAY limit
   order joins it within ``spread_ticks`` of the mid (a bid below it, an offer above it;
   when the mid has moved past stale orders of the other side, that order trades);
3. else, in CONTINUOUS, with probability ``aggressive_share`` an IOC limit order takes
   liquidity up to ``spread_ticks`` through the mid (it may fill participants' orders);
4. else one resting flow order is cancelled or re-priced (cancel/replace) near the mid.

Everything random comes from one `random.Random(seed)`, and time only from the exchange's
injected clock, so the same seed against the same exchange state and clock readings sends
the same requests and produces the same reports.
"""
from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import count

from venues.engine.exchange import Exchange
from venues.engine.messages import NewOrderSingle, OrderCancelReplaceRequest, OrderCancelRequest, Report
from venues.engine.types import Order, OrdType, Phase, Side, TimeInForce

_ACCEPTING = (Phase.PRE_OPEN, Phase.OPENING_AUCTION, Phase.CONTINUOUS)


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowConfig:
    owner: str = "FLOW"
    """Owner of the flow's orders; its ClOrdIDs are "<owner>-<n>", so one flow per owner."""
    rate_per_s: float = 200.0
    """Requests per second of clock time that `OrderFlow.run_due` sends."""
    max_burst: int = 1_000
    """At most this many requests per `run_due`; a longer backlog is dropped, not replayed."""
    orders_per_side: int = 8
    spread_ticks: int = 5
    cancel_distance: int = 12
    max_lots: int = 10
    """Order sizes are 1..max_lots lots (capped by the symbol's max_order_qty)."""
    aggressive_share: float = 0.25
    volatility_ticks: float = 0.5
    """Standard deviation of the mid's step, in ticks."""
    start_mid: int = 10_000
    """Starting mid in ticks for a symbol with no last price and no reference price."""

    def __post_init__(self) -> None:
        if self.rate_per_s <= 0 or self.max_burst < 1 or self.orders_per_side < 1 or self.spread_ticks < 1:
            raise ValueError("rate_per_s, max_burst, orders_per_side and spread_ticks must be positive")
        if self.cancel_distance < self.spread_ticks:
            raise ValueError("cancel_distance must be at least spread_ticks, or new orders are cancelled at once")


class OrderFlow:
    """Seeded generator of background orders against one `Exchange`."""

    def __init__(self, exchange: Exchange, seed: int, config: FlowConfig | None = None,
                 symbols: Iterable[str] | None = None) -> None:
        self._ex = exchange
        self._cfg = config or FlowConfig()
        self._rng = random.Random(seed)
        self._symbols = tuple(symbols) if symbols is not None else exchange.symbols
        self._mid = {s: float(exchange.last_price(s) or exchange.spec(s).reference_price or self._cfg.start_mid)
                     for s in self._symbols}
        self._resting: dict[str, list[Order]] = {s: [] for s in self._symbols}
        self._ids = count(1)
        self._interval_ns = max(1, round(1e9 / self._cfg.rate_per_s))
        self._next_ns = exchange.clock.now_ns()

    def mid(self, symbol: str) -> float:
        return self._mid[symbol]

    def run_due(self) -> list[Report]:
        """Send the requests due by the clock's now at ``rate_per_s`` (call it on a timer)."""
        now = self._ex.clock.now_ns()
        if now < self._next_ns:
            return []
        due = (now - self._next_ns) // self._interval_ns + 1
        if due > self._cfg.max_burst:
            due, self._next_ns = self._cfg.max_burst, now + self._interval_ns
        else:
            self._next_ns += due * self._interval_ns
        return self.step(due)

    def step(self, n: int = 1) -> list[Report]:
        """Send ``n`` requests; returns every report they caused, for whichever owner."""
        out: list[Report] = []
        for _ in range(n):
            self._step(out)
        return out

    def _step(self, out: list[Report]) -> None:
        cfg, rng = self._cfg, self._rng
        active = [s for s in self._symbols if self._ex.phase(s) in _ACCEPTING]
        if not active:
            return
        symbol = rng.choice(active)
        mid = self._mid[symbol] = max(self._mid[symbol] + rng.gauss(0.0, cfg.volatility_ticks),
                                      cfg.spread_ticks + 1.0)
        resting = self._resting[symbol] = [o for o in self._resting[symbol] if o.is_open]
        far = [o for o in resting if abs(o.price - mid) > cfg.cancel_distance]
        if far:
            victim = max(far, key=lambda o: abs(o.price - mid))
            out += self._ex.cancel(OrderCancelRequest(owner=cfg.owner, cl_ord_id=self._cl_ord_id(),
                                                      order_id=victim.order_id))
            return
        bids = sum(o.side is Side.BUY for o in resting)
        asks = len(resting) - bids
        if min(bids, asks) < cfg.orders_per_side:
            side = Side.BUY if bids < asks else Side.SELL if asks < bids else rng.choice((Side.BUY, Side.SELL))
            self._submit(symbol, side, self._passive_price(side, mid), TimeInForce.DAY, out)
        elif self._ex.phase(symbol) is Phase.CONTINUOUS and rng.random() < cfg.aggressive_share:
            side = rng.choice((Side.BUY, Side.SELL))
            through = rng.randint(1, cfg.spread_ticks)
            price = math.floor(mid) + through if side is Side.BUY else max(1, math.ceil(mid) - through)
            self._submit(symbol, side, price, TimeInForce.IOC, out)
        else:
            victim = rng.choice(resting)
            if rng.random() < 0.5:
                out += self._ex.cancel(OrderCancelRequest(owner=cfg.owner, cl_ord_id=self._cl_ord_id(),
                                                          order_id=victim.order_id))
            else:
                out += self._ex.replace(OrderCancelReplaceRequest(
                    owner=cfg.owner, cl_ord_id=self._cl_ord_id(), order_id=victim.order_id,
                    price=self._passive_price(victim.side, mid)))

    def move_to(self, symbol: str, factor: float, offset_ticks: float) -> list[Report]:
        """A corporate action: the mid goes to the new units (mid x factor - offset), and the flow's own
        resting orders, priced in the old ones, are cancelled; it quotes afresh around the new mid from
        its next steps. Other participants' orders are theirs (their brokers adjust or cancel them)."""
        self._mid[symbol] = max(self._mid[symbol] * factor - offset_ticks, self._cfg.spread_ticks + 1.0)
        out: list[Report] = []
        for order in self._resting[symbol]:
            if order.is_open:
                out += self._ex.cancel(OrderCancelRequest(owner=self._cfg.owner, cl_ord_id=self._cl_ord_id(),
                                                          order_id=order.order_id))
        self._resting[symbol] = []
        return out

    def _passive_price(self, side: Side, mid: float) -> int:
        away = self._rng.randint(1, self._cfg.spread_ticks)
        return max(1, math.ceil(mid) - away) if side is Side.BUY else math.floor(mid) + away

    def _submit(self, symbol: str, side: Side, price: int, tif: TimeInForce, out: list[Report]) -> None:
        spec = self._ex.spec(symbol)
        lots = self._rng.randint(1, self._cfg.max_lots)
        if spec.max_order_qty is not None:
            lots = min(lots, spec.max_order_qty // spec.lot_size)
        reports = self._ex.submit(NewOrderSingle(
            owner=self._cfg.owner, cl_ord_id=self._cl_ord_id(), symbol=symbol, side=side,
            order_qty=lots * spec.lot_size, ord_type=OrdType.LIMIT, price=price, tif=tif))
        out += reports
        order = self._ex.order(reports[0].order_id)
        if order is not None and order.is_open:
            self._resting[symbol].append(order)

    def _cl_ord_id(self) -> str:
        return f"{self._cfg.owner}-{next(self._ids)}"
