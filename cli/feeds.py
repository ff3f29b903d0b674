"""`vigil feeds`, `vigil quarantine FEED` and `vigil feed switch FEED --to primary|backup`."""
from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from typing import Callable

from cli.tables import actor_paths, ask_each, print_table
from vigil.errors import VigilError
from vocabulary import roles


def add_commands(sub: argparse._SubParsersAction, run_dir_args: Callable, handler: Callable) -> None:
    feeds = sub.add_parser("feeds", help="each market-data feed: source, state, counts, gaps, failovers")
    feeds.add_argument("--json", action="store_true")
    quarantine = sub.add_parser("quarantine", help="a feed's quarantined messages: rule, reason, the message "
                                                   "decoded, raw bytes")
    quarantine.add_argument("feed", help="the feed's id (or path)")
    quarantine.add_argument("--limit", type=_count, default=100, help="newest N (default 100; 0: all)")
    quarantine.add_argument("--json", action="store_true")
    feed = sub.add_parser("feed", help="feed commands: switch")
    verbs = feed.add_subparsers(dest="verb", required=True, metavar="VERB")
    switch = verbs.add_parser("switch", help="make a feed's primary or backup source the active one")
    switch.add_argument("feed", help="the feed's id (or path)")
    switch.add_argument("--to", required=True, choices=["primary", "backup"])
    for parser, func in ((feeds, cmd_feeds), (quarantine, cmd_quarantine), (switch, cmd_switch)):
        run_dir_args(parser)
        parser.set_defaults(func=lambda args, f=func: handler(args, f))


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 0")
    return int(text)


def _feed_path(client, feed: str) -> str:
    paths = actor_paths(client, roles.FEED, "market-data feed")
    for path in paths:
        if feed in (path, path.rsplit("/", 1)[-1]):
            return path
    raise VigilError(f"no feed {feed!r} (feeds: {', '.join(p.rsplit('/', 1)[-1] for p in paths)})")


def cmd_feeds(args: argparse.Namespace, client) -> int:
    from vocabulary.feeds import GetFeedStatus

    rows = ask_each(client, roles.FEED, "market-data feed", GetFeedStatus(), lambda path, err: {
        "feed": path.rsplit("/", 1)[-1], "path": path, "state": "not answering", "last_switch": str(err)})
    if args.json:
        print(json.dumps({"feeds": rows}, indent=2))
        return 0
    for row in rows:
        quarantined = row.get("quarantined") or {}
        row["quarantined_text"] = ", ".join(f"{rule} {n}" for rule, n in quarantined.items()) or "0"
        row["gaps_text"] = f"{row.get('gaps', 0)} ({row.get('missing', 0)} missing)"
        row["source_text"] = _source_text(row)
    print_table(rows, [("feed", "FEED"), ("active", "ACTIVE"), ("source_text", "SOURCE"), ("state", "STATE"),
                       ("delivered", "DELIVERED"), ("quarantined_text", "QUARANTINED"), ("gaps_text", "GAPS"),
                       ("last_message_age_ms", "LAST MSG AGE MS"), ("failovers", "FAILOVERS"),
                       ("last_switch", "LAST SWITCH")])
    return 0


def _source_text(row: dict) -> str:
    """"subscribed" for a ZeroMQ source; a file's state, how much of it is read and where its clock is."""
    state = row.get("source_state") or ""
    if row.get("read") is None:
        return state
    text = f"{state} ({row['read']} read"
    if row.get("recorded_time_ns"):
        at = datetime.fromtimestamp(row["recorded_time_ns"] / 1e9, tz=timezone.utc)
        text += f", at {at.isoformat(timespec='milliseconds').replace('+00:00', 'Z')}"
    text += ")"
    return f"{text}: {row['source_error']}" if row.get("source_error") else text


def cmd_quarantine(args: argparse.Namespace, client) -> int:
    from actors.feed.quarantine import decode_frames, summary
    from vocabulary.feeds import quarantine_key

    feed = _feed_path(client, args.feed).rsplit("/", 1)[-1]
    key = quarantine_key(client.info["name"], feed)
    entries = client.redis.xrevrange(key, count=args.limit or None)[::-1]
    rows = []
    for entry_id, fields in entries:
        frames = [fields[k] for k in sorted((k for k in fields if k.startswith(b"frame")), key=lambda k: int(k[5:]))]
        decoded, error = decode_frames(frames)
        rows.append({"id": entry_id.decode(), "rule": fields[b"rule"].decode(), "reason": fields[b"reason"].decode(),
                     "source": fields[b"source"].decode(), "at_ns": int(fields[b"at_ns"]),
                     "decoded": decoded, "decode_error": error, "raw_hex": [f.hex() for f in frames]})
    if args.json:
        print(json.dumps({"feed": feed, "total": client.redis.xlen(key), "messages": rows}, indent=2))
        return 0
    for row in rows:
        row["raw"] = " | ".join(row["raw_hex"])
        row["message"] = summary(row["decoded"])
    print_table(rows, [("id", "ID"), ("source", "SOURCE"), ("rule", "RULE"), ("message", "MESSAGE"),
                       ("reason", "REASON"), ("raw", "RAW (hex)")])
    return 0


def cmd_switch(args: argparse.Namespace, client) -> int:
    from vocabulary.feeds import SwitchSource

    print(client.ask(_feed_path(client, args.feed), SwitchSource(args.to, reason="by hand (vigil feed switch)")).detail)
    return 0
