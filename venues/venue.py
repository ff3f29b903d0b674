"""The simulated venue: FIX sessions in front of the matching engine, market data on ZeroMQ.

Single-threaded by design: its FIX link (vigil.fix.link: a QuickFIX acceptor live, a loopback in
one process) only queues, and the owner's loop calls `pump` when the link's fds are readable and
`tick` on a timer. The same core runs inside the SimulatedVenue component, live or in-process.

No turn of that loop may run long, or the actor misses its heartbeats and is
killed as hung (losing the book: a simulator persists nothing). So `pump`
takes the FIX events a batch at a time, a mass status answer goes out
MASS_STATUS_CHUNK reports per turn, and work that comes in bulk (cancel on
disconnect of every open order, a burst of held requests released) waits in
a queue worked off WORK_PER_TURN items per turn; while work remains, the
wake-up fd is left readable so the owner calls `pump` again.
"""
from __future__ import annotations

import heapq
import itertools
import json
import logging
import typing
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import quickfix as fix

from venues import codec
from venues.config import MassStatusMode, VenueConfig
from venues.engine import (
    CancelReject,
    Exchange,
    ExecType,
    ExecutionReport,
    NewOrderSingle,
    OrderCancelRequest,
    OrderFlow,
    OrderMassStatusRequest,
    OrderStatusRequest,
    Phase,
    SymbolSpec,
    VenueError,
    trade_prints,
)
from venues.faults import Faults, MdCorruption, positive_int
from venues.marketdata import LINES, Publisher
from vigil.clock import Clock
from vigil.corporate_actions import CorporateAction
from vigil.fix.bridge import FixEvent
from vigil.fix.fields import fields_of
from vigil.fix.link import FixLink, LinkDown, QuickFixLink
from vigil.fix.settings import SessionConfig
from vocabulary.venue import VenueCommand

log = logging.getLogger("vigil.venue")
MASS_STATUS_MODES = typing.get_args(MassStatusMode)
UNLISTED = SymbolSpec(tick_size=1.0)
ARRIVALS_KEPT = 10_000
FILLS_KEPT = 100_000  # per client, in the drop copy
CL_ORD_IDS_KEPT = 200_000  # per client: as far back as the engine's own duplicate check (max_closed_orders)
HOLDINGS_FIELDS = ("cl_ord_id", "symbol", "side", "leaves_qty")  # holdings: a view of drop_copy's working orders
MASS_STATUS_CHUNK = 256  # reports per turn: some 50 ms of work, far inside a heartbeat (1 s)
WORK_PER_TURN = 256  # queued requests and cancels per turn, likewise


@dataclass
class _MassStatus:
    """A mass status answer being sent: the orders open when it was asked for, in the order accepted."""
    session: str
    req_id: str
    order_ids: list[str]
    sent: int = 0


class VenueCore:
    def __init__(self, config: VenueConfig, clock: Clock, work_dir: Path,
                 corporate_actions: tuple[CorporateAction, ...] = (), *,
                 fix_link: Callable[..., FixLink] = QuickFixLink, publisher: Publisher | None = None) -> None:
        """fix_link: makes the acceptor's link (QuickFixLink, or a runner's loopback); publisher: where
        market data goes (default: ZeroMQ on the configured endpoints)."""
        self.config = config
        self.clock = clock
        self.symbols = config.engine_symbols()
        self.exchange = Exchange(self.symbols, clock, phase=config.engine_phase, ack_pending=config.ack_pending)
        self.flow = OrderFlow(self.exchange, config.flow.seed, config.flow.engine()) if config.flow else None
        self.faults = Faults()
        sessions = [SessionConfig(begin_string=c.begin_string, sender_comp_id=config.comp_id, target_comp_id=c.comp_id,
                                  host=config.host, port=config.port, heartbeat_s=config.heartbeat_s)
                    for c in config.clients]
        self.link = fix_link("acceptor", sessions, work_dir, log=config.fix_log, logon_check=self._logon_check)
        self.publisher = publisher or Publisher(config.md_endpoint, backup_endpoint=config.md_backup_endpoint)
        self.logged_on: set[str] = set()
        self._delayed: list[tuple[float, int, str, fix.Message]] = []
        self._order = itertools.count()
        self._last_top: dict[str, tuple] = {}
        self._mass_status: deque[_MassStatus] = deque()  # answered oldest first, one chunk per pump
        # FIX events, and OrderIDs to cancel on a disconnect, waiting their turn in arrival order:
        # while any wait, newer events queue behind them, so a client's requests stay in order
        self._work: deque[FixEvent | str] = deque()
        self.counts = {"orders": 0, "reports": 0, "rejects": 0}
        self.mass_status = config.mass_status
        self.arrivals = Arrivals()
        """(client CompID, ClOrdID, when its NewOrderSingle reached the acceptor, epoch ns): tick-to-trade's
        far end."""
        self.cancel_arrivals = Arrivals()
        """The same of each OrderCancelRequest: the far end of stop-loss."""
        self.drop_copy = DropCopy(self.symbols)
        """Per client, the orders that arrived and the fills sent: what a drill checks Vigil's books against."""
        # Actions in effect already are in the configured reference prices; the rest move the flow's prices
        self._actions = deque(a for a in corporate_actions if a.effective_ns > clock.now_ns())

    def start(self) -> None:
        self.link.start()

    def stop(self) -> None:
        self.link.stop()  # QuickFIX must stop before the interpreter exits
        self.publisher.close()

    # ---- FIX in ------------------------------------------------------------
    def _logon_check(self, session: str) -> str | None:
        client = session.rsplit("->", 1)[-1]
        return "logon refused by the venue (fault injection)" if self.faults.take_refusal(client) else None

    def pump(self) -> None:
        for event in self.link.drain():
            if self._work:
                self._work.append(event)
            else:
                self._on_fix(event)
        self._work_off()
        self._send_mass_status()
        self._flush_delayed()

    def _work_off(self) -> None:
        for _ in range(min(WORK_PER_TURN, len(self._work))):
            item = self._work.popleft()
            if isinstance(item, FixEvent):
                self._on_fix(item)
            else:
                try:
                    self._dispatch(self.exchange.venue_cancel(item, text="cancel on disconnect"))
                except VenueError:
                    pass  # filled or cancelled while it waited: nothing left to cancel
        if self._work:
            self.link.wake()

    def _on_fix(self, event: FixEvent) -> None:
        if event.kind == "logon":
            self.logged_on.add(event.session)
            for symbol in self.symbols:  # a client that logs on during a halt must hear of it
                if self.exchange.phase(symbol) is Phase.HALTED:
                    self._send_status(event.session, symbol)
        elif event.kind == "logout":
            self.logged_on.discard(event.session)
            if self.config.cancel_on_disconnect:
                self._cancel_all_of(event.session)
        elif event.kind == "app" and not self.faults.held_requests.offer(_client(event.session), event) \
                and not self.faults.silent:
            self._on_app(event.session, fields_of(event.raw), event.at_ns)

    def _on_app(self, session: str, message: dict[int, str], at_ns: int = 0) -> None:
        if message.get(35) == "D":  # before parsing: one the venue refuses arrived all the same
            self.drop_copy.arrived(_client(session), message.get(11, ""), resent=message.get(43) == "Y")
        try:
            req = codec.request(message, session, self.symbols)
        except codec.Unsupported as problem:
            self.counts["rejects"] += 1
            self._send(session, codec.session_reject(message, problem))
            return
        if req is None:
            return
        if isinstance(req, NewOrderSingle):
            self.counts["orders"] += 1
            self.arrivals.add(_client(session), req.cl_ord_id, at_ns)
            if self.faults.take_reject():
                self.counts["rejects"] += 1
                self._send(session, codec.fault_reject(message, f"FAULT{self.counts['rejects']}"))
                return
        if isinstance(req, OrderCancelRequest):
            self.cancel_arrivals.add(_client(session), req.cl_ord_id, at_ns)
        if isinstance(req, OrderMassStatusRequest) and self.mass_status != "answer":
            if self.mass_status != "ignore":
                self._send(session, codec.mass_status_refused(message, business=self.mass_status == "business_reject"))
            return
        if isinstance(req, OrderMassStatusRequest):
            order_ids = [o.order_id for o in self.exchange.open_orders(req.owner, req.symbol)]
            self._mass_status.append(_MassStatus(session, message.get(584, ""), order_ids))
            self.link.wake()  # answered from pump, a chunk per turn
        else:
            self._dispatch(self.exchange.handle(req))

    def _send_mass_status(self) -> None:
        """The next chunk of the oldest mass status answer, with 911 TotNumReports on each report
        and 912 LastRptRequested on the last. Each report is made as it is sent, not at the
        request: reports of these orders sent in between (fills, replaces) went out first, and a
        status report older than them would take the client back to a state already left."""
        if not self._mass_status:
            return
        job = self._mass_status[0]
        begin = job.session.split(":", 1)[0]
        if not job.order_ids:
            self._send(job.session, codec.empty_mass_status(job.req_id))
        for order_id in job.order_ids[job.sent:job.sent + MASS_STATUS_CHUNK]:
            job.sent += 1
            # An order closed since is found too: the engine keeps its latest closed orders
            r = self.exchange.order_status(OrderStatusRequest(owner=job.session, order_id=order_id))
            m = codec.execution_report(r, self._spec(r.symbol), begin)
            m.setField(584, job.req_id)
            m.setField(911, str(len(job.order_ids)))
            if job.sent == len(job.order_ids):
                m.setField(912, "Y")
            self._send(job.session, m)
        if job.sent == len(job.order_ids):
            self._mass_status.popleft()
        if self._mass_status:
            self.link.wake()  # come back for the rest after the owner's loop has had its turn

    # ---- reports and market data out -----------------------------------------
    def _dispatch(self, reports: list) -> None:
        for r in reports:
            if r.owner in self.link.sessions:
                begin = r.owner.split(":", 1)[0]
                if isinstance(r, CancelReject):
                    self._send(r.owner, codec.cancel_reject(r, begin))
                else:
                    if r.exec_type is ExecType.TRADE:
                        self.drop_copy.filled(_client(r.owner), r)
                    self._send(r.owner, codec.execution_report(r, self._spec(r.symbol), begin))
        for t in trade_prints([r for r in reports if isinstance(r, ExecutionReport)]):
            spec = self.symbols[t.symbol]
            aggressor = 0 if t.aggressor is None else (1 if t.aggressor.value == "1" else -1)
            self.publisher.trade(t.symbol, t.transact_time_ns, t.price * spec.tick_size, t.qty, aggressor)
        for symbol in {r.symbol for r in reports if isinstance(r, ExecutionReport)} & self.symbols.keys():
            self._publish_top(symbol)

    def _spec(self, symbol: str) -> SymbolSpec:
        """A report can name a symbol the venue does not list (it rejects orders for it)."""
        return self.symbols.get(symbol) or UNLISTED

    def _publish_top(self, symbol: str) -> None:
        key = self.exchange.book(symbol).top()
        if self._last_top.get(symbol) == key:
            return
        self._last_top[symbol] = key
        tick = self.symbols[symbol].tick_size
        bid_px, bid_qty, ask_px, ask_qty = key
        self.publisher.quote(symbol, self.clock.now_ns(), (bid_px or 0) * tick, bid_qty or 0,
                             (ask_px or 0) * tick, ask_qty or 0)

    def _send_status(self, session: str, symbol: str, text: str | None = None) -> None:
        phase = self.exchange.phase(symbol)
        default = "trading halt" if phase is Phase.HALTED else f"halt lifted, now {phase.name.lower()}"
        self._send(session, codec.security_status(symbol, phase is Phase.HALTED, text or default))

    def _send(self, session: str, message: fix.Message) -> None:
        self.counts["reports"] += 1
        if self.faults.held_reports.offer(_client(session), (session, message)):
            return
        if self.faults.delay_ms:
            due = self.clock.monotonic() + self.faults.delay_ms / 1000.0
            heapq.heappush(self._delayed, (due, next(self._order), session, message))
            return
        self._transmit(session, message)

    def _transmit(self, session: str, message: fix.Message) -> None:
        try:
            self.link.send(session, message)
        except LinkDown:
            log.warning("report for unknown session %s dropped", session)

    def _flush_delayed(self) -> None:
        now = self.clock.monotonic()
        while self._delayed and self._delayed[0][0] <= now:
            _, _, session, message = heapq.heappop(self._delayed)
            self._transmit(session, message)

    def tick(self) -> None:
        """Timer work: corporate actions, background flow, delayed reports."""
        while self._actions and self._actions[0].effective_ns <= self.clock.now_ns():
            action = self._actions.popleft()
            log.info("corporate action %s: the flow's prices follow it", action.describe())
            if self.flow is not None:
                factor, offset = action.price_factor_and_offset()
                self._dispatch(self.flow.move_to(action.symbol, factor,
                                                 offset / self.symbols[action.symbol].tick_size))
        if self.flow is not None and not self.faults.silent:
            self._dispatch(self.flow.run_due())
        self._flush_delayed()

    # ---- operator commands ---------------------------------------------------
    def command(self, cmd: VenueCommand) -> str:
        a = cmd.args or {}
        if cmd.kind == "reject_next":
            self.faults.reject_next = int(a.get("n", 1))
        elif cmd.kind == "mass_status":
            if a.get("mode") not in MASS_STATUS_MODES:
                raise VenueError(f"mass_status: mode is one of {', '.join(MASS_STATUS_MODES)}, not {a.get('mode')!r}")
            self.mass_status = a["mode"]
        elif cmd.kind == "delay_reports":
            self.faults.delay_ms = int(a.get("ms", 0))
        elif cmd.kind == "refuse_logon":
            self.faults.refuse_logon, self.faults.refuse_only = int(a.get("n", 1)), a.get("comp_id")
        elif cmd.kind == "silent":
            self.faults.silent = bool(a.get("on", True))
            self.publisher.silent = self.faults.silent
        elif cmd.kind == "md_silent":
            self._silence_md_line(a)
        elif cmd.kind == "md_corrupt":
            self.publisher.corruption = MdCorruption(a)
        elif cmd.kind == "md_gap":
            self.publisher.skip_next += positive_int("md_gap", a, "n")
        elif cmd.kind == "drop_connection":
            for name in list(self.logged_on):
                if a.get("comp_id") in (None, name.rsplit("->", 1)[-1]):
                    self.link.disconnect(name)
        elif cmd.kind == "sequence_gap":
            n = int(a.get("n", 5))
            for name in list(self.logged_on):
                self.link.skip_sender_seq(name, n)
            self.publisher.skip_next = n
        elif cmd.kind == "phase":
            before = {s: self.exchange.phase(s) for s in self.symbols}
            self._dispatch(self.exchange.set_phase(Phase[str(a["phase"]).upper()], a.get("symbol")))
            for symbol, was in before.items():
                if (was is Phase.HALTED) != (self.exchange.phase(symbol) is Phase.HALTED):
                    for session in self.logged_on:
                        self._send_status(session, symbol, a.get("text"))
        elif cmd.kind == "unsolicited_cancel":
            self._dispatch(self.exchange.venue_cancel(a["order_id"], text=a.get("text", "cancelled by the venue")))
        elif cmd.kind == "bust":
            self._dispatch(self.exchange.bust_trade(a["exec_id"], text=a.get("text", "trade busted")))
        elif cmd.kind == "correct":
            self._dispatch(self.exchange.correct_trade(a["exec_id"], qty=a.get("qty"), price=a.get("price"),
                                                       text=a.get("text", "trade corrected")))
        elif cmd.kind == "hold_reports":
            self.faults.held_reports.hold(a.get("comp_id"))
        elif cmd.kind == "release_reports":
            for session, message in self.faults.held_reports.release(a.get("comp_id")):
                self._transmit(session, message)
        elif cmd.kind == "hold_requests":
            self.faults.held_requests.hold(a.get("comp_id"))
        elif cmd.kind == "release_requests":
            released = self.faults.held_requests.release(a.get("comp_id"))
            if not a.get("drop"):
                self._work.extend(released)  # taken in from the next turn on, in the order they came
                self.link.wake()
        elif cmd.kind == "arrivals":  # JSON: [[ClOrdID, epoch ns], ...] of one client, after the first `skip`
            kept = self.cancel_arrivals if a.get("what") == "cancels" else self.arrivals
            return json.dumps(kept.since(a.get("comp_id"), int(a.get("skip", 0))))
        elif cmd.kind == "holdings":  # JSON: a client's open orders and net position per symbol, as the venue has them
            working, positions = self._holdings("holdings", a.get("comp_id"))
            return json.dumps({"open_orders": [{k: w[k] for k in HOLDINGS_FIELDS} for w in working],
                               "net_bought": positions})
        elif cmd.kind == "drop_copy":  # JSON: all the venue has for one client (see VenueCommand)
            working, positions = self._holdings("drop_copy", a.get("comp_id"))
            return json.dumps({"working": working, **self.drop_copy.of(a["comp_id"]), "positions": positions})
        elif cmd.kind == "held":
            what = a.get("what", "reports")
            if what not in ("reports", "requests"):
                raise VenueError(f"held: what is 'reports' or 'requests', not {what!r}")
            gate = self.faults.held_reports if what == "reports" else self.faults.held_requests
            return str(gate.count(a.get("comp_id")))
        elif cmd.kind != "status":
            raise VenueError(f"unknown venue command {cmd.kind!r}")
        return self.describe()

    def _holdings(self, command: str, comp_id: str | None) -> tuple[list[dict], dict[str, int]]:
        """A configured client's working orders, in FIX units, and its net position per symbol."""
        if not comp_id:
            raise VenueError(f"{command} needs comp_id")
        owners = [f"{c.begin_string}:{self.config.comp_id}->{c.comp_id}" for c in self.config.clients
                  if c.comp_id == comp_id]
        if not owners:
            raise VenueError(f"{command}: no client {comp_id!r}")
        working = [{"cl_ord_id": o.cl_ord_id, "order_id": o.order_id, "symbol": o.symbol, "side": o.side.name.lower(),
                    "qty": o.order_qty, "cum_qty": o.cum_qty, "leaves_qty": o.leaves_qty,
                    "price": _decimal(o.price, self._spec(o.symbol))} for o in self.exchange.open_orders(owners[0])]
        return working, self.exchange.net_bought(owners[0])

    def _silence_md_line(self, a: dict) -> None:
        allowed = " or ".join(map(repr, LINES))
        if "line" not in a:
            raise VenueError(f"md_silent needs line: {allowed}")
        line, on = a["line"], a.get("on", True)
        if line not in LINES:
            raise VenueError(f"md_silent: line is {allowed}, not {line!r}")
        if line == "backup" and self.publisher.backup_endpoint is None:
            raise VenueError("md_silent: the venue has no backup line (md_backup_endpoint is not set)")
        if not isinstance(on, bool):  # bool("false") is True: a quoted YAML value would silence the line
            raise VenueError(f"md_silent: on is true or false, not {on!r}")
        self.publisher.silence(line, on)

    def describe(self) -> str:
        silenced, corruption = sorted(self.publisher.silenced), self.publisher.corruption
        return (f"logged on: {sorted(self.logged_on) or 'none'}; orders {self.counts['orders']}, "
                f"messages out {self.counts['reports']}, rejects {self.counts['rejects']}; faults {self.faults}"
                + (f"; market-data lines silenced: {', '.join(silenced)}" if silenced else "")
                + (f"; market-data messages to corrupt: {corruption}" if corruption else ""))

    def _cancel_all_of(self, session: str) -> None:
        """Ahead of whatever waits: the disconnect came before it."""
        self._work.extendleft(reversed([order.order_id for order in self.exchange.open_orders(session)]))
        if self._work:
            self.link.wake()


class Arrivals:
    """When each request of a kind reached the acceptor: (client, ClOrdID, epoch ns), the newest
    ARRIVALS_KEPT; asked for what came after the first `skip` of one client, in time proportional to what
    is new (a benchmark polls it while the path it measures runs on the same cores)."""

    def __init__(self) -> None:
        self._all: deque[tuple[str, str, int]] = deque(maxlen=ARRIVALS_KEPT)
        self._by_client: dict[str, deque[list]] = {}

    def add(self, client: str, cl_ord_id: str, at_ns: int) -> None:
        self._all.append((client, cl_ord_id, at_ns))
        self._by_client.setdefault(client, deque(maxlen=ARRIVALS_KEPT)).append([cl_ord_id, at_ns])

    def since(self, client: str | None, skip: int) -> list[list]:
        """[[ClOrdID, epoch ns], ...] of one client (None: every client), after the first `skip`."""
        if client is None:
            return [[cl, ns] for _, cl, ns in itertools.islice(self._all, skip, None)]
        return list(itertools.islice(self._by_client.get(client, ()), skip, None))

    def __iter__(self):
        return iter(self._all)


class DropCopy:
    """Per client (CompID), what a broker's drop copy would show of it: every NewOrderSingle that
    arrived, and every fill sent (the newest FILLS_KEPT), so a drill compares Vigil's books with the
    venue's own account of them rather than with Vigil's account of itself. Busts and corrections
    are not fills: the positions (the engine's) have them."""

    def __init__(self, specs: Mapping[str, SymbolSpec]) -> None:
        self._specs = specs
        self._clients: dict[str, _ClientCopy] = {}

    def _of(self, client: str) -> _ClientCopy:
        copy = self._clients.get(client)
        if copy is None:
            copy = self._clients[client] = _ClientCopy()
        return copy

    def arrived(self, client: str, cl_ord_id: str, resent: bool) -> None:
        """A NewOrderSingle; `resent`: PossDupFlag 43=Y, QuickFIX's mark on a message sent again, which is
        no duplicate when the first copy got here (one whose first copy was lost is the order's arrival)."""
        copy = self._of(client)
        copy.received += 1
        seen = copy.seen
        if cl_ord_id in seen:
            if not resent:
                copy.duplicated[cl_ord_id] = None
            return
        seen[cl_ord_id] = None
        if len(seen) > CL_ORD_IDS_KEPT:
            seen.popitem(last=False)

    def filled(self, client: str, r: ExecutionReport) -> None:
        copy = self._of(client)
        if r.exec_id in copy.exec_ids:
            copy.duplicated_fills[r.exec_id] = None
        if len(copy.fills) == FILLS_KEPT:  # the oldest goes: its id must go with it, or it would look sent twice
            gone = copy.fills[0][0]
            copy.exec_ids[gone] -= 1
            if not copy.exec_ids[gone]:
                del copy.exec_ids[gone]
        copy.exec_ids[r.exec_id] = copy.exec_ids.get(r.exec_id, 0) + 1
        # Kept as the engine reported it (ticks); a fill is turned into FIX units only when asked for
        copy.fills.append((r.exec_id, r.cl_ord_id, r.order_id, r.symbol, r.side.name.lower(), r.last_qty, r.last_px))

    def of(self, client: str) -> dict:
        copy = self._clients.get(client) or _ClientCopy()
        return {"fills": [{"exec_id": e, "cl_ord_id": cl, "order_id": o, "symbol": s, "side": side, "qty": q,
                           "price": _decimal(px, self._specs.get(s) or UNLISTED)}
                          for e, cl, o, s, side, q, px in copy.fills],
                "orders_received": copy.received, "duplicated_cl_ord_ids": list(copy.duplicated),
                "duplicated_fills": list(copy.duplicated_fills)}


class _ClientCopy:
    def __init__(self) -> None:
        self.received = 0
        self.seen: OrderedDict[str, None] = OrderedDict()
        """The newest CL_ORD_IDS_KEPT ClOrdIDs that arrived: a duplicate of one older still is not seen."""
        self.duplicated: dict[str, None] = {}  # ordered sets: each listed once, as first found
        self.fills: deque[tuple] = deque(maxlen=FILLS_KEPT)
        self.exec_ids: dict[str, int] = {}
        """How many times each ExecID in `fills` is there (1, unless the venue sent one twice)."""
        self.duplicated_fills: dict[str, None] = {}


def _decimal(ticks: int | float | None, spec: SymbolSpec) -> float | None:
    """A price in ticks as the FIX reports write it (codec.price_text), as a number."""
    return None if ticks is None else float(codec.price_text(ticks, spec))


def _client(session: str) -> str:
    """The client's CompID in one of our session names (BeginString:VENUE->CLIENT)."""
    return session.rsplit("->", 1)[-1]
