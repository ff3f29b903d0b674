"""Order management domain: orders, the blotter, ClOrdIDs and positions, in plain Python.

No Thespian, Redis or FIX engine in here (GUIDE 5): the broker session decodes FIX into
the records below (vocabulary.reports, vocabulary.rejects: they cross processes), the OMS
actor logs them as events and feeds them to these objects; replays and tests do the same
without a venue. Nothing reads a clock.

Records (vocabulary; frozen; `to_dict()` is the event, `from_dict()` reads it back)
    ExecutionReport(exec_id, exec_type, ord_status, cl_ord_id, orig_cl_ord_id, order_id, symbol, side,
                    order_qty, price, last_qty, last_px, cum_qty, leaves_qty, avg_px, exec_ref_id,
                    exec_trans_type, text, ord_rej_reason, poss_dup, transact_time)
        .kind: ExecType in FIX 4.4 terms (4.2 ExecType 1/2 -> Trade; 4.2 ExecTransType 1/2/3 -> H/G/I)
    OrderCancelReject(cl_ord_id, orig_cl_ord_id, order_id, ord_status, response_to, cxl_rej_reason, text)
    VenueReject(msg_type "3"|"j", ref_seq_num, ref_tag_id, ref_msg_type, reason, text, cl_ord_id, ref_value)
        .message -> "rejected by venue: tag 40 value 3 not supported";  reject_message(**parts) -> same

Order (one order; every method below also works through Blotter)
    Order(cl_ord_id, *, account, strategy, session, symbol, side, ord_type, tif, qty, price=None)
        starts PendingNew; created_event() is what to log before sending; Order.from_event(event)
    request_cancel(new_cl_ord_id) -> event      request_replace(new_cl_ord_id, qty=None, price=None) -> event
        raise OrderError(reason) before changing anything: closed, cancel_pending, duplicate_cl_ord_id,
        bad_request. The order shows PendingCancel/PendingReplace until the venue answers.
    apply(event_or_record) -> Applied           reconcile(status_report) -> Applied
    mark_uncertain(reason) -> event
    view() -> OrderView(cl_ord_id, root_cl_ord_id, order_id, account, strategy, session, symbol, side, qty,
                        price, status, cum_qty, leaves_qty, avg_px, reason, uncertain, is_open)
    to_dict() / Order.from_dict(d)

Blotter (all orders of the OMS)
    submit(cl_ord_id, **terms) -> Order; request_cancel(cl_ord_id, new_id) / request_replace(...) -> event
    apply(event_or_record) -> Applied (routed by ClOrdID, OrigClOrdID, then OrderID); reconcile(report)
    mark_uncertain(session=None, reason) -> event; uncertain_orders(); open_orders(session=None)
    find(cl_ord_id) / get(cl_ord_id) / by_order_id(order_id) / route(record); to_dict() / from_dict()

Applied(changed, fills, problem, cl_ord_id, duplicate, notes): truthy when anything changed; `fills`
    are `Fill`s (trade, bust, correct, missed) for Positions; `.missed` those synthesised from a
    status report; `problem` says why a message was refused.
Positions: apply(fill) -> bool; apply_corporate_action(action) -> keys changed;
    get(account, strategy, symbol) -> PositionView(qty, avg_px, realized_pnl, dividends)
ReferenceState (reference_state.py): halts and applied corporate actions from their events; plan(order, action,
    policy, instrument) -> Adjustment(outcome replace|cancel|keep, qty, price) for an open order
ClOrdIdGenerator(prefix): begin_epoch(floor) -> event (log it), next() -> id, observe(id), apply(event)

How an actor uses it (persist before acting, GUIDE 6-7)
    * Local request: `event = blotter.request_cancel(...)` (raises OrderError -> refuse the command),
      `persist(event)`, then send. `apply` is idempotent (a request id, an ExecID applied once), so the
      actor's `persist` -> `apply(event)` re-applying it changes nothing.
    * Venue message: `persist(record)` (logged as `record.to_dict()`), `applied = blotter.apply(record)`, book
      `applied.fills` in Positions and forward them; page on `applied.problem`.
    * Recovery: `Blotter.from_dict(snapshot)`, then `apply` each logged event: same state.
    * Disconnect: `mark_uncertain(session)`; after logon send OrderStatusRequest (or a mass status
      request) for `uncertain_orders()` and `reconcile` each answer.

Inconsistent venue messages (a fill beyond the order quantity, CumQty going backwards with no bust,
a trade without LastQty/LastPx) are refused whole, never half-applied: `Applied.problem` says why,
the order keeps the message in `anomalies` and turns `uncertain` until a status report settles it.
They do not raise, because the message is already in the event log and replay must not crash.
"""
from actors.oms.blotter import Blotter
from actors.oms.errors import OmsError, OrderError
from actors.oms.fills import Applied, Fill, FillKind
from actors.oms.ids import ClOrdIdGenerator
from actors.oms.order import Order, OrderView
from actors.oms.positions import Positions, PositionView

__all__ = ["Applied", "Blotter", "ClOrdIdGenerator", "Fill", "FillKind", "OmsError", "Order", "OrderError", "OrderView",
           "PositionView", "Positions"]
