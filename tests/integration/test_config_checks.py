"""Every actor's config is checked before anything runs: `vigil check` and `vigil up` refuse a topology
with a mistyped, mistaken or out-of-range setting, naming each one with its line, all at once."""
from __future__ import annotations

import textwrap

import pytest

from tests.support.harness import run_cli
from vigil.procs import free_port

VENUE = """\
    - id: venue
      start: venues.actor:SimulatedVenue
      config:
        port: 19201
        md_endpoint: tcp://127.0.0.1:19202
        clients: [{comp_id: VIGIL_A}]
        symbols: {ACME: {tick_size: 0.01}}
"""
OMS = """\
    - id: oms
      start: actors.oms.actor:OrderManager
      config:
        sessions: [{id: fix-a}]
"""
SESSION = """\
    - id: fix-a
      start: actors.broker.session:BrokerSession
      config:
        sender_comp_id: VIGIL_A
        target_comp_id: VENUE
"""
FEED = """\
    - id: feed
      start: actors.feed.actor:Feed
      config:
        primary: tcp://127.0.0.1:19202
"""


def counter(id: str, setting: str) -> str:
    return f"    - id: {id}\n      start: actors.counter:Counter\n      config:\n        {setting}\n"


# Per actor: its children, then (the text of a bad setting, the message it must give), one each of an
# unknown setting, a value of the wrong type and one out of range.
CASES = {
    "counter": ("", [counter("c1", "snapshot_evry: 5"), counter("c2", "snapshot_every: five"),
                     counter("c3", "snapshot_every: -1")],
                [("snapshot_evry: 5", "root/c1: config.snapshot_evry: unknown setting (did you mean snapshot_every?)"),
                 ("snapshot_every: five", "root/c2: config.snapshot_every: expected an integer, got 'five'"),
                 ("snapshot_every: -1", "root/c3: config.snapshot_every: must be >= 0, got -1")]),
    "broker session": (SESSION, ["        heartbeat: 30\n", "        reconnect_s: soon\n", "        port: 70000\n"],
                       [("heartbeat: 30", "root/fix-a: config.heartbeat: unknown setting (did you mean heartbeat_s?)"),
                        ("reconnect_s: soon", "root/fix-a: config.reconnect_s: expected an integer, got 'soon'"),
                        ("port: 70000", "root/fix-a: config.port: must be <= 65535, got 70000")]),
    "OMS": (OMS, ["        ack_timout_s: 2\n", "        account: 7\n",
                  "        corporate_actions: {open_orders: adjust}\n        ack_timeout_s: 0\n"],
            [("ack_timout_s: 2", "root/oms: config.ack_timout_s: unknown setting (did you mean ack_timeout_s?)"),
             ("account: 7", "root/oms: config.account: expected a string, got 7"),
             ("ack_timeout_s: 0", "root/oms: config.ack_timeout_s: must be > 0, got 0")]),
    "venue": (VENUE, ["        flow: {seed: 7, rate: 50}\n", "        fix_log: yes please\n",
                      "        heartbeat_s: 0\n"],
              [("rate: 50", "root/venue: config.flow.rate: unknown setting (did you mean rate_per_s?)"),
               ("fix_log: yes please", "root/venue: config.fix_log: expected true or false, got 'yes please'"),
               ("heartbeat_s: 0", "root/venue: config.heartbeat_s: must be >= 1, got 0")]),
    "feed": (FEED, ["        failover: {stale: 500}\n", "        publish: 5\n",
                    "        validation:\n          band_pct: -2\n"],
             [("stale: 500", "root/feed: config.failover.stale: unknown setting (did you mean stale_ms?)"),
              ("publish: 5", "root/feed: config.publish: expected a string, got 5"),
              ("band_pct: -2", "root/feed: config.validation.band_pct: must be > 0, got -2")]),
}


def topology(children: str) -> str:
    return "vigil: {name: t}\nroot:\n  children:\n" + children


def line_of(text: str, needle: str) -> int:
    [number] = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return number


@pytest.mark.parametrize("actor", CASES)
def test_a_bad_setting_of_any_actor_is_refused_by_check_and_up_with_its_line(vigil, actor):
    base, bad_settings, expected = CASES[actor]
    text = topology(base + "".join(bad_settings))
    run = vigil(text)
    path = str(run.topology)
    want = [f"{path}:{line}: {message}" for line, message in sorted((line_of(text, setting), message)
                                                                    for setting, message in expected)]

    checked = run_cli("check", path)
    assert checked.returncode == 2, checked
    assert checked.stderr.splitlines() == want

    started = run.up()
    assert started.returncode == 2, started
    assert started.stderr.splitlines() == want
    assert not run.run_dir.exists(), "nothing may start, not even a run directory"


def test_every_problem_of_every_actor_is_reported_at_once(vigil):
    everything = "".join(base + "".join(bad) for base, bad, _ in CASES.values())
    text = topology(everything)
    checked = run_cli("check", str(vigil(text).topology))
    assert checked.returncode == 2
    assert len(checked.stderr.splitlines()) == sum(len(expected) for _, _, expected in CASES.values())


def test_a_missing_required_setting_and_a_rule_across_settings_are_named(vigil):
    text = topology(textwrap.indent(textwrap.dedent("""\
        - id: fix-a
          start: actors.broker.session:BrokerSession
          config: {target_comp_id: VENUE, port: 19201}
        - id: venue
          start: venues.actor:SimulatedVenue
          config:
            port: 19201
            md_endpoint: tcp://127.0.0.1:19202
            md_backup_endpoint: tcp://127.0.0.1:19202
            clients: [{comp_id: VIGIL_A}]
            symbols: {ACME: {tick_size: 0.01}}
        - id: venue2
          start: venues.actor:SimulatedVenue
          config:
            port: 19301
            md_endpoint: tcp://127.0.0.1:19302
            clients: [{comp_id: VIGIL_A, begin_string: FIX.4.3}]
            symbols: {ACME: {tick_size: 0.01}}
        """), "    "))
    path = str(vigil(text).topology)
    checked = run_cli("check", path)
    assert checked.returncode == 2
    assert checked.stderr.splitlines() == [
        f"{path}:{line_of(text, 'target_comp_id')}: root/fix-a: config.sender_comp_id: missing (required)",
        f"{path}:{line_of(text, 'md_backup_endpoint')}: root/venue: config.md_backup_endpoint: "
        f"'tcp://127.0.0.1:19202' is the same as md_endpoint: the backup line needs an endpoint of its own",
        f"{path}:{line_of(text, 'FIX.4.3')}: root/venue2: config.clients[0].begin_string: unknown value 'FIX.4.3' "
        f"(did you mean FIX.4.4?); allowed: FIX.4.4 | FIX.4.2"]


def test_a_relative_file_in_a_config_is_read_beside_the_topology_whatever_the_run_directory(vigil, tmp_path):
    """The OMS's symbol master is named relative to the topology; the run directory is elsewhere (where
    no such file is): the OMS reads the topology's copy, so it knows the symbol only that copy lists."""
    ports = {"fix": free_port(), "md": free_port()}
    run = vigil(topology(textwrap.indent(textwrap.dedent(f"""\
        - id: venue
          start: venues.actor:SimulatedVenue
          config:
            port: {ports['fix']}
            md_endpoint: tcp://127.0.0.1:{ports['md']}
            clients: [{{comp_id: VIGIL_A}}]
            symbols: {{ZZZ: {{tick_size: 0.01}}}}
        - id: oms
          start: actors.oms.actor:OrderManager
          config:
            sessions: [{{id: fix-a}}]
            symbols: desk-symbols.yaml
        - id: fix-a
          start: actors.broker.session:BrokerSession
          config: {{sender_comp_id: VIGIL_A, target_comp_id: VENUE, port: {ports['fix']}}}
        """), "    ")))
    (run.topology.parent / "desk-symbols.yaml").write_text("ZZZ: {tick_size: 0.01, lot_size: 1}\n")
    run.run_dir = tmp_path / "elsewhere" / "run"
    run.start()
    halted = run.cli("halt", "ZZZ", "--reason", "desk check", "--run-dir", str(run.run_dir))
    assert halted.returncode == 0, halted.stderr
    assert halted.stdout.strip() == "ZZZ halted"
