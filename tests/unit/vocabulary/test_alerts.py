"""The alert catalogue and the runbooks: every alert Vigil can raise has a severity, a summary a page can
carry and a runbook on disk, listed in runbooks/README.md; every command a runbook tells on-call to type is
one the CLI takes; an alert raised by a component carries all of it; an alert nobody declared is refused."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from cli.main import _parser
from tests.support.inprocess_run import InProcessRun
from tests.support.topologies import desk
from vigil.alerts import SEVERITIES, SUMMARY_LIMIT, alert_detail
from vocabulary.alerts import ALERTS, KILL_SWITCH_PULLED, STRATEGY_HALTED

ROOT = Path(__file__).resolve().parents[3]
RUNBOOKS = ROOT / "runbooks"


def test_every_alert_has_a_severity_a_runbook_on_disk_and_a_line_in_the_runbook_index():
    index = (RUNBOOKS / "README.md").read_text()
    for kind in ALERTS.values():
        assert kind.severity in SEVERITIES, kind
        assert (RUNBOOKS / kind.runbook).is_file(), f"{kind.problem}: no runbooks/{kind.runbook}"
        assert f"]({kind.runbook})" in index, f"runbooks/README.md does not list {kind.runbook}"


def test_every_runbook_is_indexed_and_names_the_alerts_it_is_for():
    index = (RUNBOOKS / "README.md").read_text()
    for runbook in RUNBOOKS.glob("*.md"):
        if runbook.name != "README.md":
            assert f"]({runbook.name})" in index, f"runbooks/README.md does not list {runbook.name}"
    for kind in ALERTS.values():
        assert kind.problem in (RUNBOOKS / kind.runbook).read_text(), \
            f"runbooks/{kind.runbook} never names the alert {kind.problem}"


def runbook_commands() -> list[tuple[str, int, str]]:
    """(runbook, line, command) for every `vigil ...` in a runbook: in sh blocks and in inline code."""
    found = []
    for runbook in sorted(RUNBOOKS.glob("*.md")):
        in_sh = False
        for n, line in enumerate(runbook.read_text().splitlines(), 1):
            if line.startswith("```"):
                in_sh = line.strip() == "```sh"
                continue
            if in_sh and line.strip().startswith("vigil "):
                found.append((runbook.name, n, line.split("#", 1)[0].strip()))
            found += [(runbook.name, n, code) for code in re.findall(r"`(vigil [^`]+)`", line)]
    return found


@pytest.mark.parametrize("runbook,line,command", runbook_commands())
def test_every_command_a_runbook_gives_is_one_the_cli_takes(runbook, line, command):
    words = [word.split("|")[0] for word in shlex.split(command)[1:]]  # "--to primary|backup": either
    try:
        _parser().parse_args(words)
    except SystemExit as exit_:
        pytest.fail(f"runbooks/{runbook}:{line}: `{command}` is not a command the CLI takes (exit {exit_.code})")


def test_there_are_runbook_commands_to_check():
    assert len(runbook_commands()) > 30


def test_a_summary_is_cut_to_what_a_page_carries_and_a_missing_detail_shows():
    long = alert_detail(STRATEGY_HALTED, strategy="mean-rev", reason="x" * 5000)
    assert len(long["summary"]) == SUMMARY_LIMIT and long["summary"].endswith("...")
    assert alert_detail(STRATEGY_HALTED)["summary"] == "strategy ? HALTED: ?"
    assert alert_detail(KILL_SWITCH_PULLED, operator="ops", reason="drill", cancelled=["V1", "V2"], failed=[])[
        "summary"] == "kill switch pulled by ops (drill): everything HALTED, 2 working orders cancelled, 0 could not be"


def test_an_alert_nobody_declared_is_refused():
    with pytest.raises(ValueError, match="no alert 'disk_on_fire' is declared"):
        alert_detail("disk_on_fire", host="a")


def test_an_alert_a_component_raises_carries_its_severity_summary_and_runbook(tmp_path):
    run = InProcessRun(tmp_path / "desk", desk()).start()
    run.desk.advance(1.0)
    run.desk.component("oms").alert(STRATEGY_HALTED, strategy="mean-rev", reason="message_rate: 23 > 20")
    [alert] = run.desk.alerts(STRATEGY_HALTED)
    assert alert["severity"] == "error" and alert["runbook"] == "runbooks/strategy-halted.md"
    assert alert["summary"] == "strategy mean-rev HALTED: message_rate: 23 > 20"
    assert alert["strategy"] == "mean-rev"
