"""The restricted list: a file, reloadable; a bad file is refused naming the problem and the list in force
stays; the list travels in its event, so a replay has the list of that time whatever the file says now."""
from __future__ import annotations

import pytest

from actors.oms.risk import RestrictedListError, RiskConfig, RiskGateway
from actors.oms.risk.restricted import parse_restricted
from tests.unit.actors.oms.risk.risk_support import INSTRUMENTS, Desk


@pytest.mark.parametrize("text, says", [
    ("", "r.yaml:1: empty file (write [] for a list with nothing restricted)"),
    ("ACME: x\n", "r.yaml:1: expected a list of {symbol, reason} entries"),
    ("- ACME\n", "r.yaml:1: expected a mapping {symbol: ..., reason: ...}"),
    ("- {symbol: ACME, reason: ok}\n- {symbol: ACME}\n", "r.yaml:2: reason is missing"),
    ("- {symbol: ACME, reason: ''}\n", "r.yaml:1: reason must be a non-empty string"),
    ("- {symbol: ACME, reason: x, until: 2027}\n", "r.yaml:1: unknown field 'until' (an entry has symbol and reason)"),
    ("- {symbol: ACMEE, reason: x}\n", "r.yaml:1: ACMEE: not in the symbol master"),
    ("- {symbol: ACME, reason: x}\n\n- {symbol: ACME, reason: y}\n", "r.yaml:3: ACME listed twice (first at line 1)"),
    ("- {symbol: ACME, reason: [x\n", "r.yaml:2: not valid YAML: "),
])
def test_a_bad_file_is_refused_naming_the_line_and_the_problem(text, says):
    with pytest.raises(RestrictedListError) as err:
        parse_restricted(text, "r.yaml", INSTRUMENTS)
    assert str(err.value).startswith(says)


def test_an_empty_list_restricts_nothing():
    assert parse_restricted("[]\n", "r.yaml", INSTRUMENTS) == {}


def gateway_with(tmp_path, text: str) -> Desk:
    (tmp_path / "restricted.yaml").write_text(text)
    desk = Desk()
    desk.gw = RiskGateway(RiskConfig.from_dict({"restricted_list": "restricted.yaml"}), oms=desk.oms,
                          market=desk.market, clock=desk.clock, instruments=INSTRUMENTS, base_dir=tmp_path)
    return desk


def test_a_restricted_symbol_is_denied_and_a_reload_picks_up_the_file(tmp_path):
    desk = gateway_with(tmp_path, "- {symbol: ACME, reason: 'MNPI: deal advisory'}\n")
    event = desk.gw.reload_restricted(by="compliance")
    desk.persist(event)
    assert (event["symbols"], event["added"], event["removed"], event["by"]) == (
        {"ACME": "MNPI: deal advisory"}, ["ACME"], [], "compliance")
    denied = desk.check(symbol="ACME", qty=10, price=100)
    assert (denied.reason, denied.message) == ("restricted", "restricted: ACME is on the restricted list (MNPI: deal "
                                                             "advisory)")
    assert desk.check(symbol="BOLT", qty=10, price=50)
    (tmp_path / "restricted.yaml").write_text("- {symbol: BOLT, reason: sanctions review}\n")
    event = desk.gw.reload_restricted(by="compliance")
    assert (event["added"], event["removed"]) == (["BOLT"], ["ACME"])
    assert desk.check(symbol="ACME", qty=10, price=100)
    assert desk.check(symbol="BOLT", qty=10, price=50).reason == "restricted"


def test_a_bad_reload_keeps_the_list_in_force(tmp_path):
    desk = gateway_with(tmp_path, "- {symbol: ACME, reason: MNPI}\n")
    desk.persist(desk.gw.reload_restricted(by="compliance"))
    (tmp_path / "restricted.yaml").write_text("- {symbol: ACME, reason: MNPI}\n- {symbol: ACMEE, reason: typo}\n")
    with pytest.raises(RestrictedListError) as err:
        desk.gw.reload_restricted(by="compliance")
    assert str(err.value) == f"{tmp_path / 'restricted.yaml'}:2: ACMEE: not in the symbol master"
    (tmp_path / "restricted.yaml").unlink()
    with pytest.raises(RestrictedListError, match="No such file"):
        desk.gw.reload_restricted(by="compliance")
    assert desk.gw.restricted == {"ACME": "MNPI"}
    assert desk.check(symbol="ACME", qty=10, price=100).reason == "restricted"


def test_a_replay_restores_the_list_of_the_time_not_the_file_of_now(tmp_path):
    desk = gateway_with(tmp_path, "- {symbol: ACME, reason: MNPI}\n")
    desk.persist(desk.gw.reload_restricted(by="compliance"))
    (tmp_path / "restricted.yaml").write_text("[]\n")
    replayed = gateway_with(tmp_path, "[]\n")
    for event in desk.log:
        replayed.persist(event)
    assert replayed.gw.restricted == {"ACME": "MNPI"}
    restored = gateway_with(tmp_path, "[]\n")
    restored.gw.restore(desk.gw.snapshot())
    assert restored.gw.restricted == {"ACME": "MNPI"}


def test_vigil_check_reads_the_file_a_config_names(tmp_path):
    (tmp_path / "restricted.yaml").write_text("- {symbol: ACME}\n")
    problems = RiskConfig.from_dict({"restricted_list": "restricted.yaml"}).check_files(tmp_path)
    assert [str(p) for p in problems] == [f"restricted_list: {tmp_path / 'restricted.yaml'}:1: reason is missing"]
    assert RiskConfig.from_dict({"restricted_list": "missing.yaml"}).check_files(tmp_path)[0].what.endswith(
        "No such file or directory")
    assert RiskConfig().check_files(tmp_path) == []
