"""`vigil drill run` as ops use it against the running default topology: an unmet expectation fails the drill
with its reason, a stop condition aborts it and the rollbacks still run, Ctrl-C interrupts it the same way, a
dry run changes nothing, a topology not marked drillable and a bad drill file are refused; and the journals
are listed and reported afterwards."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import threading

from tests.drills.conftest import drill
from tests.support.harness import wait_for

SILENCE = """
title: {title}
steady_state:
  - {{name: quotes flow, probe: feed_rate, args: {{window_s: 0.5}}, tolerance: {{min: 1}}}}
method:
  - name: silence the primary line
    action: md_silent
    args: {{line: primary}}
    detect: {{probe: feed_source, tolerance: backup, within_s: 10}}
{extra}
rollbacks:
  - {{name: primary line on, action: md_silent, args: {{line: primary, on: false}}}}
  - {{pause: 1}}        # the primary's quotes again, or the feed leaves it again at once
  - {{name: feed back on its primary, action: switch_feed, args: {{to: primary}}}}
"""


def write(tmp_path, name: str, text: str):
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def feed_source(desk) -> str:
    from vocabulary.feeds import GetFeedStatus

    return desk.client.ask("root/market/feed", GetFeedStatus()).active


def test_an_unmet_expectation_fails_the_drill_and_says_why(desk, tmp_path):
    file = write(tmp_path, "impossible", SILENCE.format(title="failover in a millisecond", extra="""
expect:
  - {name: failover within 1 ms, step: silence the primary line, measure: time_to_detect_s, tolerance: {max: 0.001}}
  - {name: no order lost, probe: orders_lost, tolerance: 0}
"""))
    code, journal, _ = drill(desk, file)
    assert code == 1 and journal["status"] == "failed"
    assert journal["reason"] == "expectation not met: failover within 1 ms"
    first, second = journal["expectations"]
    assert first["met"] is False and first["value"] > 0.001 and second["met"] is True
    assert [r["status"] for r in journal["rollbacks"]] == ["succeeded"] * 3
    wait_for(lambda: feed_source(desk) == "primary", timeout=10, what="the feed back on its primary line")


HOLD = """
title: {title}
method:
  - {{name: the venue holds its reports, action: hold, args: {{what: reports}}}}
  - {{name: a long wait, pause: {pause}}}
  - {{name: never reached after an abort, action: reject_next, args: {{n: 1}}}}
{extra}
rollbacks:
  - {{name: a rollback that fails, action: kill, target: root/nowhere}}
  - {{name: the venue answers again, action: release, args: {{what: reports}}}}
  - {{name: reports on time, action: delay_reports, args: {{ms: 0}}}}
"""


def venue_holds(desk) -> bool:
    from vocabulary.venue import VenueCommand

    return "closed=['*']" in desk.client.ask("root/venue", VenueCommand("status")).detail


def test_a_stop_condition_aborts_at_once_and_the_rollbacks_still_run(desk, tmp_path):
    file = write(tmp_path, "stopped", HOLD.format(title="stopped when an order goes unanswered", pause=60, extra="""
stop_conditions:
  - {name: every order answered, probe: orders_in_flight, tolerance: 0}
"""))
    code, journal, progress = drill(desk, file)
    assert code == 1 and journal["status"] == "aborted", progress
    assert journal["reason"].startswith("stop condition 'every order answered': ")
    statuses = {step["name"]: step["status"] for step in journal["run"]}
    assert statuses == {"the venue holds its reports": "succeeded", "a long wait": "failed",
                        "never reached after an abort": "skipped"}
    assert journal["duration_s"] < 45  # the 60 s pause was cut short
    failing, *others = journal["rollbacks"]  # a rollback that fails does not stop the next
    assert failing["status"] == "failed" and "no actor 'root/nowhere'" in failing["error"]
    assert [r["status"] for r in others] == ["succeeded"] * 2
    assert any(e["kind"] == "abort" for e in journal["timeline"])
    assert not venue_holds(desk)


def test_ctrl_c_interrupts_the_drill_and_runs_the_rollbacks(desk, tmp_path):
    file = write(tmp_path, "interrupted", HOLD.format(title="interrupted", pause=120, extra=""))
    proc = subprocess.Popen([sys.executable, "-m", "cli", "drill", "run", str(file), "--json", "--run-dir",
                             str(desk.run_dir)], env=desk.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    progress: list[str] = []
    reader = threading.Thread(target=lambda: progress.extend(proc.stderr), daemon=True)
    reader.start()
    try:
        wait_for(lambda: any("pause a long wait" in line for line in progress), timeout=30,
                 what="the drill's fault on and its long pause begun")
        assert venue_holds(desk)
        proc.send_signal(signal.SIGINT)
        out = proc.stdout.read()
        proc.wait(timeout=60)
    finally:
        proc.kill()
    reader.join(timeout=10)
    journal = json.loads(out.strip().splitlines()[-1])
    assert proc.returncode == 130 and journal["status"] == "interrupted", "".join(progress)
    assert [s["error"] for s in journal["run"]][1:] == ["interrupted", "the drill stopped first"]
    assert [r["status"] for r in journal["rollbacks"]] == ["failed", "succeeded", "succeeded"]
    pause = journal["run"][1]
    assert pause["start"] < pause["end"] and pause["duration_s"] > 0  # the journal shape
    assert not venue_holds(desk)


def test_a_dry_run_says_what_it_would_do_and_does_nothing(desk, tmp_path):
    file = write(tmp_path, "dry", """
        title: kill a random strategy
        steady_state:
          - {name: no order lost, probe: orders_lost, tolerance: 0}
        method:
          - {name: kill one, action: kill, target: {role: strategy, random: 1}}
        """)
    before = desk.actors()
    out = desk.cli("drill", "run", str(file), "--dry-run", "--json", "--seed", "3", "--run-dir", str(desk.run_dir))
    assert out.returncode == 0, out.stderr
    plan = json.loads(out.stdout)
    [step] = plan["steps"]
    assert step["kind"] == "kill" and len(step["targets"]) == 1
    assert step["targets"][0] in ("root/market/strategies/mean-rev", "root/market/strategies/momentum")
    assert plan["probes"][0]["name"] == "no order lost" and plan["probes"][0]["value"] == 0
    after = desk.actors()
    assert {p: a["pid"] for p, a in after.items()} == {p: a["pid"] for p, a in before.items()}  # nothing killed


def test_a_bad_drill_file_is_refused_with_its_lines(desk, tmp_path):
    file = write(tmp_path, "bad", """
        title: bad
        method:
          - {action: md_silent, args: {lines: primary}}
          - {action: kil, target: root/trading/oms}
        """)
    out = desk.cli("drill", "run", str(file), "--run-dir", str(desk.run_dir))
    assert out.returncode == 2
    assert f"{file}:4: method[0].args.lines: md_silent takes no argument 'lines' (did you mean line?)" in out.stderr
    assert f"{file}:5: method[1].action: unknown action 'kil' (did you mean kill?)" in out.stderr


def test_the_journals_are_listed_and_reported(desk):
    history = json.loads(desk.cli("drill", "history", "--json", "--run-dir", str(desk.run_dir)).stdout)["drills"]
    assert {"failed", "aborted", "interrupted"} <= {row["status"] for row in history}
    report = desk.cli("drill", "report", "--run-dir", str(desk.run_dir))
    assert report.returncode == 0 and report.stdout.startswith("# ")
    listed = json.loads(desk.cli("drill", "list", "drills", "--json").stdout)["drills"]
    assert {"Feed primary line goes silent", "Kill switch"} <= {row["title"] for row in listed}


def test_a_topology_not_marked_drillable_is_refused(vigil, tmp_path):
    run = vigil("""
        vigil: {name: prod}
        root:
          children:
            - id: counter
              start: actors.counter:Counter
        """).start()
    file = write(tmp_path, "harmless", "title: harmless\nmethod:\n  - {pause: 0}\n")
    out = run.cli("drill", "run", str(file), "--run-dir", str(run.run_dir))
    assert out.returncode == 2 and "is not marked `drillable: true`" in out.stderr
    assert not (run.run_dir / "drills").exists()
