"""`vigil signals`: what the signal intake took, refused (per reason) and did with each signal."""
from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from typing import Callable

from cli.tables import ask_each, print_table
from vocabulary import roles


def add_commands(sub: argparse._SubParsersAction, run_dir_args: Callable, handler: Callable) -> None:
    signals = sub.add_parser("signals", help="external signals: accepted, refused per reason, the newest with "
                                             "their outcome")
    signals.add_argument("--limit", type=_count, default=20, help="newest N signals (default 20; 0: all kept)")
    signals.add_argument("--json", action="store_true")
    run_dir_args(signals)
    signals.set_defaults(func=lambda args: handler(args, cmd_signals))


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 0")
    return int(text)


def cmd_signals(args: argparse.Namespace, client) -> int:
    from vocabulary.signals import GetSignals

    rows = ask_each(client, roles.SIGNALS, "signal intake", GetSignals(args.limit), lambda path, err: {
        "intake": path.rsplit("/", 1)[-1], "error": str(err)})
    for row in rows:
        for signal in row.get("recent", ()):
            signal["at"] = _iso(signal.get("at_ns"))
    if args.json:
        print(json.dumps({"intakes": rows}, indent=2))
        return 0
    for i, row in enumerate(rows):
        if i:
            print()
        if "error" in row:
            print(f"{row['intake']}: {row['error']}")
            continue
        refused = row["refused"]
        oms = row["oms"]
        print(f"{row['intake']} on {row['endpoint'] or '(no socket)'}: {row['received']} received, "
              f"{row['accepted']} accepted, {sum(refused.values())} refused, {row['duplicates']} sent again, "
              f"{row['pending']} pending; orders: {oms['accepted']} accepted, {oms['denied']} denied, "
              f"{oms['unanswered']} unanswered")
        if refused:
            print("refused: " + ", ".join(f"{code} {n}" for code, n in sorted(refused.items(), key=lambda c: -c[1])))
        recent = row["recent"]
        for signal in recent:
            signal["what"] = _what(signal)
            signal["outcome"] = signal["status"] + (f" ({signal['code']})" if signal.get("code") else "")
        if recent:
            print()
            print_table(recent, [("at", "AT"), ("id", "ID"), ("strategy", "STRATEGY"), ("symbol", "SYMBOL"),
                                 ("what", "SIGNAL"), ("outcome", "OUTCOME"), ("cl_ord_id", "ORDER"),
                                 ("reason", "REASON")])
    return 0


def _what(signal: dict) -> str:
    """What the signal asked for, and the order it became: "buy 2000 @ 1.1", "target -3000: sell 4000"."""
    price = f" @ {signal['price']}" if signal.get("price") else ""
    if signal.get("target") is not None:
        text = f"target {signal['target']}"
        if signal.get("order_side"):
            text += f": {signal['order_side']} {signal['order_qty']}"
        return text + price
    if signal.get("side") is not None:
        return f"{signal['side']} {signal.get('size', '?')}{price}"
    return ""


def _iso(at_ns: int | None) -> str | None:
    if not at_ns:
        return None
    at = datetime.fromtimestamp(at_ns / 1e9, tz=timezone.utc)
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
