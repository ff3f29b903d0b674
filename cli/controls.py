"""The big red buttons: `vigil strategies`, `vigil strategy|book halt|reduce|resume`, `vigil flatten`,
`vigil kill`, `vigil limits`, `vigil restricted reload` and `vigil audit`. Each action names its operator
(--as NAME, else $VIGIL_OPERATOR, else the login user) and lands in the OMS's audit trail."""
from __future__ import annotations

import argparse
import getpass
import json
import os
from typing import Any, Callable

import yaml

from cli.tables import print_table, the_oms
from vigil.errors import VigilError
from vocabulary import roles

SWEEP_TIMEOUT_S = 90.0
"""How long kill and flatten wait for the OMS's answer (it answers once the venue has, or control_settle_s
has passed for each cancel and each closing order)."""
_STATES = {"halt": "HALTED", "reduce": "REDUCING", "resume": "ACTIVE"}


def add_commands(sub: argparse._SubParsersAction, run_dir_args: Callable, handler: Callable) -> None:
    parsers = []
    strategies = sub.add_parser("strategies", help="each strategy: state, position, P&L, orders, denials, last error")
    strategies.add_argument("--json", action="store_true")
    parsers.append((strategies, cmd_strategies))
    for scope in ("strategy", "book"):
        cmd = sub.add_parser(scope, help=f"put a {scope} in HALTED (nothing new), REDUCING (only reducing orders) "
                                         "or back to ACTIVE")
        cmd.add_argument("verb", choices=list(_STATES))
        cmd.add_argument("name", help=f"the {scope}'s name")
        _action_args(cmd, reason_required=True)
        cmd.set_defaults(scope=scope)
        parsers.append((cmd, cmd_state))
    flatten = sub.add_parser("flatten", help="cancel a book's resting orders, then close its positions at the market")
    which = flatten.add_mutually_exclusive_group(required=True)
    which.add_argument("book", nargs="?", help="the book (account) to flatten")
    which.add_argument("--all", action="store_true", help="every book")
    _action_args(flatten, reason_required=False, default_reason="flatten")
    parsers.append((flatten, cmd_flatten))
    kill = sub.add_parser("kill", help="global HALTED, then cancel every working order at every session")
    kill.add_argument("--release", action="store_true", help="end the kill: back to ACTIVE")
    _action_args(kill, reason_required=False)
    parsers.append((kill, cmd_kill))
    limits = sub.add_parser("limits", help="the risk limits in force; change them at run time")
    verbs = limits.add_subparsers(dest="verb", metavar="VERB")
    show = verbs.add_parser("show", help="the limits in force, trading states and denials (the default)")
    show.add_argument("--json", action="store_true")
    set_ = verbs.add_parser("set", help="change limits at one level: vigil limits set strategy mean-rev "
                                        "max_order_qty=250000 --reason ...")
    set_.add_argument("scope", choices=["firm", "book", "strategy", "sector", "region", "book_defaults",
                                        "strategy_defaults"])
    set_.add_argument("target_and_settings", nargs="+", metavar="[TARGET] SETTING=VALUE",
                      help="the book, strategy, sector or region (not for firm or *_defaults), then settings; "
                           "VALUE is YAML (null turns a limit off)")
    _action_args(set_, reason_required=True)
    reset = verbs.add_parser("reset", help="back to the topology's limits")
    _action_args(reset, reason_required=True)
    limits.add_argument("--json", action="store_true")
    parsers += [(limits, cmd_limits), (show, cmd_limits), (set_, cmd_limits), (reset, cmd_limits)]
    restricted = sub.add_parser("restricted", help="the restricted list: reload its file")
    restricted.add_argument("verb", choices=["reload"])
    _action_args(restricted, reason_required=False, default_reason="reload")
    parsers.append((restricted, cmd_restricted))
    audit = sub.add_parser("audit", help="operators' actions: who, when, what, why and the result")
    audit.add_argument("--json", action="store_true")
    parsers.append((audit, cmd_audit))
    for parser, func in parsers:
        run_dir_args(parser)
        parser.set_defaults(func=lambda args, f=func: handler(args, f))


def _action_args(parser: argparse.ArgumentParser, *, reason_required: bool, default_reason: str = "") -> None:
    parser.add_argument("--reason", required=reason_required, default=default_reason or None,
                        help="why (recorded in the audit trail)")
    parser.add_argument("--as", dest="operator", help="who does it (default: $VIGIL_OPERATOR, else the login user)")
    if not any(a.dest == "json" for a in parser._actions):
        parser.add_argument("--json", action="store_true")


def operator(args: argparse.Namespace) -> str:
    name = args.operator or os.environ.get("VIGIL_OPERATOR") or getpass.getuser()
    if not name.strip():
        raise VigilError("an action needs an operator: --as NAME or $VIGIL_OPERATOR")
    return name.strip()


def _reason(args: argparse.Namespace, fallback: str) -> str:
    reason = (args.reason or fallback).strip()
    if not reason:
        raise VigilError("--reason must say why")
    return reason


# ---- reading -----------------------------------------------------------------------------
def cmd_strategies(args: argparse.Namespace, client) -> int:
    from vocabulary.controls import GetStrategies

    rows = {r["name"]: r for r in client.ask(the_oms(client), GetStrategies()).rows}
    for rec in client.actors():  # a strategy host's last error, and hosts with nothing at the OMS yet
        if rec.get("role") != roles.STRATEGY:
            continue
        name = rec["path"].rsplit("/", 1)[-1]
        row = rows.setdefault(name, {"name": name, "book": rec.get("book"), "state": "ACTIVE", "state_reason": None,
                                     "state_by": None, "position": {}, "pnl": {"realized": 0.0, "unrealized": 0.0},
                                     "orders": 0, "open_orders": 0, "denials": {}, "last_error": None})
        row["last_error"] = rec.get("last_reason") or None
        row["actor"] = rec["path"]
        row["actor_state"] = rec.get("state")
    out = sorted(rows.values(), key=lambda r: r["name"])
    if args.json:
        print(json.dumps({"strategies": out}, indent=2))
        return 0
    print_table([{**r, "position": _pairs(r["position"]), "realized": r["pnl"]["realized"],
                  "unrealized": r["pnl"]["unrealized"], "denials": _pairs(r["denials"]),
                  "state": r["state"] + (f" ({r['state_reason']})" if r["state_reason"] else "")} for r in out],
                [("name", "STRATEGY"), ("book", "BOOK"), ("state", "STATE"), ("position", "POSITION"),
                 ("realized", "REALIZED"), ("unrealized", "UNREALIZED"), ("orders", "ORDERS"),
                 ("open_orders", "OPEN"), ("denials", "DENIALS"), ("last_error", "LAST ERROR")])
    return 0


def cmd_audit(args: argparse.Namespace, client) -> int:
    from vocabulary.controls import GetAudit

    rows = list(client.ask(the_oms(client), GetAudit()).rows)
    if args.json:
        print(json.dumps({"actions": rows}, indent=2))
        return 0
    print_table(rows, [("at", "AT"), ("operator", "OPERATOR"), ("action", "ACTION"), ("target", "TARGET"),
                       ("reason", "REASON"), ("result", "RESULT")])
    return 0


# ---- acting ------------------------------------------------------------------------------
def cmd_state(args: argparse.Namespace, client) -> int:
    from vocabulary.controls import ResumeStrategy, SetTradingState

    who, reason = operator(args), _reason(args, "")
    known = _known(client, args.scope)
    if args.name not in known:  # a typo would otherwise halt nothing while the operator thinks it did
        raise VigilError(f"no {args.scope} {args.name!r} in the running topology (known: "
                         f"{', '.join(sorted(known)) or 'none'})")
    done = client.ask(the_oms(client), SetTradingState(args.scope, args.name, _STATES[args.verb], reason, who))
    results = [_asdict(done)]
    if args.scope == "strategy" and args.verb == "resume":  # a host that halted its strategy calls it again
        for rec in client.actors():
            if rec.get("role") == roles.STRATEGY and rec["path"].rsplit("/", 1)[-1] == args.name:
                results.append(_asdict(client.ask(rec["path"], ResumeStrategy(reason, who))))
    if args.json:
        print(json.dumps(results[0] if len(results) == 1 else {**results[0], "host": results[1]}, indent=2))
    else:
        print(f"{args.scope} {args.name}: {done.state}")
        for host in results[1:]:
            print(f"strategy host: {host['detail']}")
    return 0


def _known(client, scope: str) -> set[str]:
    """The strategies (or books) the OMS knows of, and the strategy hosts of the running topology."""
    from vocabulary.controls import GetStrategies

    rows = client.ask(the_oms(client), GetStrategies()).rows
    hosts = [rec for rec in client.actors() if rec.get("role") == roles.STRATEGY]
    if scope == "strategy":
        return {r["name"] for r in rows} | {rec["path"].rsplit("/", 1)[-1] for rec in hosts}
    return {r["book"] for r in rows if r["book"]} | {rec["book"] for rec in hosts if rec.get("book")}


def cmd_kill(args: argparse.Namespace, client) -> int:
    from vocabulary.controls import Kill

    who = operator(args)
    reason = _reason(args, "release" if args.release else "")
    if not args.release and not args.reason:
        raise VigilError("vigil kill needs --reason TEXT (or --release)")
    done = client.ask(the_oms(client), Kill(reason, who, release=args.release), timeout=SWEEP_TIMEOUT_S)
    if args.json:
        print(json.dumps({"state": done.state, "cancelled": list(done.cancelled), "failed": list(done.failed)},
                         indent=2))
        return 0
    print(f"global: {done.state}")
    if not args.release:
        _print_sweep(done)
    return 0 if not done.failed else 1


def cmd_flatten(args: argparse.Namespace, client) -> int:
    from vocabulary.controls import Flatten

    done = client.ask(the_oms(client), Flatten(None if args.all else args.book, _reason(args, "flatten"),
                                                operator(args)), timeout=SWEEP_TIMEOUT_S)
    if args.json:
        print(json.dumps({"target": done.target, "cancelled": list(done.cancelled), "sent": list(done.sent),
                          "failed": list(done.failed)}, indent=2))
        return 0
    _print_sweep(done)
    return 0 if not done.failed else 1


def _print_sweep(done: Any) -> None:
    print(f"cancelled: {len(done.cancelled)}" + "".join(f"\n  {c}" for c in done.cancelled))
    if done.action == "flatten":
        print(f"closing orders sent: {len(done.sent)}")
        for s in done.sent:
            print(f"  {s['cl_ord_id']}  {s['side']} {s['qty']} {s['symbol']}: {s['status']}, filled {s['cum_qty']}")
    print(f"could not be done: {len(done.failed)}" + "".join(f"\n  {f['what']}: {f['reason']}" for f in done.failed))


def cmd_limits(args: argparse.Namespace, client) -> int:
    from vocabulary.controls import GetRisk, ResetLimits, SetLimits

    oms = the_oms(client)
    if args.verb == "set":
        target, settings = _settings(args.scope, args.target_and_settings)
        done = client.ask(oms, SetLimits(args.scope, target, settings, _reason(args, ""), operator(args)))
    elif args.verb == "reset":
        done = client.ask(oms, ResetLimits(_reason(args, ""), operator(args)))
    else:
        view = client.ask(oms, GetRisk())
        if args.json:
            print(json.dumps(_asdict(view), indent=2))
        else:
            print(yaml.safe_dump({"limits": view.limits}, sort_keys=False).rstrip())
            print(f"(run-time changes in force: {'yes' if view.changed else 'no'})")
            print("states:" + ("".join(f"\n  {s['scope']} {s['target']}: {s['state']} ({s['reason']}, by {s['by']})"
                                       for s in view.states) or " all ACTIVE"))
            print("denials: " + (_pairs(view.denials["total"]) or "none"))
        return 0
    if args.json:
        print(json.dumps(_asdict(done), indent=2))
    else:
        print(done.detail)
    return 0


def cmd_restricted(args: argparse.Namespace, client) -> int:
    from vocabulary.controls import ReloadRestrictedList

    done = client.ask(the_oms(client), ReloadRestrictedList(operator(args), _reason(args, "reload")))
    print(json.dumps(_asdict(done), indent=2) if args.json else f"{done.target}: {done.detail}")
    return 0


def _settings(scope: str, words: list[str]) -> tuple[str | None, dict[str, Any]]:
    """[TARGET] SETTING=VALUE... -> (target, {setting: value}); values read as YAML."""
    needs_target = scope in ("book", "strategy", "sector", "region")
    target = None
    if needs_target:
        if "=" in words[0]:
            raise VigilError(f"vigil limits set {scope} needs the {scope}'s name before the settings")
        target, words = words[0], words[1:]
    if not words:
        raise VigilError("give at least one SETTING=VALUE")
    settings = {}
    for word in words:
        key, sep, text = word.partition("=")
        if not sep or not key:
            raise VigilError(f"{word!r} is not SETTING=VALUE")
        try:
            settings[key] = yaml.safe_load(text) if text else None
        except yaml.YAMLError as err:
            raise VigilError(f"{word!r}: the value is not YAML: {err}") from None
    return target, settings


def _asdict(msg: Any) -> dict[str, Any]:
    import msgspec

    return msgspec.to_builtins(msg)


def _pairs(counts: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items())
