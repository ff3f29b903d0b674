"""The pre-trade risk gateway per order, in process, every check on, against an OMS holding a realistic
book: hundreds of open orders and dozens of positions across strategies, books, sectors and regions.

Builds an OmsState through its own events (orders submitted and logged, acknowledged, some partly
filled), a gateway following it, and quotes for every symbol; every limit is configured (loosely enough
that the orders measured pass, so every check runs to the end). Times `check_new` alone:

  static      the market as it was at the previous order (every mark current)
  moving      the order's own quote moves before each order, nobody re-marks it: the check does
  marked      the quote moves and the OMS calls market_moved(symbol) on it, as on each quote (the
              re-mark is then on the quote's path, timed apart: market_moved)

and for reference a replace, a cancel, and `follow` (what every OMS event costs the gateway).

    python bench/risk.py [--orders 20000] [--open 600] [--json]
"""
from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _vigil import pct  # noqa: E402

from actors.oms.risk import QuoteBoard, RiskConfig, RiskGateway  # noqa: E402
from actors.oms.state import OmsState  # noqa: E402
from vigil.clock import SimClock  # noqa: E402
from vigil.reference import Instrument  # noqa: E402
from vocabulary.reports import ExecutionReport  # noqa: E402

T0 = 1_800_000_000 * 10**9


def universe() -> tuple[dict[str, Instrument], dict[str, float]]:
    """24 symbols: FX pairs (two priced in JPY) and equities in 4 sectors, 3 regions, 3 currencies."""
    instruments, mids = {}, {}
    for symbol, mid in (("EURUSD", 1.1), ("GBPUSD", 1.27), ("AUDUSD", 0.66), ("USDCAD", 1.36), ("USDJPY", 150.0),
                        ("EURJPY", 165.0), ("NZDUSD", 0.61), ("USDCHF", 0.88)):
        instruments[symbol] = Instrument(symbol, 0.00001 if mid < 10 else 0.001, 1000, symbol[3:], "fx", "global")
        mids[symbol] = mid
    sectors, regions = ("tech", "energy", "industrials", "health"), (("us", "USD"), ("eu", "EUR"), ("asia", "JPY"))
    for i in range(16):
        region, currency = regions[i % 3]
        symbol = f"EQ{i:02d}"
        instruments[symbol] = Instrument(symbol, 1 if currency == "JPY" else 0.01, 100 if currency == "JPY" else 1,
                                         currency, sectors[i % 4], region)
        mids[symbol] = (3000.0 + 100 * i) if currency == "JPY" else 20.0 + 7 * i
    return instruments, mids


BOOKS = {"macro": ["carry", "trend-fx", "mean-rev"], "equities": ["stat-arb", "momentum", "pairs"],
         "main": ["mm-1", "mm-2"]}
STRATEGIES = {s: book for book, names in BOOKS.items() for s in names}


def limits() -> RiskConfig:
    strategy = {"max_order_qty": 5e6, "max_order_notional": 5e7, "collar_bps": 500, "max_position": 5e7,
                "max_open_orders": 10_000, "max_gross": 5e9, "max_net": 5e9, "max_daily_loss": 5e7,
                "message_rate": {"max": 100_000, "window_s": 1}, "executions": {"max": 100_000, "window_s": 60},
                "duplicate_window_s": 0.1}  # 2,000 orders a second here: a longer window would catch repeats
    book = {"max_order_qty": 1e7, "max_order_notional": 1e8, "collar_bps": 1000, "max_position": 1e8,
            "max_open_orders": 20_000, "max_gross": 1e10, "max_net": 1e10, "max_daily_loss": 1e8,
            "max_concentration": 1.0, "concentration_min_gross": 1, "max_var": 1e9}
    firm = {key: value * 10 for key, value in book.items()
            if key not in ("max_concentration", "concentration_min_gross", "max_var", "collar_bps")}
    return RiskConfig.from_dict({
        "firm": {**firm, "collar_bps": 2000}, "book_defaults": book, "strategy_defaults": strategy,
        "sectors": {s: {"max_gross": 1e11, "max_net": 1e11} for s in ("fx", "tech", "energy", "industrials", "health")},
        "regions": {r: {"max_gross": 1e11, "max_net": 1e11} for r in ("global", "us", "eu", "asia")},
        "market": {"max_quote_age_s": 60}, "var": {"max_age_s": 1e6}})


class Book:
    """An OmsState built through its events, with a gateway following it."""

    def __init__(self, open_orders: int, rng: random.Random) -> None:
        self.rng = rng
        self.instruments, self.mids = universe()
        self.clock = SimClock(T0)
        self.market = QuoteBoard()
        self.oms = OmsState("B")
        self.gw = RiskGateway(limits(), oms=self.oms, market=self.market, clock=self.clock,
                              instruments=self.instruments)
        self.gw.restricted = {"EQ15": "bench restriction"}
        self.requote_all()
        self.n = self.execs = 0
        self.follow_ns: list[int] = []
        # each strategy trades 8 symbols: positions (partly filled orders) and resting orders in them
        self.symbols = {s: rng.sample(sorted(set(self.instruments) - {"EQ15"}), 8) for s in STRATEGIES}
        for i in range(open_orders):
            strategy = list(STRATEGIES)[i % len(STRATEGIES)]
            symbol = self.symbols[strategy][(i // len(STRATEGIES)) % 8]
            order = self.submit(strategy, symbol, rng.choice(("buy", "sell")), self.size(symbol))
            self.apply(self.report(order, "0", "New"))
            if i % 5 == 0:
                self.fill(order, order.qty / 2)
        for book in BOOKS:
            self.gw.set_var(book, 1e6, at_ns=self.clock.now_ns())

    def size(self, symbol: str) -> int:
        """FX 10,000-500,000; equities 10-500 shares (1,000-50,000 in 100-share lots)."""
        lot = int(self.instruments[symbol].lot_size)
        return lot * self.rng.randint(10, 500) if lot == 1000 else lot * self.rng.randint(1, 50) * 10

    def price(self, symbol: str, side: str) -> Decimal:
        inst, mid = self.instruments[symbol], self.mids[symbol]
        px = mid * (1 + self.rng.uniform(-0.002, 0.002))
        return Decimal(str(round(round(px / inst.tick_size) * inst.tick_size, 6)))

    def requote_all(self) -> None:
        for symbol, mid in self.mids.items():
            self.quote(symbol, mid)

    def quote(self, symbol: str, mid: float) -> None:
        spread = mid * 0.0001
        self.market.set(symbol, mid - spread, mid + spread, self.clock.now_ns())

    def apply(self, event) -> None:
        """As the OMS will: OmsState.apply, then the gateway follows (timed)."""
        self.oms.apply(event)
        start = time.perf_counter_ns()
        self.gw.follow(event)
        self.follow_ns.append(time.perf_counter_ns() - start)

    def submit(self, strategy: str, symbol: str, side: str, qty) -> object:
        self.n += 1
        order = self.oms.blotter.submit(f"B{self.n}", account=STRATEGIES[strategy], strategy=strategy, session="s",
                                        symbol=symbol, side=side.capitalize(), ord_type="Limit", tif="Day", qty=qty,
                                        price=self.price(symbol, side))
        self.apply(order.created_event())
        return order

    def report(self, order, exec_type: str, status: str, **kw) -> ExecutionReport:
        self.execs += 1
        fields = dict(exec_id=f"E{self.execs}", exec_type=exec_type, ord_status=status, cl_ord_id=order.cl_ord_id,
                      order_id=f"O{order.root_cl_ord_id}", symbol=order.symbol, side=order.side, order_qty=order.qty,
                      price=order.price, cum_qty=order.cum_qty, leaves_qty=order.leaves_qty, avg_px=order.avg_px)
        fields.update(kw)
        return ExecutionReport(**fields)

    def fill(self, order, qty) -> None:
        qty = Decimal(qty).quantize(Decimal(1))
        cum = order.cum_qty + qty
        self.apply(self.report(order, "F", "PartiallyFilled", last_qty=qty, last_px=order.price, cum_qty=cum,
                               leaves_qty=order.qty - cum, avg_px=order.price))


def orders(book: Book, n: int) -> list[tuple]:
    """n orders to check: each strategy in its own symbols, alternating sides, prices near the market."""
    out = []
    names = list(STRATEGIES)
    for i in range(n):
        strategy = names[i % len(names)]
        symbol = book.rng.choice(book.symbols[strategy])
        side = book.rng.choice(("buy", "sell"))
        out.append((strategy, STRATEGIES[strategy], symbol, side, Decimal(book.size(symbol)),
                    book.price(symbol, side)))
    return out


def time_checks(book: Book, batch: list[tuple], mode: str) -> tuple[list[float], list[float], int]:
    gw, clock, rng = book.gw, book.clock, book.rng
    timings, remarks, denied = [], [], 0
    perf = time.perf_counter_ns
    for strategy, account, symbol, side, qty, price in batch:
        clock.advance(0.0005)
        if mode != "static":
            book.mids[symbol] *= 1 + rng.uniform(-1e-5, 1e-5)
            book.quote(symbol, book.mids[symbol])
            if mode == "marked":
                start = perf()
                gw.market_moved(symbol)
                remarks.append((perf() - start) / 1000)
        start = perf()
        decision = gw.check_new(strategy=strategy, book=account, symbol=symbol, side=side, qty=qty, price=price)
        timings.append((perf() - start) / 1000)
        denied += not decision.allowed
    return timings, remarks, denied


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=20_000, help="orders checked in each mode")
    parser.add_argument("--open", type=int, default=600, help="open orders in the OMS (a fifth partly filled)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print one JSON object of the figures last")
    args = parser.parse_args()
    if args.orders < 100 or args.open < 1:
        parser.error("--orders must be at least 100 and --open at least 1")

    book = Book(args.open, random.Random(args.seed))
    follow = [ns / 1000 for ns in book.follow_ns]
    positions = sum(1 for p in book.oms.positions if p.qty)
    open_orders = len(book.oms.blotter.open_orders())
    print(f"OMS: {open_orders} open orders, {positions} positions, {len(STRATEGIES)} strategies in {len(BOOKS)} books, "
          f"{len(book.instruments)} symbols", file=sys.stderr)
    figures: dict[str, float | int] = {"open_orders": open_orders, "positions": positions}
    gc.collect()
    for mode in ("static", "moving", "marked"):
        batch = orders(book, args.orders)
        time_checks(book, batch[: args.orders // 10], mode)  # warm up: plans built, caches hot
        timings, remarks, denied = time_checks(book, batch, mode)
        figures[f"{mode}_median_us"] = round(statistics.median(timings), 2)
        figures[f"{mode}_p99_us"] = round(pct(timings, 99), 2)
        figures[f"{mode}_denied"] = denied
        if remarks:
            figures["market_moved_median_us"] = round(statistics.median(remarks), 2)
            figures["market_moved_p99_us"] = round(pct(remarks, 99), 2)
    order = next(o for o in book.oms.blotter.open_orders())
    replace, cancel = [], []
    for i in range(2000):
        book.clock.advance(0.0005)
        start = time.perf_counter_ns()
        book.gw.check_replace(order, qty=order.qty + i % 7 + 1)
        middle = time.perf_counter_ns()
        book.gw.check_cancel(order.strategy)
        cancel.append((time.perf_counter_ns() - middle) / 1000)
        replace.append((middle - start) / 1000)
    figures.update({"replace_median_us": round(statistics.median(replace), 2),
                    "cancel_median_us": round(statistics.median(cancel), 2),
                    "follow_median_us": round(statistics.median(follow), 2), "follow_p99_us": round(pct(follow, 99), 2),
                    "orders": args.orders})
    for mode, what in (("static", "market unchanged since the last order"),
                       ("moving", "the order's quote moved, re-marked by the check"),
                       ("marked", "the quote moved and market_moved re-marked it first")):
        print(f"check_new, {what}: median {figures[f'{mode}_median_us']} us, p99 {figures[f'{mode}_p99_us']} us "
              f"({figures[f'{mode}_denied']} of {args.orders} denied)")
    print("target: median under 20 us")
    print(f"market_moved (on the quote's path): median {figures['market_moved_median_us']} us, "
          f"p99 {figures['market_moved_p99_us']} us")
    print(f"check_replace median {figures['replace_median_us']} us, "
          f"check_cancel median {figures['cancel_median_us']} us")
    print(f"follow (per OMS event, building the book): median {figures['follow_median_us']} us, "
          f"p99 {figures['follow_p99_us']} us")
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
