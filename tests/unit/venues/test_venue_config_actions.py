"""The venue's `corporate_actions:` setting: its own symbols' actions, and a bad file named."""
from __future__ import annotations

import re

import pytest

from venues.config import VenueConfig
from vigil.config import build_config
from vigil.reference import ReferenceDataError


def _config(path) -> VenueConfig:
    return build_config(VenueConfig, {"port": 1, "md_endpoint": "tcp://127.0.0.1:5000", "clients": [{"comp_id": "C"}],
                                      "symbols": {"ACME": {"tick_size": 0.01}}, "corporate_actions": str(path)})


def test_the_venue_keeps_the_actions_of_its_own_symbols(tmp_path):
    path = tmp_path / "ca.yaml"
    path.write_text("actions:\n"
                    "  - {id: a, symbol: ACME, type: split, ratio: '2:1', effective: 2030-01-01}\n"
                    "  - {id: e, symbol: EURUSD, type: dividend, amount: 0.01, effective: 2030-01-01}\n")
    assert [a.id for a in _config(path).load_actions(tmp_path)] == ["a"]


def test_a_bad_corporate_actions_file_is_refused_naming_the_setting_and_the_problem(tmp_path):
    [problem] = _config(tmp_path / "nope.yaml").check_references(tmp_path)
    assert problem.field == "corporate_actions"
    assert re.search(r"corporate actions .*nope\.yaml: No such", problem.what), problem
    bad = tmp_path / "bad.yaml"
    bad.write_text("actions: [{id: a, symbol: ACME, type: split, ratio: lots, effective: 2030-01-01}]\n")
    [problem] = _config(bad).check_references(tmp_path)
    assert "action a: ratio must be 'NEW:OLD'" in problem.what
    with pytest.raises(ReferenceDataError, match="action a: ratio must be 'NEW:OLD'"):
        _config(bad).load_actions(tmp_path)
