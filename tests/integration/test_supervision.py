"""OTP supervision on real processes: SIGKILL an actor and see who restarts, in what order."""
from __future__ import annotations

import pytest

from tests.support.harness import wait_for
from tests.support.topologies import supervisor, topology, worker
from vigil.messages import InjectFault
from vocabulary.counter import Count, GetCount, Increment


def three(strategy: str) -> str:
    return topology([supervisor("sup", [worker("a"), worker("b"), worker("c")], strategy=strategy)])


def order(events: list[dict], what: str, since: int) -> list[str]:
    return [e["path"].rsplit("/", 1)[-1] for e in events[since:] if e["what"] == what]


@pytest.mark.parametrize("strategy, stopped, started", [
    ("one_for_one", [], ["b"]),
    ("one_for_all", ["c", "a"], ["a", "b", "c"]),
    ("rest_for_one", ["c"], ["b", "c"]),
])
def test_sigkill_restarts_the_children_the_strategy_names_in_order(vigil, strategy, stopped, started):
    run = vigil(three(strategy)).start()
    pids = {name: run.pid(f"root/sup/{name}") for name in "abc"}
    mark = len(run.events())

    run.kill("root/sup/b")
    for name in started:
        run.wait_running(f"root/sup/{name}", not_pid=pids[name])
    run.wait_all_running()

    events = run.events()
    exited = order(events, "exited", mark)
    assert exited[0] == "b", exited  # the crash itself comes first
    assert exited[1:] == stopped  # then the others it takes down, in reverse start order
    assert order(events, "running", mark) == started  # restarted in start order
    for name in "abc":
        if name not in started:
            assert run.pid(f"root/sup/{name}") == pids[name], f"{name} should not have been restarted"
    actors = run.actors()
    assert actors["root/sup/b"]["restarts"] == "1"
    assert "without recording a reason" in actors["root/sup/b"]["last_reason"]
    for name in set(started) - {"b"}:
        assert actors[f"root/sup/{name}"]["last_reason"].startswith(f"restarted with b ({strategy})")


def test_counter_state_survives_sigkill_with_no_acknowledged_increment_lost(vigil):
    run = vigil(topology([worker("counter", config="{snapshot_every: 7}")])).start()
    acked = 0
    for i in range(1, 26):
        reply = run.client.ask("root/counter", Increment(i))
        assert isinstance(reply, Count) and reply.value == acked + i
        acked = reply.value

    old = run.kill("root/counter")
    run.wait_running("root/counter", not_pid=old)
    after = run.client.ask("root/counter", GetCount())
    assert after.value == acked == sum(range(1, 26))
    assert after.incarnation == 1
    assert run.client.ask("root/counter", Increment(1)).value == acked + 1


def test_crash_in_a_handler_restarts_the_actor_with_the_exception_as_reason(vigil):
    run = vigil(topology([worker("counter")])).start()
    run.client.ask("root/counter", Increment(5))
    old = run.pid("root/counter")
    run.client.tell("root/counter", InjectFault("crash"))
    run.wait_running("root/counter", not_pid=old)
    assert run.actors()["root/counter"]["last_reason"] == "crashed: RuntimeError: injected crash"
    assert run.client.ask("root/counter", GetCount()).value == 5


def test_hung_actor_is_killed_and_restarted(vigil):
    run = vigil(topology([worker("a"), worker("slow", heartbeat=(50, 300))])).start()
    a_pid, old = run.pid("root/a"), run.pid("root/slow")
    run.client.tell("root/slow", InjectFault("hang", seconds=120))
    run.wait_running("root/slow", not_pid=old)
    assert run.actors()["root/slow"]["last_reason"] == "hung: no heartbeat reply for 300 ms"
    assert run.pid("root/a") == a_pid


def test_a_busy_actor_that_answers_heartbeats_late_but_in_time_is_not_killed(vigil):
    # Each message keeps it busy for 3 ping intervals: its answers are always to an older ping.
    run = vigil(topology([worker("busy", heartbeat=(50, 1000))])).start()
    pid = run.pid("root/busy")
    for _ in range(12):
        run.client.tell("root/busy", InjectFault("hang", seconds=0.15))
        run.client.ask("root/busy", GetCount())  # answered once the hang is over
    assert run.pid("root/busy") == pid
    assert run.actors()["root/busy"]["restarts"] == "0"


def test_transient_child_that_exits_normally_is_not_restarted_but_is_after_a_crash(vigil):
    run = vigil(topology([worker("t", restart="transient"), worker("u", restart="transient")])).start()
    old_u = run.pid("root/u")
    run.client.tell("root/t", InjectFault("exit"))
    wait_for(lambda: run.actors()["root/t"]["state"] == "stopped", what="t stopped")
    run.kill("root/u")
    run.wait_running("root/u", not_pid=old_u)
    actors = run.actors()
    assert actors["root/t"]["restarts"] == "0" and actors["root/t"]["pid"] == ""
    assert actors["root/u"]["restarts"] == "1"


def test_temporary_child_is_never_restarted(vigil):
    run = vigil(topology([worker("tmp", restart="temporary"), worker("keep")])).start()
    run.kill("root/tmp")
    wait_for(lambda: run.actors()["root/tmp"]["state"] == "failed", what="tmp marked failed")
    assert run.actors()["root/keep"]["state"] == "running"
    assert run.actors()["root/tmp"]["restarts"] == "0"


def test_too_many_restarts_escalate_to_the_parent_supervisor(vigil):
    run = vigil(topology([worker("other"), supervisor("sup", [worker("x"), worker("y")], intensity=1, period=30)],
                         intensity=5)).start()
    other, sup = run.pid("root/other"), run.pid("root/sup")
    old = run.kill("root/sup/x")
    old = run.wait_running("root/sup/x", not_pid=old)  # first restart: within intensity 1
    run.kill("root/sup/x")  # second within the period: sup gives up, root restarts it
    run.wait_running("root/sup", not_pid=sup)
    run.wait_all_running()
    actors = run.actors()
    assert actors["root/sup"]["restarts"] == "1"
    assert actors["root/sup"]["last_reason"].startswith("gave up: x: 2 failures within 30 s exceed intensity 1")
    assert actors["root/sup/x"]["restarts"] == "0"  # a new supervisor: counts start again
    assert run.pid("root/other") == other
    assert [e["path"] for e in run.events("gave_up")] == ["root/sup"]


def test_root_giving_up_stops_vigil_cleanly_and_says_why(vigil):
    run = vigil(topology([worker("a"), worker("b")], intensity=0)).start()
    run.kill("root/b")
    wait_for(lambda: run.info() is None, what="Vigil to stop")
    status = run.cli("status", "--run-dir", str(run.run_dir))
    assert status.returncode == 1
    assert "Vigil is not running" in status.stderr
    assert "root supervisor gave up: b: 1 failures within 10 s exceed intensity 0" in status.stderr
    wait_for(lambda: not run.leftovers(), what="every process of the run to exit")


def test_sigkill_of_a_supervisor_takes_its_children_with_it_and_restarts_the_subtree(vigil):
    from vigil.procs import pid_alive

    run = vigil(topology([worker("other"), supervisor("sup", [worker("x"), worker("y")])])).start()
    old = {p: run.pid(p) for p in ("root/sup", "root/sup/x", "root/sup/y", "root/other")}
    run.kill("root/sup")
    for path in ("root/sup", "root/sup/x", "root/sup/y"):
        run.wait_running(path, not_pid=old[path])
    wait_for(lambda: not pid_alive(old["root/sup/x"]) and not pid_alive(old["root/sup/y"]),
             what="the killed supervisor's children to be gone (no orphans)")
    assert run.pid("root/other") == old["root/other"]
    assert run.actors()["root/sup"]["restarts"] == "1"


def test_no_acknowledged_increment_is_lost_when_killed_mid_stream(vigil):
    import threading

    from vigil.errors import VigilError

    run = vigil(topology([worker("counter", config="{snapshot_every: 10}")])).start()
    acked, attempts, killed = [], 0, threading.Event()

    def kill_after_some():
        wait_for(lambda: len(acked) >= 30, what="30 acknowledged increments")
        run.kill("root/counter")
        killed.set()

    killer = threading.Thread(target=kill_after_some)
    killer.start()
    while len(acked) < 80:
        attempts += 1
        try:
            acked.append(run.client.ask("root/counter", Increment(1), timeout=1.0).value)
        except VigilError:
            pass  # not acknowledged: it may or may not have been applied
    killer.join()
    assert killed.is_set()
    final = run.client.ask("root/counter", GetCount()).value
    assert final >= len(acked)  # everything acknowledged survived the crash
    assert final <= attempts  # and nothing was applied twice
    assert acked == sorted(acked) and len(set(acked)) == len(acked)


def test_a_tree_that_started_in_time_outlives_its_start_deadlines(vigil):
    import time

    text = topology([supervisor("sup", [worker("x")])]).replace("vigil:\n", "vigil:\n  start_timeout_ms: 200\n", 1)
    run = vigil(text).start()
    pids = {path: a["pid"] for path, a in run.actors().items()}
    until = time.monotonic() + 1.0  # five times the start deadline: a stale deadline must not fire
    while time.monotonic() < until:
        assert {path: a["pid"] for path, a in run.actors().items()} == pids
        time.sleep(0.05)
    assert all(a["restarts"] == "0" and a["state"] == "running" for a in run.actors().values())
