"""`vigil drill check|run|list|report|history`: fire drills (drills/) against the running topology."""
from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import Callable

from cli.tables import print_table

EXIT = {"completed": 0, "failed": 1, "aborted": 1, "interrupted": 130}


def add_commands(sub: argparse._SubParsersAction, run_dir_args: Callable, with_client: Callable,
                 with_run_dir: Callable) -> None:
    drill = sub.add_parser("drill", help="fire drills: check, run, list, report, history")
    verbs = drill.add_subparsers(dest="verb", required=True, metavar="VERB")
    check = verbs.add_parser("check", help="validate drill files without running them (exit 2: problems)")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.set_defaults(func=cmd_check)
    run = verbs.add_parser("run", help="run a drill against the running topology (it must be drillable: true)")
    run.add_argument("file", metavar="FILE")
    run.add_argument("--json", action="store_true", help="print the journal as one JSON object")
    run.add_argument("--dry-run", action="store_true", help="what would be done to what, and the probes' values now")
    run.add_argument("--seed", type=int, help="seed for random targets (default: a new choice each run)")
    run_dir_args(run)
    run.set_defaults(func=lambda args: with_client(args, cmd_run))
    listing = verbs.add_parser("list", help="the drills in a directory (default: drills/)")
    listing.add_argument("directory", nargs="?", default="drills")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)
    report = verbs.add_parser("report", help="a drill's report: LAST (the default) or a journal file")
    report.add_argument("which", nargs="?", default="LAST", metavar="LAST|FILE")
    report.add_argument("--html", action="store_true", help="print the HTML report's path instead of the text")
    run_dir_args(report)
    report.set_defaults(func=lambda args: with_run_dir(args, cmd_report))
    history = verbs.add_parser("history", help="the drills run against this run directory, oldest first")
    history.add_argument("--json", action="store_true")
    run_dir_args(history)
    history.set_defaults(func=lambda args: with_run_dir(args, cmd_history))


def cmd_check(args: argparse.Namespace) -> int:
    from drills.spec import DrillError, load_drill

    bad = 0
    for file in args.files:
        try:
            drill = load_drill(file)
        except DrillError as err:
            bad += 1
            print(err, file=sys.stderr)
            continue
        print(f"{file}: ok: {drill.title!r}, {len(drill.steady_state)} steady-state probes, {len(drill.method)} "
              f"steps, {len(drill.stop_conditions)} stop conditions, {len(drill.rollbacks)} rollbacks, "
              f"{len(drill.expect)} expectations")
    return 2 if bad else 0


def cmd_run(args: argparse.Namespace, client) -> int:
    from drills.live import Live
    from drills.spec import DrillError, load_drill

    try:
        drill = load_drill(args.file)
    except DrillError as err:
        print(err, file=sys.stderr)
        return 2
    if not client.info.get("drillable"):
        print(f"vigil drill run: the running topology ({client.info.get('topology')}) is not marked "
              "`drillable: true` (vigil: section): drills run only against a topology meant for them, "
              "never production", file=sys.stderr)
        return 2
    live = Live(client)
    if args.dry_run:
        return _dry_run(drill, live, args)
    from drills import journal as journals
    from drills.runner import Runner

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)
    progress(f"drill {drill.title!r} ({args.file}) against {client.info.get('topology')}")
    _interrupt_on(signal.SIGINT, signal.SIGTERM)
    journal = Runner(drill, live, progress=progress, seed=args.seed).run()
    path = journals.save(journal, client.run_dir)
    if args.json:
        print(json.dumps(journal, default=str))
    else:
        print(f"{journal['status']}{': ' + journal['reason'] if journal['reason'] else ''}")
        orders = journal["orders"]
        print(f"deviated from the steady state: {'yes' if journal['deviated'] else 'no'}; orders "
              f"{orders.get('before')} -> {orders.get('after')}, lost {len(orders.get('lost') or [])}, "
              f"duplicated {len(orders.get('duplicated') or [])}")
        for exp in journal["expectations"]:
            print(f"  {'met    ' if exp['met'] else 'NOT MET'}  {exp['name']} ({exp['value']!r})")
        print(f"journal {path}\nreport  {journal['report']}")
    return EXIT[journal["status"]]


def _interrupt_on(*signals: int) -> None:
    """Ctrl-C (and a TERM from ops' tooling) interrupt the drill, which then rolls back: even when this
    process was started with SIGINT ignored, as a background job's is."""
    def interrupt(signum: int, frame) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)
    for signum in signals:
        signal.signal(signum, interrupt)


def _dry_run(drill, live, args: argparse.Namespace) -> int:
    from drills.runner import Runner
    from drills.targets import resolve

    runner = Runner(drill, live, seed=args.seed)
    steps = []
    for step in (*drill.method, *drill.rollbacks):
        try:
            targets = resolve(step.target, live, runner.rng) if step.target is not None else []
            picked = f"{step.target.describe()}: " if step.target is not None and step.target.random else ""
            what = picked + ", ".join(targets)
        except Exception as err:
            targets, what = [], f"cannot resolve {step.target.describe()}: {err}"
        steps.append({"name": step.name, "type": step.type, "kind": step.kind, "args": step.args,
                      "targets": targets, "target": what, "rollback": step in drill.rollbacks})
    probes = [runner.result(p) | {"role": role} for role, specs in (("steady_state", drill.steady_state),
                                                                    ("stop_condition", drill.stop_conditions))
              for p in specs]
    if args.json:
        print(json.dumps({"title": drill.title, "dry_run": True, "steps": steps, "probes": probes}, default=str))
        return 0
    print(f"drill {drill.title!r}: nothing will be done (dry run)")
    for s in steps:
        on = f" on {s['target']}" if s["target"] else ""
        print(f"  {'rollback ' if s['rollback'] else ''}{s['type']} {s['name']} ({s['kind']}{on}) {s['args'] or ''}")
    print("probes now:")
    for p in probes:
        print(f"  {'ok ' if p['ok'] else 'NOT'}  {p['role']} {p['name']}: {p['value']!r} (wanted {p['tolerance']!r})"
              + (f" {p['error']}" if p["error"] else ""))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from drills.spec import DrillError, load_drill

    directory = Path(args.directory)
    if not directory.is_dir():
        print(f"vigil drill list: no directory {directory}", file=sys.stderr)
        return 1
    rows = []
    for file in sorted(directory.glob("*.yaml")):
        try:
            drill = load_drill(file)
            rows.append({"file": str(file), "title": drill.title, "tags": list(drill.tags), "runbook": drill.runbook})
        except DrillError as err:
            rows.append({"file": str(file), "title": None, "tags": [], "problems": str(err).splitlines()})
    if args.json:
        print(json.dumps({"drills": rows}, indent=2))
        return 0
    for row in rows:
        row["tags_shown"] = ", ".join(row["tags"]) if row["title"] else f"INVALID ({len(row['problems'])} problems)"
    print_table(rows, [("file", "FILE"), ("title", "TITLE"), ("tags_shown", "TAGS")])
    return 0


def cmd_report(args: argparse.Namespace, run_dir: Path) -> int:
    from drills import journal as journals
    from drills import report

    path = journals.find(run_dir, args.which)
    journal = journals.load(path)
    if args.html:
        print(journal.get("report") or report.write(journal, path.parent, path.stem)[0])
    else:
        print(report.markdown(journal))
    return 0


def cmd_history(args: argparse.Namespace, run_dir: Path) -> int:
    from drills import journal as journals

    rows = [journals.summary(path) for path in journals.journals(run_dir)]
    if args.json:
        print(json.dumps({"drills": rows}, indent=2))
        return 0
    if not rows:
        print(f"no drill has run in {run_dir}")
        return 0
    print_table(rows, [("started_at", "STARTED"), ("title", "DRILL"), ("status", "STATUS"), ("deviated", "DEVIATED"),
                       ("expectations_met", "EXPECTATIONS"), ("duration_s", "SECONDS"), ("journal", "JOURNAL")])
    return 0
