"""`vigil up --detach` / `status --json` / `down` as an operator runs them, and their errors."""
from __future__ import annotations

import json
import os
import signal
import socket

from tests.support.harness import run_cli, wait_for
from tests.support.topologies import supervisor, topology, worker
from vigil.messages import InjectFault
from vocabulary.counter import GetCount, Increment

TREE = topology([supervisor("market", [worker("feed"), worker("strategy")], strategy="rest_for_one"),
                 worker("oms", shutdown=3000)])


def test_up_status_down_with_vigil_owning_its_redis(vigil):
    run = vigil(TREE, own_redis=True)
    up = run.up()
    assert up.returncode == 0, up.stderr
    assert "root/market/feed" in up.stdout and "Vigil is running" in up.stdout

    status = run.cli("status", "--json", "--run-dir", str(run.run_dir))
    assert status.returncode == 0, status.stderr
    doc = json.loads(status.stdout)
    assert [a["path"] for a in doc["actors"]] == ["root", "root/market", "root/market/feed",
                                                  "root/market/strategy", "root/oms"]
    for actor in doc["actors"]:
        assert actor["state"] == "running" and actor["restarts"] == 0 and isinstance(actor["pid"], int)
    assert {a["kind"] for a in doc["actors"]} == {"supervisor", "worker"}
    assert doc["redis_url"].startswith("redis://127.0.0.1:") and ":6379/" not in doc["redis_url"]
    assert (run.run_dir / "redis" / "appendonlydir").is_dir()  # Vigil's own Redis, AOF on
    pids = [a["pid"] for a in doc["actors"]]

    down = run.down()
    assert down.returncode == 0, down.stderr
    assert "stopped by vigil down" in down.stdout
    assert not run.leftovers()
    assert not any(_alive(pid) for pid in pids)
    again = run.cli("status", "--run-dir", str(run.run_dir))
    assert again.returncode == 1 and "Vigil is not running" in again.stderr


def test_state_survives_a_full_restart_of_vigil(vigil):
    run = vigil(topology([worker("counter")]), own_redis=True).start()
    run.client.ask("root/counter", Increment(41))
    assert run.down().returncode == 0
    run._client = None
    run.start()
    assert run.client.ask("root/counter", GetCount()).value == 41


def test_down_stops_children_in_reverse_start_order(vigil):
    run = vigil(TREE).start()
    started = [e["path"] for e in run.events("running")]
    client = run.client
    assert run.down().returncode == 0
    stopped = [e["path"] for e in client.registry.events() if e["what"] == "exited"]
    assert started == ["root", "root/market", "root/market/feed", "root/market/strategy", "root/oms"]
    assert stopped == ["root/oms", "root/market/strategy", "root/market/feed", "root/market"]


def test_a_child_that_ignores_shutdown_is_killed_after_its_timeout(vigil):
    run = vigil(topology([worker("stuck", shutdown=300, heartbeat=(1000, 60000))])).start()
    client = run.client
    client.tell("root/stuck", InjectFault("hang", seconds=120))
    assert run.down().returncode == 0
    exits = [e for e in client.registry.events() if e["what"] == "exited"]
    assert exits[0]["path"] == "root/stuck"
    assert exits[0]["reason"] == "did not stop within 300 ms: killed"


def test_up_names_the_actor_that_did_not_start_and_why(vigil):
    run = vigil(topology([worker("ok"), worker("venue", start="tests.support.testbed_actors:FailsToStart",
                                                 config="{why: 'no route to 10.9.9.9'}"), worker("never")]))
    up = run.up()
    assert up.returncode == 1
    assert "root/venue did not start: ConnectionError: no route to 10.9.9.9" in up.stderr, up.stderr
    wait_for(lambda: not run.leftovers(), what="the failed start to leave no process")


def test_up_refuses_when_already_running_and_when_the_port_is_taken(vigil):
    run = vigil(topology([worker("a")])).start()
    second = run.up()
    assert second.returncode == 1
    assert "already running" in second.stderr and str(run.admin_port) in second.stderr

    other = vigil(topology([worker("a")]))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", other.admin_port))
        holder.listen()
        taken = other.up()
    assert taken.returncode == 1
    assert f"admin port {other.admin_port} is already in use" in taken.stderr


def test_status_and_down_say_when_vigil_is_not_running(tmp_path):
    for command in ("status", "down"):
        result = run_cli(command, "--run-dir", str(tmp_path / "nothing"))
        assert result.returncode == 1
        assert f"vigil {command}: Vigil is not running" in result.stderr


def test_bad_cli_arguments_are_named(tmp_path):
    result = run_cli("up", "--admin-port", "80")
    assert result.returncode == 2 and "'80' is not a port number from 1024 to 65535" in result.stderr
    result = run_cli("frobnicate")
    assert result.returncode == 2 and "invalid choice: 'frobnicate'" in result.stderr


def test_check_accepts_the_repo_topology_and_rejects_a_bad_one(tmp_path):
    ok = run_cli("check", "topology.yaml")
    assert ok.returncode == 0 and ok.stdout.startswith("topology.yaml: ok:")
    bad = tmp_path / "bad.yaml"
    bad.write_text("root:\n  strategy: one_for_most\n  children:\n    - id: a\n      start: actors.counter:Counter\n"
                   "      restrat: permanent\n")
    result = run_cli("check", str(bad))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert f"{bad}:2: root.strategy: " in lines[0] and "one_for_most" in lines[0]
    assert lines[1].startswith(f"{bad}:6: root/a.restrat: unknown field (did you mean restart?)")


def _alive(pid: int) -> bool:
    from vigil.procs import pid_alive
    return pid_alive(pid)


def test_a_child_dying_while_redis_restarts_does_not_take_its_supervisor_down(vigil):
    run = vigil(TREE, own_redis=True).start()
    info, feed, root = run.info(), run.pid("root/market/feed"), run.pid("root")
    os.kill(int(info["redis_pid"]), signal.SIGKILL)
    os.kill(feed, signal.SIGKILL)  # its supervisor hears of it while Redis is down, and asks Redis why
    wait_for(lambda: (run.info() or {}).get("redis_pid") not in (None, info["redis_pid"]), timeout=30,
             what="the daemon starting its Redis again")
    run.wait_running("root/market/feed", not_pid=feed, timeout=30)
    assert _alive(int(info["pid"])) and run.pid("root") == root  # the run and its root went on
    run.wait_all_running(timeout=30)
