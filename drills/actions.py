"""What a drill can do to the running system: faults (to actors, the venue, Redis) and the operators'
big red buttons. Each returns what it did, for the journal; an action that cannot be done raises."""
from __future__ import annotations

import json
import os
import signal
import time
import uuid
from typing import Any

from drills.catalog import ACTIONS
from drills.live import Live
from vigil.errors import VigilError
from vigil.messages import InjectFault
from vocabulary import roles

OPERATOR = "drill"
CONTROL_TIMEOUT_S = 30.0
"""A big red button's answer may wait behind the OMS's sweep of orders (cancels, closing orders)."""


# ---- actors -----------------------------------------------------------------------------------------
@ACTIONS.add
def kill(live: Live, targets: list[str]) -> dict[str, int]:
    """SIGKILL each target's process (its supervisor restarts it)."""
    killed = {}
    for path in targets:
        pid = int(live.actor(path).get("pid") or 0)
        if pid <= 0:
            raise VigilError(f"{path} has no process to kill (state {live.actor(path).get('state')})")
        os.kill(pid, signal.SIGKILL)
        killed[path] = pid
    return killed


@ACTIONS.add
def hang(live: Live, targets: list[str], *, seconds: float = 60.0) -> list[str]:
    """Make each target stop answering for `seconds` (its heartbeats stop: its supervisor restarts it)."""
    for path in targets:
        live.client.tell(path, InjectFault("hang", seconds))
    return targets


# ---- the venue --------------------------------------------------------------------------------------
@ACTIONS.add
def md_silent(live: Live, *, line: str = "primary", on: bool = True) -> str:
    """Stop (on: false, resume) one of the venue's market-data lines: primary or backup."""
    return live.venue("md_silent", line=line, on=on)


@ACTIONS.add
def md_corrupt(live: Live, *, n: int = 5, kind: str = "garbage") -> str:
    """The venue's next n market-data messages go out corrupt: garbage, crossed or negative."""
    return live.venue("md_corrupt", n=n, kind=kind)


@ACTIONS.add
def md_gap(live: Live, *, n: int = 10) -> str:
    """The venue skips n market-data sequence numbers: a gap every feed sees."""
    return live.venue("md_gap", n=n)


@ACTIONS.add
def drop_connection(live: Live, *, comp_id: str = "") -> str:
    """The venue drops the FIX connection of one client (its CompID), or every client's."""
    return live.venue("drop_connection", **({"comp_id": comp_id} if comp_id else {}))


@ACTIONS.add
def refuse_logon(live: Live, *, n: int = -1, comp_id: str = "") -> str:
    """The venue refuses the next n logons (-1: every one, 0: none again) of one client, or all."""
    return live.venue("refuse_logon", n=n, **({"comp_id": comp_id} if comp_id else {}))


@ACTIONS.add
def reject_next(live: Live, *, n: int) -> str:
    """The venue rejects the next n orders it receives."""
    return live.venue("reject_next", n=n)


@ACTIONS.add
def delay_reports(live: Live, *, ms: int) -> str:
    """The venue holds every report back for ms milliseconds (0: no more)."""
    return live.venue("delay_reports", ms=ms)


@ACTIONS.add
def hold(live: Live, *, what: str = "reports", comp_id: str = "") -> str:
    """The venue keeps back its reports to (what: reports) or the requests from (requests) one client, or all:
    orders stay in flight, unanswered, until `release`."""
    if what not in ("reports", "requests"):
        raise VigilError(f"hold: what is reports or requests, not {what!r}")
    return live.venue(f"hold_{what}", **({"comp_id": comp_id} if comp_id else {}))


@ACTIONS.add
def release(live: Live, *, what: str = "reports", comp_id: str = "") -> str:
    """The venue sends (or takes in) what it held, in order, and holds no more."""
    if what not in ("reports", "requests"):
        raise VigilError(f"release: what is reports or requests, not {what!r}")
    return live.venue(f"release_{what}", **({"comp_id": comp_id} if comp_id else {}))


# ---- Redis ------------------------------------------------------------------------------------------
def _redis_pid(live: Live) -> int:
    from vigil.rundir import running

    info = running(live.client.run_dir) or {}
    if not info.get("redis_owned") or not info.get("redis_pid"):
        raise VigilError("this run's Redis is not Vigil's own (VIGIL_REDIS_URL): a drill restarts only the "
                         "redis-server Vigil started")
    return int(info["redis_pid"])


@ACTIONS.add
def redis_restart(live: Live, *, timeout_s: float = 15.0) -> dict[str, int]:
    """Stop Vigil's redis-server (SIGTERM: it writes its append-only file out) as an ops restart would; Vigil's
    daemon starts it again. Returns once the new one answers."""
    old = _redis_pid(live)
    os.kill(old, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        time.sleep(0.05)
        try:
            new = _redis_pid(live)
            if new != old and live.client.redis.ping():
                return {"old_pid": old, "new_pid": new}
        except Exception:  # noqa: BLE001 - not back yet
            continue
    raise VigilError(f"Redis was not running again within {timeout_s:g} s of its restart")


@ACTIONS.add
def redis_pause(live: Live, *, seconds: float = 2.0) -> str:
    """Freeze Vigil's redis-server for `seconds` (SIGSTOP, then SIGCONT): every write waits, none fails."""
    pid = _redis_pid(live)
    os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(seconds)
    finally:
        os.kill(pid, signal.SIGCONT)
    return f"redis-server {pid} paused for {seconds:g} s"


@ACTIONS.add
def redis_resume(live: Live) -> str:
    """Let a paused redis-server go on (SIGCONT): the rollback of a pause cut short."""
    pid = _redis_pid(live)
    os.kill(pid, signal.SIGCONT)
    return f"redis-server {pid} running"


# ---- strategies and feeds ---------------------------------------------------------------------------
@ACTIONS.add
def runaway(live: Live, *, strategy: str, orders: int = 100, symbol: str = "", side: str = "buy",
            size: int = 1000, price_offset_bps: float = 50.0) -> dict[str, Any]:
    """Send `orders` signals for a strategy as fast as the intake takes them, as a strategy gone wrong would:
    limit orders price_offset_bps behind the touch (they rest, they do not trade)."""
    import zmq

    endpoint = live.advertised(live.one(roles.SIGNALS), "signals")
    if endpoint is None:
        raise VigilError("the signal intake has not advertised its endpoint")
    symbol = symbol or next(iter(live.strategies()[strategy]["position"] or {}), "") or "EURUSD"
    quote = _touch(live, symbol, side)
    price = round(quote * (1 - price_offset_bps / 1e4 if side == "buy" else 1 + price_offset_bps / 1e4), 5)
    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    try:
        sock.connect(endpoint)
        run = uuid.uuid4().hex[:8]
        for i in range(orders):
            sock.send(json.dumps({"id": f"drill-{run}-{i}", "strategy": strategy, "symbol": symbol, "side": side,
                                  "size": size, "price": price}).encode())
        answers: dict[str, int] = {}
        deadline = time.monotonic() + 10.0
        while sum(answers.values()) < orders and time.monotonic() < deadline:
            if sock.poll(200):
                status = json.loads(sock.recv()).get("status", "?")
                answers[status] = answers.get(status, 0) + 1
        return {"sent": orders, "answers": answers, "symbol": symbol, "price": price}
    finally:
        sock.close(0)
        ctx.term()


def _touch(live: Live, symbol: str, side: str) -> float:
    """The symbol's touch on the order's side, from the first feed's own stream."""
    from vocabulary.subscriber import FeedSubscriber

    endpoint = live.advertised(live.one(roles.FEED), "md")
    if endpoint is None:
        raise VigilError("no feed has advertised its market data: no price to order at")
    with FeedSubscriber(endpoint, [symbol]) as sub:
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            if sub.wait(0.2) and (quote := sub.latest().quotes.get(symbol)) is not None:
                return quote.bid_px if side == "buy" else quote.ask_px
    raise VigilError(f"no quote for {symbol} from the feed within 5 s")


@ACTIONS.add
def switch_feed(live: Live, *, to: str, feed: str = "") -> str:
    """Make a feed's primary or backup the source it delivers from, now."""
    from vocabulary.feeds import SwitchSource

    path = live.one(roles.FEED, feed)
    live.ask(path, SwitchSource(to, reason=f"{OPERATOR}: switch to {to}"))
    return f"{path} switched to {to}"


@ACTIONS.add
def cancel_orders(live: Live, *, strategy: str = "") -> dict[str, Any]:
    """Cancel every open order (of one strategy), as an operator would one by one."""
    from vocabulary.orders import CancelOrder

    asked, refused = [], {}
    for order in live.orders():
        if order.get("is_open") and (not strategy or order["strategy"] == strategy):
            try:
                live.ask(live.oms(), CancelOrder(order["cl_ord_id"]))
                asked.append(order["cl_ord_id"])
            except VigilError as err:  # filled meanwhile: nothing to cancel
                refused[order["cl_ord_id"]] = str(err)
    return {"cancelled": asked, "refused": refused}


# ---- the big red buttons ----------------------------------------------------------------------------
@ACTIONS.add
def set_state(live: Live, *, scope: str, state: str, name: str = "", reason: str = "fire drill") -> str:
    """Put a strategy or a book (scope; its name), or everything (scope: global), in HALTED, REDUCING or ACTIVE."""
    from vocabulary.controls import SetTradingState

    done = live.ask(live.oms(), SetTradingState(scope, name or None, state.upper(), reason, OPERATOR),
                    timeout=CONTROL_TIMEOUT_S)
    return f"{done.action} {done.target}: {done.state}"


@ACTIONS.add
def flatten(live: Live, *, book: str = "", reason: str = "fire drill") -> dict[str, Any]:
    """Cancel a book's resting orders (every book's by default), then close its positions at the venue."""
    from vocabulary.controls import Flatten

    done = live.ask(live.oms(), Flatten(book or None, reason, OPERATOR), timeout=CONTROL_TIMEOUT_S)
    return {"cancelled": list(done.cancelled), "sent": list(done.sent), "failed": list(done.failed)}


@ACTIONS.add
def kill_switch(live: Live, *, release: bool = False, reason: str = "fire drill") -> dict[str, Any]:
    """Pull the kill switch (every strategy HALTED, every working order cancelled), or release it."""
    from vocabulary.controls import Kill

    done = live.ask(live.oms(), Kill(reason, OPERATOR, release=release), timeout=CONTROL_TIMEOUT_S)
    return {"state": done.state, "cancelled": list(done.cancelled), "failed": list(done.failed)}


@ACTIONS.add
def resume_strategy(live: Live, *, strategy: str, reason: str = "fire drill over") -> str:
    """Resume a halted strategy at the OMS and at its host, as `vigil strategy resume` does."""
    from vocabulary.controls import ResumeStrategy, SetTradingState

    live.ask(live.oms(), SetTradingState("strategy", strategy, "ACTIVE", reason, OPERATOR))
    for path in live.paths(roles.STRATEGY):
        if path.rsplit("/", 1)[-1] == strategy:
            live.ask(path, ResumeStrategy(reason, OPERATOR))
    return f"{strategy} resumed"
