"""`vigil trace`: one order's story across actors, from the run's spans; or the slowest orders of a run."""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Callable

from cli.tables import print_table


def add_commands(sub: argparse._SubParsersAction, run_dir_args: Callable, handler: Callable) -> None:
    trace = sub.add_parser("trace", help="an order's spans across actors as a waterfall, by its ClOrdID or its "
                                         "strategy's own id; or the slowest orders (--slowest N)")
    trace.add_argument("order", nargs="?", help="ClOrdID, or the id a strategy gave the order")
    trace.add_argument("--slowest", type=_positive, metavar="N", help="the N orders whose traces took longest")
    trace.add_argument("--json", action="store_true")
    run_dir_args(trace)
    trace.set_defaults(func=lambda args: handler(args, cmd_trace))


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return int(text)


def cmd_trace(args: argparse.Namespace, run_dir: Path) -> int:
    from vigil import traces

    if (args.order is None) == (args.slowest is None):
        print("vigil trace: name one order (its ClOrdID or its strategy's id), or ask for --slowest N",
              file=sys.stderr)
        return 2
    path = traces.span_file(run_dir)
    if args.slowest is not None:
        orders = traces.slowest(path, args.slowest)
        if args.json:
            print(json.dumps({"orders": orders}, indent=2))
        elif orders:
            for row in orders:
                row["duration"] = f"{row['duration_us'] / 1000:.3f} ms"
            print_table(orders, [("cl_ord_id", "ORDER"), ("strategy", "STRATEGY"), ("duration", "DURATION"),
                                 ("spans", "SPANS"), ("actors", "ACTORS"), ("trace_id", "TRACE")])
        else:
            print(f"no traced orders in {path}")
        return 0
    trace = traces.order_trace(path, args.order)
    if args.json:
        print(json.dumps(trace.to_dict(), indent=2))
        return 0
    width = max(20, min(60, shutil.get_terminal_size((120, 24)).columns - 100))
    for line in traces.waterfall(trace, width):
        print(line)
    print("* the critical path: from the first span, each time the step that finished last")
    return 0
