"""`vigil risk`: the risk monitor's figures (P&L per strategy and book, the day's P&L against each stop-loss,
each book's VaR, and the surveillance of Vigil's own flow)."""
from __future__ import annotations

import argparse
import json
from typing import Callable

import msgspec

from cli.tables import actor_paths, print_table
from vocabulary import roles


def add_commands(sub: argparse._SubParsersAction, run_dir_args: Callable, handler: Callable) -> None:
    risk = sub.add_parser("risk", help="the risk monitor: P&L, stop-losses, VaR per book, surveillance")
    risk.add_argument("--json", action="store_true")
    run_dir_args(risk)
    risk.set_defaults(func=lambda args: handler(args, cmd_risk))


def cmd_risk(args: argparse.Namespace, client) -> int:
    from vocabulary.risk import GetRiskFigures

    [path, *_] = actor_paths(client, roles.RISK_MONITOR, "risk monitor")
    figures = msgspec.to_builtins(client.ask(path, GetRiskFigures()))
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print_table(figures["strategies"], [("strategy", "STRATEGY"), ("book", "BOOK"), ("realized", "REALIZED"),
                                        ("unrealized", "UNREALIZED"), ("day_pnl", "TODAY"),
                                        ("stop_loss", "STOP LOSS"), ("stopped", "STOPPED")])
    print()
    print_table(figures["books"], [("book", "BOOK"), ("realized", "REALIZED"), ("unrealized", "UNREALIZED"),
                                   ("var", "VAR")])
    if figures["surveillance"]:
        print()
        print_table(figures["surveillance"], [("strategy", "STRATEGY"), ("orders", "ORDERS"),
                                              ("executions", "EXECUTIONS"), ("order_to_trade", "ORDER/TRADE"),
                                              ("fast_cancel_share", "FAST CANCELS"), ("flags", "FLAGS")])
    return 0
