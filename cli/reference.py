"""`vigil halt SYMBOL`, `vigil resume SYMBOL`, `vigil halts` and `vigil corporate-actions [reload]`."""
from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from typing import Callable

from cli.tables import print_table, the_oms


def add_commands(sub: argparse._SubParsersAction, run_dir_args: Callable, handler: Callable) -> None:
    halt = sub.add_parser("halt", help="stop new orders and replaces in a symbol (cancels still go through)")
    halt.add_argument("symbol")
    halt.add_argument("--reason", required=True, help="why, for the event log and `vigil halts`")
    resume = sub.add_parser("resume", help="take new orders in a halted symbol again")
    resume.add_argument("symbol")
    halts = sub.add_parser("halts", help="the symbols halted now, why and since when")
    halts.add_argument("--json", action="store_true")
    actions = sub.add_parser("corporate-actions",
                             help="splits and dividends: applied or pending, orders still to adjust; reload the file")
    actions.add_argument("verb", nargs="?", choices=["list", "reload"], default="list",
                         help="list (default), or reload the corporate-actions file")
    actions.add_argument("--json", action="store_true")
    for parser, func in ((halt, cmd_halt), (resume, cmd_halt), (halts, cmd_halts), (actions, cmd_actions)):
        run_dir_args(parser)
        parser.set_defaults(func=lambda args, f=func: handler(args, f))


def _utc(ns: int | None) -> str | None:
    return None if ns is None else datetime.fromtimestamp(ns / 1e9, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def cmd_halt(args: argparse.Namespace, client) -> int:
    from vocabulary.oms import HaltSymbol, ResumeSymbol

    oms = the_oms(client)
    reason = getattr(args, "reason", None)
    client.ask(oms, HaltSymbol(args.symbol, reason) if reason is not None else ResumeSymbol(args.symbol))
    print(f"{args.symbol} {'halted' if reason is not None else 'resumed'}")
    return 0


def cmd_halts(args: argparse.Namespace, client) -> int:
    from vocabulary.oms import GetHalts

    rows = list(client.ask(the_oms(client), GetHalts()).rows)
    if args.json:
        print(json.dumps({"halts": rows}, indent=2))
        return 0
    if not rows:
        print("no symbol is halted")
        return 0
    print_table([{**r, "since": _utc(r["since_ns"])} for r in rows],
                [("symbol", "SYMBOL"), ("by", "BY"), ("since", "SINCE"), ("reason", "REASON")])
    return 0


def cmd_actions(args: argparse.Namespace, client) -> int:
    from vocabulary.oms import GetCorporateActions, ReloadCorporateActions

    oms = the_oms(client)
    if args.verb == "reload":
        client.ask(oms, ReloadCorporateActions())
    rows = list(client.ask(oms, GetCorporateActions()).rows)
    if args.json:
        print(json.dumps({"corporate_actions": rows}, indent=2))
        return 0
    if not rows:
        print("no corporate actions (the OMS's file lists none)")
        return 0
    for row in rows:
        row["terms"] = f"split {row['ratio']}" if row["type"] == "split" else f"dividend {row['amount']}"
        row["effective"], row["applied"] = _utc(row["effective_ns"]), _utc(row["applied_at_ns"])
        row["waiting"] = ", ".join(row["orders_waiting"]) or "-"
        row["refused"] = "; ".join(f"{order}: {why}" for order, why in row["orders_refused"].items()) or "-"
    print_table(rows, [("id", "ID"), ("symbol", "SYMBOL"), ("terms", "ACTION"), ("effective", "EFFECTIVE"),
                       ("status", "STATUS"), ("applied", "APPLIED"), ("waiting", "ORDERS TO ADJUST"),
                       ("refused", "NOT ADJUSTED (WHY)")])
    return 0
