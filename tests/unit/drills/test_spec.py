"""`vigil drill check`: a drill file read into its parts, every problem named with its line, and the library's
drills all valid."""
from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from drills.spec import DrillError, parse_drill
from drills.tolerance import Tolerance

REPO = Path(__file__).resolve().parents[3]
GOOD = """\
title: Feed primary line goes silent
tags: [feed]
steady_state:
  - {name: quotes flow, probe: feed_rate, args: {window_s: 0.5}, tolerance: {min: 1}}
method:
  - name: silence
    action: md_silent
    args: {line: primary}
    detect: {probe: feed_source, tolerance: backup, within_s: 10}
  - pause: 1
  - name: kill a strategy
    action: kill
    target: {role: strategy, random: 1}
  - name: failed over
    wait_for: {probe: feed_source, tolerance: backup}
    within_s: 5
stop_conditions:
  - {name: books agree, probe: position_breaks, tolerance: 0}
rollbacks:
  - {action: md_silent, args: {line: primary, on: false}}
expect:
  - {name: failover within 2 s, step: silence, measure: time_to_detect_s, tolerance: {max: 2}}
  - {name: nothing lost, probe: orders_lost, tolerance: 0}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(DrillError) as err:
        parse_drill(text, "d.yaml")
    return str(err.value).splitlines()


def test_a_good_drill_reads_into_its_steps_probes_and_expectations():
    drill = parse_drill(GOOD, "d.yaml")
    assert drill.title == "Feed primary line goes silent" and drill.tags == ("feed",)
    assert [(s.name, s.type, s.kind) for s in drill.method] == [
        ("silence", "action", "md_silent"), ("pause 1 s", "pause", "pause"), ("kill a strategy", "action", "kill"),
        ("failed over", "wait", "feed_source")]
    silence, pause, kill, wait = drill.method
    assert silence.args == {"line": "primary"} and silence.detect.within_s == 10
    assert silence.detect.tolerance.holds("backup") and not silence.detect.tolerance.holds("primary")
    assert pause.seconds == 1 and kill.target.role == "strategy" and kill.target.random == 1
    assert wait.probe.within_s == 5
    assert drill.rollbacks[0].args == {"line": "primary", "on": False}
    assert drill.expect[0].measure == "time_to_detect_s" and drill.expect[1].probe.probe == "orders_lost"


def test_every_problem_is_reported_with_its_line_at_once():
    text = GOOD.replace("action: md_silent\n    args: {line: primary}",
                        "action: md_silence\n    args: {line: primary}") \
        .replace("window_s: 0.5", "window: 0.5").replace("target: {role: strategy, random: 1}",
                                                         "target: {role: strategegy}") \
        .replace("tolerance: 0}\nrollbacks", "tolerance: {min: 3, max: 1}}\nrollbacks") \
        .replace("step: silence,", "step: silenced,").replace("within_s: 5", "within_s: -5")
    found = problems(text)
    assert found == sorted(found, key=lambda p: int(p.split(":")[1]))  # in file order
    assert found == [
        "d.yaml:4: steady_state[0].args.window: feed_rate takes no argument 'window' (did you mean window_s?)",
        "d.yaml:7: method[0].action: unknown action 'md_silence' (did you mean md_silent?)",
        "d.yaml:13: method[2].target.role: unknown value 'strategegy' (did you mean strategy?); allowed: "
        "oms | broker_session | feed | venue | counter | strategy | signals | supervisor | risk_monitor | pager | "
        "pager_sink | metrics",
        "d.yaml:16: method[3].within_s: must be > 0, got -5",
        "d.yaml:18: stop_conditions[0].tolerance: min 3 is above max 1",
        "d.yaml:22: expect[0].step: no step named 'silenced' in the method (did you mean silence?)"]


@pytest.mark.parametrize("text, says", [
    ("title: x\n", "d.yaml:1: method: missing: the actions the drill takes"),
    ("title: x\nmethod:\n  - {action: kill}\n", "d.yaml:3: method[0]: action kill needs a target"),
    ("title: x\nmethod:\n  - {action: reject_next}\n", "d.yaml:3: method[0].args: reject_next needs n"),
    ("title: x\nmethod:\n  - {action: reject_next, args: {n: many}}\n", "method[0].args.n: expected int, got 'many'"),
    ("title: x\nmethod:\n  - {pause: 1, action: kill}\n", "a step is one of action, probe, pause, wait_for"),
    ("title: x\nmethod:\n  - {wait_for: {probe: feed_source, tolerance: backup}}\n", "a wait_for needs within_s"),
    ("title: x\nmethod:\n  - {action: md_silent, target: root/market/feed}\n", "action md_silent takes no target"),
    ("title: x\nmethod: []\nsteady_state:\n  - {probe: feed_source}\n", "d.yaml:4: steady_state[0]: needs a tolerance"),
    ("title: x\nmethod:\n  - {pause: 1}\n  - {pause: 1}\n", "a second step named 'pause 1 s' (the first at line 3)"),
    ("title: x\nmethod: []\nrunbook: runbooks/nope.md\n", "d.yaml:3: runbook: no such file 'runbooks/nope.md'"),
    ("title: x\nmethod: [\n", "d.yaml:3: drill: invalid YAML"),
    ("title: x\nmethod: []\nsurprise: 1\n", "d.yaml:3: surprise: unknown field"),
], ids=["no-method", "no-target", "missing-arg", "bad-arg-type", "two-kinds", "wait-no-deadline", "target-on-venue",
        "no-tolerance", "same-name", "no-runbook", "bad-yaml", "unknown-field"])
def test_a_bad_drill_says_what_and_where(text, says):
    assert says in "\n".join(problems(text))


@pytest.mark.parametrize("tolerance, yes, no", [
    ("primary", ["primary"], ["backup", None]),
    (0, [0], [1, "0"]),
    (["ACTIVE", "REDUCING"], ["REDUCING"], ["HALTED"]),
    ({"min": 1, "max": 2.5}, [1, 2.5, 2], [0.9, 3, "2", None, True]),
    ({"max": 2}, [-1, 2], [2.01]),
    ({"not": "HALTED"}, ["ACTIVE", None], ["HALTED"]),
    ({"equals": []}, [[]], [["x"], 0]),
])
def test_tolerances(tolerance, yes, no):
    t = Tolerance(tolerance)
    assert t.problem() is None
    assert all(t.holds(v) for v in yes) and not any(t.holds(v) for v in no)


def test_every_drill_in_the_library_checks_and_the_cli_exits_2_on_a_bad_one(tmp_path, capsys):
    library = sorted((REPO / "drills").glob("*.yaml"))
    assert library, "the drill library is empty"
    assert main(["drill", "check", *map(str, library)]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nmethod:\n  - {action: nope}\n")
    assert main(["drill", "check", str(bad)]) == 2
    assert f"{bad}:3: method[0].action: unknown action 'nope'" in capsys.readouterr().err
