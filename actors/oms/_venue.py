"""How venue messages move an `Order` (FIX 4.4 Vol 4 Appendix D, order state change matrices).

The venue is the authority on what traded: the order's CumQty follows the venue's,
synthesising fills we never heard of and retracting those guesses when the real
reports turn up. What cannot be squared with what we already hold (CumQty going
backwards with no bust to explain it, a fill beyond the order quantity, a trade
without a price) is refused as a whole and recorded, never half-applied.
"""
from __future__ import annotations

from decimal import Decimal

from actors.oms.fills import Applied, Fill, FillKind
from actors.oms.ledger import Change
from actors.oms.order_state import OrderState as Order
from actors.oms.requests import Request
from vocabulary.fix_codes import PENDING, TERMINAL, ExecType, OrdStatus, TimeInForce
from vocabulary.numbers import ZERO
from vocabulary.rejects import VenueReject
from vocabulary.reports import ExecutionReport, OrderCancelReject


def apply(order: Order, record: ExecutionReport | OrderCancelReject | VenueReject) -> Applied:
    if isinstance(record, ExecutionReport):
        return _execution_report(order, record)
    before = _fingerprint(order)
    if isinstance(record, OrderCancelReject):
        _cancel_reject(order, record)
    else:
        _venue_reject(order, record)
    return Applied(_fingerprint(order) != before, cl_ord_id=order.cl_ord_id)


def _fingerprint(order: Order) -> dict:
    state = order.to_dict()
    del state["exec_ids"]  # remembering an ExecID is not a change anyone downstream cares about
    return state


def _execution_report(order: Order, report: ExecutionReport) -> Applied:
    status_report = report.kind is ExecType.ORDER_STATUS
    if status_report and report.poss_dup:
        # A status report only says how things stood; a resent one is older than what we know.
        return Applied(False, cl_ord_id=order.cl_ord_id, duplicate=True,
                       notes=("resent status report ignored: it describes an earlier state",))
    # Status reports all carry ExecID "0" and are idempotent by nature: never deduplicated.
    if not status_report and report.exec_id in order._exec_ids:
        return Applied(False, cl_ord_id=order.cl_ord_id, duplicate=True)
    before = _fingerprint(order)
    draft = order.copy()
    changes: list[Change] = []
    notes: list[str] = []
    problem = _transition(draft, report, changes, notes)
    if problem is None:
        if status_report or not draft.is_open:
            draft.uncertain = False  # a status, or the venue closing the order, settles what we doubted
        order.__dict__.update(draft.__dict__)
        fills = tuple(_fill(order, c) for c in changes)
    else:
        order._record_problem(problem)
        fills, notes = (), []
    if not status_report:
        order._exec_ids.add(report.exec_id)
    return Applied(bool(fills) or _fingerprint(order) != before, fills, problem, order.cl_ord_id,
                   notes=tuple(notes))


def _transition(o: Order, r: ExecutionReport, changes: list[Change], notes: list[str]) -> str | None:
    kind = r.kind
    if r.order_id and r.order_id.upper() != "NONE":
        o.order_id = r.order_id
    req = _pending(o, r.cl_ord_id)

    # The order's terms: a replace we asked for, one the venue made, or a restatement.
    if kind in (ExecType.REPLACED, ExecType.ORDER_STATUS) and req is not None and req.kind == "replace":
        _accept_replace(o, req, r)
    elif kind is ExecType.ORDER_STATUS and req is not None and r.ord_status is OrdStatus.CANCELED:
        _accept_cancel(o, req)
    elif kind in (ExecType.REPLACED, ExecType.RESTATED, ExecType.ORDER_STATUS):
        _adopt_terms(o, r)
        if kind is ExecType.REPLACED and r.cl_ord_id and r.cl_ord_id not in o._chain:
            o._chain.append(r.cl_ord_id)  # the venue replaced it under an id of its own
            o.cl_ord_id = r.cl_ord_id

    request_refused = False
    if kind is ExecType.CANCELED:
        if req is not None and req.kind == "cancel":
            _accept_cancel(o, req)
            o.reason = _words("canceled", r.text)
        else:  # unsolicited (Appendix D E.1.b), or IOC/FOK remainder
            o.reason = _words("canceled by venue", r.text)
    elif kind is ExecType.REJECTED and req is not None:
        # A venue that refuses a cancel/replace with an ExecutionReport instead of 35=9.
        o._pending.remove(req)
        o.reason = _words(f"{req.kind} rejected", r.reason)
        request_refused = True
    elif kind is ExecType.REJECTED:
        o.reason = _words("rejected", r.reason)
    elif kind in (ExecType.PENDING_CANCEL, ExecType.PENDING_REPLACE) and req is not None:
        req.acked = True
    elif kind is ExecType.EXPIRED:
        o.reason = _words("expired", r.text)
    elif kind is ExecType.ORDER_STATUS and r.ord_status in (OrdStatus.REJECTED, OrdStatus.CANCELED,
                                                           OrdStatus.EXPIRED):
        # Reconciliation found the order closed (or unknown: it never reached the venue): say why
        o.reason = _words(f"venue status {r.ord_status.label}", r.reason or r.text)

    added = ZERO  # real quantity this report brings, which may stand in for a synthetic guess
    if kind is ExecType.TRADE:
        if r.last_qty is None or r.last_qty <= 0 or r.last_px is None:
            return f"trade {r.exec_id} without a positive LastQty and a LastPx"
        changes.append(o._ledger.add(r.exec_id, r.last_qty, r.last_px))
        added = r.last_qty
    elif kind is ExecType.TRADE_CANCEL:
        change = o._ledger.remove(r.exec_ref_id, r.exec_id)
        changes.extend([change] if change else [])
        if change is None:
            notes.append(f"bust of execution {r.exec_ref_id}, which we never saw")
            o._exec_ids.add(r.exec_ref_id or "")  # should it turn up late, it is already undone
    elif kind is ExecType.TRADE_CORRECT:
        if r.last_qty is None or r.last_qty < 0 or r.last_px is None:
            return f"correction {r.exec_id} without LastQty and LastPx"
        change = o._ledger.replace(r.exec_ref_id, r.exec_id, r.last_qty, r.last_px)
        changes.extend([change] if change else [])
        if change is None:
            notes.append(f"correction of execution {r.exec_ref_id}, which we never saw")
            o._exec_ids.add(r.exec_ref_id or "")
        else:
            added = max(change.qty - change.ref_qty, ZERO)

    stale, problem = _follow_cum_qty(o, r, added, changes, notes)
    if problem:
        return problem
    # A resent report older than what we know tells the state of its time: only our quantities
    # speak for now, and nothing but a bust reopens a finished order.
    stale = stale or (r.poss_dup and o._status in TERMINAL and r.ord_status not in TERMINAL
                      and kind not in (ExecType.TRADE_CANCEL, ExecType.TRADE_CORRECT))
    if request_refused:
        pass
    elif stale:
        if o._status in (OrdStatus.NEW, OrdStatus.PARTIALLY_FILLED, OrdStatus.FILLED, OrdStatus.PENDING_NEW):
            o._status = derived_status(o)
    else:
        o._status = settled(o, r.ord_status)
    if o.cum_qty > o.qty:
        return f"{r.kind.label} {r.exec_id} would take CumQty to {o.cum_qty}, beyond the order quantity {o.qty}"
    settle_leaves(o, r.leaves_qty)
    return None


def _follow_cum_qty(o: Order, r: ExecutionReport, added: Decimal, changes: list[Change],
                    notes: list[str]) -> tuple[bool, str | None]:
    """Make our CumQty the venue's. Returns (stale, problem): stale when a resent (PossDup)
    report turns out older than what we already know."""
    target = r.cum_qty
    if target is None:
        return False, None
    if r.poss_dup:
        # A resent report is older than the one we synthesised from, so its fill is one the
        # guess stands for. Its CumQty is that of its time: nothing else is inferred from it.
        take = min(added, o._ledger.synthetic_qty)
        if take > 0:
            changes.extend(o._ledger.retract_synthetic(take))
        return take > 0 or o._ledger.cum_qty != target, None
    held = o._ledger.cum_qty
    if target == held:
        return False, None
    if target > held:
        missed = target - held
        price = _missed_price(o, r, missed)
        changes.append(o._ledger.synthesize(missed, price))
        notes.append(f"{missed} filled at the venue without an execution report reaching us; "
                     f"booked at {price} from the venue's CumQty and AvgPx")
        return False, None
    excess = held - target
    # A real fill arriving after we synthesised its quantity replaces the guess, up to its own
    # quantity; a bust of a fill we never saw, or a status report, retracts guesses outright.
    take = min(excess, o._ledger.synthetic_qty, added if added > 0 else excess)
    if take > 0:
        changes.extend(o._ledger.retract_synthetic(take))
        excess -= take
    if excess == 0:
        return False, None
    context = f" ({notes[-1]})" if notes else ""
    return False, (f"{r.kind.label} {r.exec_id}: venue CumQty {target} is below the {held} already filled, "
                   f"with no bust to explain it{context}")


def _missed_price(o: Order, r: ExecutionReport, missed: Decimal) -> Decimal:
    # The price that makes our notional equal the venue's CumQty x AvgPx.
    if r.avg_px is not None and r.avg_px > 0 and r.cum_qty:
        price = (r.avg_px * r.cum_qty - o._ledger.notional) / missed
        if price > 0:
            return price
        return r.avg_px
    return o.price if o.price is not None else ZERO


def _cancel_reject(o: Order, rej: OrderCancelReject) -> None:
    req = _pending(o, rej.cl_ord_id)
    if req is None:  # answered already, or not a request of ours
        return
    o._pending.remove(req)
    o.reason = rej.reason
    venue = rej.ord_status
    if venue in TERMINAL and o._status not in TERMINAL:
        # e.g. "unknown order": the venue and we disagree about whether it lives.
        o._record_problem(f"{rej.reason}; venue says {venue.label} while we hold {o._status.label}: "
                          "a status request should settle it")


def _venue_reject(o: Order, rej: VenueReject) -> None:
    req = _pending(o, rej.cl_ord_id)
    if req is not None:
        o._pending.remove(req)
    elif rej.ref_msg_type in (None, "D") and o._status is OrdStatus.PENDING_NEW \
            and rej.cl_ord_id in (None, o.root_cl_ord_id):
        o._status = OrdStatus.REJECTED
        settle_leaves(o, None)
    o.reason = rej.message


def _pending(o: Order, cl_ord_id: str | None) -> Request | None:
    return next((r for r in o._pending if r.cl_ord_id == cl_ord_id), None) if cl_ord_id else None


def _accept_replace(o: Order, req: Request, r: ExecutionReport) -> None:
    # Requests sent before this one are settled by it (Appendix D D.2.a-c).
    del o._pending[: o._pending.index(req) + 1]
    o.cl_ord_id = req.cl_ord_id
    # The venue's quantity wins: a replace below CumQty is amended to CumQty (C.3.c).
    o.qty = r.order_qty if r.order_qty is not None else (req.qty if req.qty is not None else o.qty)
    o.price = r.price if r.price is not None else (req.price if req.price is not None else o.price)


def _accept_cancel(o: Order, req: Request) -> None:
    o._pending.remove(req)
    o.cl_ord_id = req.cl_ord_id


def _adopt_terms(o: Order, r: ExecutionReport) -> None:
    if r.order_qty is not None and r.order_qty > 0:
        o.qty = r.order_qty
    if r.price is not None:
        o.price = r.price


def _words(what: str, detail: str | None) -> str:
    return f"{what}: {detail}" if detail else what


def _fill(o: Order, c: Change) -> Fill:
    root = o.root_cl_ord_id
    return Fill(fill_id=f"{root}/{c.exec_id}", kind=FillKind(c.kind), account=o.account, strategy=o.strategy,
                symbol=o.symbol, side=o.side, qty=c.qty, price=c.price,
                ref_fill_id=f"{root}/{c.ref_exec_id}" if c.ref_exec_id else None,
                ref_qty=c.ref_qty, ref_price=c.ref_price, cl_ord_id=o.cl_ord_id, order_id=o.order_id,
                exec_id=c.exec_id)


def settle_leaves(o: Order, venue_leaves: Decimal | None) -> None:
    open_qty = max(o.qty - o.cum_qty, ZERO)
    if o._status in TERMINAL:
        o.leaves_qty = ZERO
    elif o._status in (OrdStatus.DONE_FOR_DAY, OrdStatus.CALCULATED):
        # A day order is over; a GT order keeps its balance for tomorrow.
        keeps = venue_leaves > 0 if venue_leaves is not None else o.tif is not TimeInForce.DAY
        o.leaves_qty = open_qty if keeps else ZERO
    else:
        o.leaves_qty = open_qty


def derived_status(o: Order) -> OrdStatus:
    cum = o.cum_qty
    if cum == 0:
        return OrdStatus.NEW
    return OrdStatus.FILLED if cum >= o.qty else OrdStatus.PARTIALLY_FILLED


def settled(o: Order, reported: OrdStatus) -> OrdStatus:
    """The venue-confirmed status a report implies, with request states folded out."""
    if reported is OrdStatus.REJECTED and o.cum_qty > 0:
        return derived_status(o)  # a report rejecting a duplicate, not this filled order
    if reported not in PENDING and reported is not OrdStatus.REPLACED:
        return reported
    if o._status in (OrdStatus.NEW, OrdStatus.PARTIALLY_FILLED, OrdStatus.FILLED, OrdStatus.PENDING_NEW):
        return derived_status(o)
    return o._status
