"""`vigil pages`: what the pager sent and what waits; `vigil alerts`: the alerts pending, firing and resolved;
`vigil pager-sink`: a local PagerDuty Events API v2 endpoint that stores and lists what it receives."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from cli.tables import actor_paths, print_table


def add_commands(sub: argparse._SubParsersAction, run_dir_args: Callable, handler: Callable) -> None:
    sink = sub.add_parser("pager-sink", help="serve a local PagerDuty Events API v2 endpoint (HTTPS, a self-signed "
                                             "certificate) that stores what it receives; --list shows it")
    sink.add_argument("--port", type=_port, default=0, help="port on 127.0.0.1 (default: a free one)")
    sink.add_argument("--dir", help="where it keeps its certificate and events (default: RUN_DIR/pager-sink)")
    sink.add_argument("--list", action="store_true", help="list the events stored, and exit")
    sink.add_argument("--json", action="store_true", help="with --list: as JSON")
    run_dir_args(sink)
    sink.set_defaults(func=lambda args: handler(args, cmd_pager_sink))


def _port(text: str) -> int:
    if not text.isdigit() or not (int(text) == 0 or 1024 <= int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"{text!r} is not 0 or a port number from 1024 to 65535")
    return int(text)


def cmd_pager_sink(args: argparse.Namespace, run_dir: Path) -> int:
    from actors.pager.sink import SINK_DIR
    from vigil.pager_sink import EVENTS_FILE, PagerSink, read_events

    directory = Path(args.dir) if args.dir else run_dir / SINK_DIR
    if args.list:
        events = read_events(directory)
        if args.json:
            print(json.dumps({"events": events}, indent=2))
            return 0
        print_table([{"at": _iso(e["received_at"]),
                      "action": e["event_action"], "severity": e.get("payload", {}).get("severity", ""),
                      "dedup_key": e["dedup_key"], "summary": e.get("payload", {}).get("summary", "")}
                     for e in events],
                    [("at", "RECEIVED"), ("action", "ACTION"), ("severity", "SEVERITY"), ("dedup_key", "DEDUP KEY"),
                     ("summary", "SUMMARY")])
        return 0
    sink = PagerSink(directory, port=args.port)
    print(f"pager sink on {sink.url}/v2/enqueue (certificate {sink.cert}); events in {directory / EVENTS_FILE}; "
          f"Ctrl-C stops it", flush=True)
    try:
        sink.serve_forever()
    except KeyboardInterrupt:
        print("pager sink stopped", file=sys.stderr)
    return 0


def add_client_commands(sub: argparse._SubParsersAction, run_dir_args: Callable, handler: Callable) -> None:
    pages = sub.add_parser("pages", help="the pager's pages: delivered (when, after how many attempts) and waiting "
                                         "(with the last error)")
    pages.add_argument("--json", action="store_true")
    run_dir_args(pages)
    pages.set_defaults(func=lambda args: handler(args, cmd_pages))
    alerts = sub.add_parser("alerts", help="alerts pending (held for less than their rule's for_s), firing (paged) "
                                           "and lately resolved")
    alerts.add_argument("--json", action="store_true")
    run_dir_args(alerts)
    alerts.set_defaults(func=lambda args: handler(args, cmd_alerts))


def _ask_pagers(client, question) -> list:
    from vigil.errors import VigilError
    from vocabulary import roles

    answers = []
    for path in actor_paths(client, roles.PAGER, "pager"):
        try:
            answers.append(client.ask(path, question, timeout=3.0))
        except VigilError as err:
            print(f"{path}: {err}", file=sys.stderr)
    return answers


def cmd_pages(args: argparse.Namespace, client) -> int:
    from vocabulary.paging import GetPages

    answers = _ask_pagers(client, GetPages())
    targets = [answer.target for answer in answers]
    rows = [row for answer in answers for row in answer.pages]
    if args.json:
        print(json.dumps({"pages": rows}, indent=2))
        return 0
    print(f"paging {', '.join(targets) or 'nowhere'}: {sum(r['delivered_at'] is not None for r in rows)} delivered, "
          f"{sum(r['delivered_at'] is None for r in rows)} waiting")
    for row in rows:
        row["created"] = _iso(row["created_at"])
        row["delivered"] = _iso(row["delivered_at"]) if row["delivered_at"] else "waiting"
    print_table(rows, [("created", "RAISED"), ("action", "ACTION"), ("severity", "SEVERITY"),
                       ("delivered", "DELIVERED"), ("attempts", "ATTEMPTS"), ("dedup_key", "DEDUP KEY"),
                       ("last_error", "LAST ERROR"), ("summary", "SUMMARY")])
    return 0


def cmd_alerts(args: argparse.Namespace, client) -> int:
    from vocabulary.paging import GetAlerts

    rows = [row for answer in _ask_pagers(client, GetAlerts()) for row in answer.alerts]
    if args.json:
        print(json.dumps({"alerts": rows}, indent=2))
        return 0
    counts = {state: sum(r["state"] == state for r in rows) for state in ("firing", "pending", "resolved")}
    print(", ".join(f"{n} {state}" for state, n in counts.items()))
    for row in rows:
        row["at"] = _iso(row["since"])
    print_table(rows, [("state", "STATE"), ("at", "SINCE"), ("severity", "SEVERITY"), ("rule", "RULE"),
                       ("source", "SOURCE"), ("summary", "SUMMARY"), ("runbook", "RUNBOOK")])
    return 0


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
