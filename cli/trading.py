"""`vigil orders`, `vigil positions`, `vigil sessions` and manual orders (`vigil order ...`)."""
from __future__ import annotations

import argparse
import json
from typing import Callable

from cli.tables import ask_each, print_table, the_oms
from vocabulary import roles


def add_commands(sub: argparse._SubParsersAction, run_dir_args: Callable, handler: Callable) -> None:
    orders = sub.add_parser("orders", help="every order with its status, quantities and last reason")
    orders.add_argument("--open", action="store_true", help="open orders only")
    orders.add_argument("--json", action="store_true")
    positions = sub.add_parser("positions", help="positions per account, strategy and symbol, with P&L")
    positions.add_argument("--json", action="store_true")
    sessions = sub.add_parser("sessions", help="each FIX session: logged on, sequence numbers, last error")
    sessions.add_argument("--json", action="store_true")
    order = sub.add_parser("order", help="manual orders: new, cancel, replace")
    verbs = order.add_subparsers(dest="verb", required=True, metavar="VERB")
    new = verbs.add_parser("new", help="send a new order; prints its ClOrdID")
    new.add_argument("--session", help="broker session (default: the router picks)")
    new.add_argument("--symbol", required=True)
    new.add_argument("--side", required=True, choices=["buy", "sell"])
    new.add_argument("--qty", required=True)
    new.add_argument("--price")
    new.add_argument("--type", default="limit", choices=["limit", "market"])
    new.add_argument("--tif", default="DAY", choices=["DAY", "IOC", "FOK", "GTC"])
    new.add_argument("--strategy", default="manual")
    new.add_argument("--account", default="")
    cancel = verbs.add_parser("cancel", help="cancel an order")
    cancel.add_argument("cl_ord_id")
    replace = verbs.add_parser("replace", help="change an order's quantity and/or price")
    replace.add_argument("cl_ord_id")
    replace.add_argument("--qty")
    replace.add_argument("--price")
    for parser, func in ((orders, cmd_orders), (positions, cmd_positions), (sessions, cmd_sessions),
                         (new, cmd_order), (cancel, cmd_order), (replace, cmd_order)):
        run_dir_args(parser)
        parser.set_defaults(func=lambda args, f=func: handler(args, f))


def cmd_orders(args: argparse.Namespace, client) -> int:
    from vocabulary.oms import GetOrders

    oms = the_oms(client)
    rows = list(client.ask(oms, GetOrders(open_only=args.open)).rows)
    if args.json:
        print(json.dumps({"orders": rows}, indent=2))
        return 0
    print_table(rows, [("cl_ord_id", "CLORDID"), ("order_id", "ORDERID"), ("strategy", "STRATEGY"),
                        ("session", "SESSION"), ("symbol", "SYMBOL"), ("side", "SIDE"), ("qty", "QTY"),
                        ("price", "PRICE"), ("status", "STATUS"), ("cum_qty", "CUMQTY"),
                        ("leaves_qty", "LEAVESQTY"), ("avg_px", "AVGPX"), ("uncertain", "UNCERTAIN"),
                        ("reason", "LAST REASON")])
    return 0


def cmd_positions(args: argparse.Namespace, client) -> int:
    from vocabulary.oms import GetPositions

    oms = the_oms(client)
    rows = list(client.ask(oms, GetPositions()).rows)
    if args.json:
        print(json.dumps({"positions": rows}, indent=2))
        return 0
    print_table(rows, [("account", "ACCOUNT"), ("strategy", "STRATEGY"), ("symbol", "SYMBOL"), ("qty", "QTY"),
                        ("avg_px", "AVGPX"), ("realized_pnl", "REALIZED PNL"), ("unrealized_pnl", "UNREALIZED PNL"),
                        ("dividends", "DIVIDENDS")])
    return 0


def cmd_sessions(args: argparse.Namespace, client) -> int:
    from vocabulary.sessions import GetSessionStatus

    rows = ask_each(client, roles.BROKER_SESSION, "broker session", GetSessionStatus(), lambda path, err: {
        "session": path.rsplit("/", 1)[-1], "logged_on": False, "last_error": str(err)})
    if args.json:
        print(json.dumps({"sessions": rows}, indent=2))
        return 0
    print_table(rows, [("session", "SESSION"), ("begin_string", "FIX"), ("sender_comp_id", "SENDER"),
                        ("target_comp_id", "TARGET"), ("port", "PORT"), ("logged_on", "LOGGED ON"),
                        ("next_sender_seq", "NEXT OUT"), ("next_target_seq", "NEXT IN"),
                        ("last_logon", "LAST LOGON"), ("last_error", "LAST ERROR")])
    return 0


def cmd_order(args: argparse.Namespace, client) -> int:
    from vocabulary.orders import CancelOrder, ReplaceOrder, SubmitOrder

    oms = the_oms(client)
    if args.verb == "new":
        msg = SubmitOrder(symbol=args.symbol, side=args.side, qty=args.qty, price=args.price, ord_type=args.type,
                       tif=args.tif, session=args.session, strategy=args.strategy, account=args.account)
    elif args.verb == "cancel":
        msg = CancelOrder(args.cl_ord_id)
    else:
        msg = ReplaceOrder(args.cl_ord_id, qty=args.qty, price=args.price)
    print(client.ask(oms, msg).cl_ord_id)
    return 0
