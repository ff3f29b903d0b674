"""What a drill can ask of the running system. Each probe is read-only and answers within seconds.

The venue's side of a comparison comes from the venue's drop copy (what it holds for each of Vigil's
CompIDs), never from Vigil's own books: a book checked against itself proves nothing.
"""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from drills.catalog import PROBES, Found
from drills.live import Live
from vigil.metrics import read_all
from vigil.procs import pid_alive
from vocabulary import roles

SETTLE_S = 0.3
SETTLE_WITHIN_S = 5.0
"""A comparison of Vigil's books with the venue's that finds a difference looks again every SETTLE_S and
keeps only what it finds at every look for SETTLE_WITHIN_S: a fill on the wire is in one book a few ms
before the other, and one sent while a FIX session or the OMS was restarting reaches Vigil's books when
the session has logged on again and the OMS has reconciled (some seconds in a chaos soak)."""


def _settled(compare: Callable[[], dict[Any, str]]) -> list[str]:
    """What a comparison found ({key: description}) at every look (see SETTLE_WITHIN_S), as last described."""
    found = compare()
    deadline = time.monotonic() + SETTLE_WITHIN_S
    while found and time.monotonic() < deadline:
        time.sleep(SETTLE_S)
        now = compare()
        found = {key: now[key] for key in found if key in now}
    return sorted(found.values())


# ---- actors -----------------------------------------------------------------------------------------
@PROBES.add
def actor_state(live: Live, *, path: str) -> str:
    """An actor's lifecycle state: running, degraded, recovering, failed, stopped..."""
    return live.actor(path).get("state", "unknown")


@PROBES.add
def actor_restarts(live: Live, *, path: str) -> int:
    """How many times an actor has been restarted since the drill began."""
    return int(live.actor(path).get("restarts") or 0) - live.baseline.get("restarts", {}).get(path, 0)


@PROBES.add
def actors_down(live: Live) -> Found:
    """Actors not up (0: every one running, each with a live process): one killed counts at once, before its
    supervisor has heard."""
    down = [f"{a['path']} {a.get('state')} (pid {a.get('pid')})" for a in live.actors()
            if a.get("state") not in ("running", "degraded") or not _up(int(a.get("pid") or 0))]
    return Found(len(down), down)


def _up(pid: int) -> bool:
    return pid > 0 and pid_alive(pid)  # pid_alive(0) or (-1) would ask about a whole process group


@PROBES.add
def others_healthy(live: Live) -> Found:
    """Actors the drill's actions did not touch that are not running or restarted since it began (0: none):
    a fault that spread beyond its target."""
    before = live.baseline.get("restarts", {})
    hurt = [f"{a['path']} {a.get('state')} ({int(a.get('restarts') or 0) - before.get(a['path'], 0)} restarts)"
            for a in live.actors() if a["path"] not in live.targeted and not _under(a["path"], live.targeted)
            and (a.get("state") not in ("running", "degraded")
                 or int(a.get("restarts") or 0) > before.get(a["path"], 0))]
    return Found(len(hurt), hurt)


def _under(path: str, targeted: set[str]) -> bool:
    """A child of a targeted actor (a supervisor's) goes down with it."""
    return any(path.startswith(t + "/") or t.startswith(path + "/") for t in targeted)


# ---- market data ------------------------------------------------------------------------------------
def _feed(live: Live, feed: str) -> Any:
    from vocabulary.feeds import GetFeedStatus

    return live.ask(live.one(roles.FEED, feed), GetFeedStatus(), timeout=3.0)


@PROBES.add
def feed_source(live: Live, *, feed: str = "") -> str:
    """The source a feed delivers from: primary or backup."""
    return _feed(live, feed).active


@PROBES.add
def feed_rate(live: Live, *, feed: str = "", window_s: float = 1.0) -> float:
    """Messages a second a feed delivered over the last window_s (it waits that long)."""
    first = _feed(live, feed).delivered
    time.sleep(window_s)
    return round((_feed(live, feed).delivered - first) / window_s, 1)


@PROBES.add
def feed_quarantined(live: Live, *, feed: str = "", rule: str = "") -> int:
    """Messages a feed quarantined since the drill began (of one rule, or all)."""
    status = _feed(live, feed)
    before = live.baseline.get("quarantined", {}).get(status.path, {})
    counts = {k: n - before.get(k, 0) for k, n in status.quarantined.items()}
    return counts.get(rule, 0) if rule else sum(counts.values())


# ---- sessions and strategies ------------------------------------------------------------------------
@PROBES.add
def session_state(live: Live, *, session: str = "") -> str:
    """A FIX session's state: logged_on or down."""
    from vocabulary.sessions import GetSessionStatus

    status = live.ask(live.one(roles.BROKER_SESSION, session), GetSessionStatus(), timeout=3.0)
    return "logged_on" if status.logged_on else "down"


@PROBES.add
def strategy_state(live: Live, *, strategy: str) -> str:
    """A strategy's trading state at the OMS: ACTIVE, REDUCING or HALTED."""
    row = live.strategies().get(strategy)
    if row is None:
        raise LookupError(f"no strategy {strategy!r} (strategies: {', '.join(live.strategies())})")
    return row["state"]


# ---- pages ------------------------------------------------------------------------------------------
@PROBES.add
def page(live: Live, *, alert: str, source: str = "") -> str:
    """What became of an alert's page since the drill began: none, triggered (open) or resolved."""
    state = "none"
    for row in live.pages_since_start():
        if _is(row, alert, source):
            state = "triggered" if row["action"] == "trigger" else "resolved" if state == "triggered" else state
    return state


@PROBES.add
def open_pages(live: Live, *, alert: str = "") -> Found:
    """Incidents the pagers have open (triggered and not resolved), whenever they were raised (of one alert):
    a drill that must see its alert paged cannot while the incident is open (a second trigger is the same
    incident)."""
    last: dict[str, str] = {}
    for row in live.pages():
        if not alert or _is(row, alert, ""):
            last[row["dedup_key"]] = row["action"]
    keys = sorted(k for k, action in last.items() if action == "trigger")
    return Found(len(keys), keys)


@PROBES.add
def unexpected_pages(live: Live, *, allow: list = ()) -> Found:  # type: ignore[assignment]
    """Pages raised since the drill began for alerts not in `allow` (0: nothing paged that should not be)."""
    keys = sorted({r["dedup_key"] for r in live.pages_since_start()
                   if r["action"] == "trigger" and r["dedup_key"].split(":", 1)[0] not in allow})
    return Found(len(keys), keys)


@PROBES.add
def sink_pages(live: Live, *, alert: str = "", with_runbook: bool = False) -> Found:
    """Triggers the local Events API endpoint (the pager sink) received since the drill began (of one alert;
    with_runbook: only those whose links name a runbook file that exists): what on-call's phone got."""
    from vigil.pager_sink import read_events

    cert = live.advertised(live.one(roles.PAGER_SINK), "cert")
    if not cert:
        raise LookupError("the pager sink has not advertised where it keeps what it received")
    got = [e for e in read_events(Path(cert).parent) if e["event_action"] == "trigger"
           and e["received_at"] >= live.started_at and (not alert or e["dedup_key"].split(":", 1)[0] == alert)]
    if with_runbook:
        got = [e for e in got if any(Path(link["href"].removeprefix("file://")).is_file()
                                     for link in e.get("links") or () if "runbook" in link.get("text", ""))]
    return Found(len(got), [f"{e['dedup_key']}: {e['payload']['summary'][:120]}" for e in got])


@PROBES.add
def risk_denials(live: Live, *, reason: str = "", strategy: str = "") -> Found:
    """Orders the risk gateway denied since the drill began (for one reason, of one strategy): a real limit
    tripping, as a stop condition."""
    rows = live.strategies()
    before = live.baseline.get("denials", {})
    found = {}
    for name, row in rows.items():
        if strategy and name != strategy:
            continue
        for why, n in row["denials"].items():
            if not reason or why == reason:
                was = before.get(f"{name} {why}", 0)
                found[f"{name} {why}"] = n - was if n >= was else n  # counted from zero by an OMS restarted
    return Found(sum(found.values()), sorted(f"{k}: {n}" for k, n in found.items() if n))


def _is(row: dict[str, Any], alert: str, source: str) -> bool:
    problem, _, where = row["dedup_key"].partition(":")
    return problem == alert and (not source or where == source)


# ---- orders against the venue -----------------------------------------------------------------------
@PROBES.add
def orders_lost(live: Live) -> Found:
    """Orders lost or in doubt (0: every ClOrdID in a terminal or known state): ones the OMS holds as
    uncertain, or as open while the venue does not work them; ones the venue works or filled that the
    OMS does not know."""
    lost = lost_orders(live)
    return Found(len(lost), lost)


def lost_orders(live: Live) -> list[str]:
    return _settled(lambda: _lost(live))


def _lost(live: Live) -> dict[str, str]:
    orders, venue = live.orders(), live.drop_copies()
    known = {o["order_id"] for o in orders if o.get("order_id")} | \
        {i for o in orders for i in (o["cl_ord_id"], o["root_cl_ord_id"])}
    working = {w["order_id"] for copy in venue.values() for w in copy["working"]}
    lost = {o["cl_ord_id"]: f"{o['cl_ord_id']}: {o['status']}, uncertain at the OMS"
            for o in orders if o.get("uncertain")}
    lost |= {o["cl_ord_id"]: f"{o['cl_ord_id']}: {o['status']} at the OMS, not working at the venue" for o in orders
             if o.get("is_open") and not o.get("uncertain") and o.get("order_id") and o["order_id"] not in working}
    lost |= {item["cl_ord_id"]: f"{item['cl_ord_id']}: {what} at the venue, unknown to the OMS"
             for copy in venue.values() for what, items in (("working", copy["working"]), ("filled", copy["fills"]))
             for item in items if item["order_id"] not in known and item["cl_ord_id"] not in known}
    return lost


@PROBES.add
def venue_duplicates(live: Live) -> Found:
    """ClOrdIDs the venue received twice, fills it reported twice, and strategy ids that reached it as two
    orders (0: none): what a restarted sender must never produce."""
    found, copies = [], live.drop_copies()
    for comp_id, copy in copies.items():
        found += [f"{comp_id} ClOrdID {i} received twice" for i in copy["duplicated_cl_ord_ids"]]
        found += [f"{comp_id} fill {i} reported twice" for i in copy["duplicated_fills"]]
    at_venue = {w["order_id"] for copy in copies.values() for w in (*copy["working"], *copy["fills"])}
    per_client_id = Counter((o["strategy"], o["client_id"]) for o in live.orders()
                            if o.get("client_id") and o.get("order_id") in at_venue)
    found += [f"{strategy} order {client_id} reached the venue {n} times"
              for (strategy, client_id), n in per_client_id.items() if n > 1]
    return Found(len(found), sorted(found))


@PROBES.add
def position_breaks(live: Live) -> Found:
    """Symbols whose net position at the OMS differs from the venue's (0: books agree)."""
    breaks = _settled(lambda: _breaks(live))
    return Found(len(breaks), breaks)


def _breaks(live: Live) -> dict[tuple[str, Decimal], str]:
    ours: Counter = Counter()
    for row in live.positions():
        ours[row["symbol"]] += Decimal(str(row["qty"]))
    theirs = _venue_net(live)
    # Keyed by the difference too: the same break seen again, not another fill on its way
    return {(symbol, theirs[symbol] - ours[symbol]): f"{symbol}: Vigil {ours[symbol]:f}, venue {theirs[symbol]:f}"
            for symbol in sorted(set(ours) | set(theirs)) if ours[symbol] != theirs[symbol]}


def _venue_net(live: Live) -> Counter:
    net: Counter = Counter()
    for copy in live.drop_copies().values():
        for symbol, qty in copy["positions"].items():
            net[symbol] += Decimal(str(qty))
    return net


@PROBES.add
def unknown_working_orders(live: Live) -> Found:
    """Orders working at the venue that the OMS does not hold as open (0: none)."""
    def unknown() -> dict[str, str]:
        open_ids = {o["order_id"] for o in live.orders() if o.get("is_open")}
        return {w["cl_ord_id"]: f"{w['cl_ord_id']} {w['side']} {w['leaves_qty']} {w['symbol']}"
                for copy in live.drop_copies().values() for w in copy["working"] if w["order_id"] not in open_ids}
    found = _settled(unknown)
    return Found(len(found), found)


@PROBES.add
def working_at_venue(live: Live) -> int:
    """Orders of Vigil's working at the venue now."""
    return sum(len(copy["working"]) for copy in live.drop_copies().values())


@PROBES.add
def flat_at_venue(live: Live) -> Found:
    """Symbols Vigil holds a position in at the venue (0: flat everywhere)."""
    held = [f"{symbol} {qty:f}" for symbol, qty in sorted(_venue_net(live).items()) if qty]
    return Found(len(held), held)


@PROBES.add
def orders_in_flight(live: Live, *, strategy: str = "") -> int:
    """Orders (of one strategy) sent and not yet answered by the venue (PendingNew at the OMS)."""
    return sum(1 for o in live.orders() if o["status"] == "PendingNew" and (not strategy or o["strategy"] == strategy))


@PROBES.add
def orders_count(live: Live) -> int:
    """Orders the OMS has, of every state."""
    return len(live.orders())


@PROBES.add
def pnl_change(live: Live, *, strategy: str = "") -> float:
    """How much a strategy's P&L today (all strategies' together by default) moved since the drill began."""
    return round(_pnl(live, strategy) - live.baseline.get("pnl", {}).get(strategy, 0.0), 2)


def _pnl(live: Live, strategy: str) -> float:
    rows = live.strategies()
    chosen = [rows[strategy]] if strategy else list(rows.values())
    return sum(float(r["pnl"]["realized"] or 0) + float(r["pnl"]["unrealized"] or 0) for r in chosen)


@PROBES.add
def metric(live: Live, *, name: str, labels: dict = {}) -> float:  # noqa: B006 (read-only)
    """A metric's value summed over the actors and series whose labels include `labels` (vocabulary/metrics)."""
    paths = [a["path"] for a in live.actors()]
    points = read_all(live.client.redis, live.client.info["name"], paths)
    values = [p["value"] for series in points.values() for p in series if p["name"] == name
              and all(str(p["labels"].get(k)) == str(v) for k, v in labels.items())]
    if not values:
        raise LookupError(f"no reading of metric {name!r}" + (f" with {labels}" if labels else ""))
    return float(sum(v if isinstance(v, (int, float)) else v.get("sum", 0) for v in values))


def note_baseline(live: Live) -> None:
    """What the probes that count "since the drill began" count from."""
    live.baseline["restarts"] = {a["path"]: int(a.get("restarts") or 0) for a in live.actors()}
    live.baseline["quarantined"] = {path: dict(_feed(live, path).quarantined) for path in live.paths(roles.FEED)}
    rows = live.strategies()
    live.baseline["pnl"] = {name: _pnl(live, name) for name in rows} | {"": _pnl(live, "")}
    live.baseline["denials"] = {f"{name} {why}": n for name, row in rows.items() for why, n in row["denials"].items()}
