"""The supervisor actor: starts its children in order, restarts them by OTP rules.

Everything a supervisor does to its children is a queue of operations run
one at a time: ("start", i), ("stop", i) or ("wait", seconds). A start is
done when the child reports ready; a stop when its process has exited (it
is killed when `shutdown` ms pass first). Failures append operations; the
strategy decides which. That keeps start order, reverse stop order and
escalation in one place.
"""
from __future__ import annotations

import os
import random
import signal
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from thespian.actors import ActorExitRequest, ChildActorExited

from supervisors.policy import RestartIntensity, affected_children, backoff_delay, should_restart
from vigil.actor import ComponentActor, VigilActor
from vigil.component import Component
from vigil.lifecycle import State
from vigil.messages import ActorReady, ActorStartFailed, Done, InitActor, Ping, Pong, Shutdown
from vigil.procs import pid_alive
from vigil.topology import import_start
from vocabulary import roles

SILENT_EXIT = "exited without recording a reason (killed by a signal?)"


@dataclass
class _Child:
    spec: Any
    address: Any = None
    pid: int | None = None
    status: str = "down"  # down | starting | running | stopping
    restarts: int = 0
    incarnation: int = 0
    last_reason: str = ""
    kill_reason: str | None = None  # why we killed it ourselves, when we did
    start_failure: tuple[str, str] | None = None  # (innermost actor path, why) when it reported one
    finished: bool = False  # exited and is not to be restarted (temporary, or transient that ended well)
    ping_seq: int = 0
    next_ping: float = 0.0
    last_pong: float = 0.0


class Supervisor(VigilActor):
    role = roles.SUPERVISOR
    rides_out_redis_restarts = True
    def on_start(self, config: Any) -> None:
        sup = self.spec.supervisor
        self.strategy = sup.strategy
        self.children = [_Child(spec) for spec in sup.children]
        self.intensity = RestartIntensity(sup.intensity, sup.period, self.clock)
        self.backoff = sup.backoff
        self._rng = random.Random()
        self._ops: list[tuple[str, Any]] = []
        self._op: tuple[str, Any] | None = None
        self._op_token = 0
        self._phase = "starting"  # starting | running | stopping | giving_up
        self._why = ""
        self._stop_requester: Any = None
        self._never_started = False
        self._start_failure: tuple[str, str] | None = None
        intervals = [c.spec.heartbeat.interval_ms for c in self.children] or [1000]
        self._tick = timedelta(milliseconds=max(5, min(intervals) // 4))

    def report_ready(self) -> None:
        """Ready only when every child is: start them first, in order."""
        self._ops = [("start", i) for i in range(len(self.children))]
        self._run_ops()
        self.wakeupAfter(self._tick, "tick")

    # ---- messages ----------------------------------------------------
    def on_message(self, msg: Any, sender: Any) -> None:
        if isinstance(msg, ActorReady):
            self._child_ready(sender, msg)
        elif isinstance(msg, ActorStartFailed):
            child = self._child_at(sender)
            if child is not None:  # a supervisor child passes on the innermost failure
                child.start_failure = (msg.path, msg.reason)
                child.kill_reason = f"failed to start: {msg.reason}"
        elif isinstance(msg, Pong):
            child = self._child_at(sender)
            # Any answer proves life: a child busier than one ping interval answers an older ping
            if child is not None and msg.seq <= child.ping_seq:
                child.last_pong = self.clock.monotonic()
        elif not isinstance(msg, Done):
            super().on_message(msg, sender)

    def _handle(self, msg: Any, sender: Any) -> None:
        # Replies from children arrive untraced and in any lifecycle state.
        if isinstance(msg, (ActorReady, ActorStartFailed, Pong, Done)) and getattr(self, "lifecycle", None):
            self.on_message(msg, sender)
        else:
            super()._handle(msg, sender)

    def on_wakeup(self, payload: Any) -> None:
        if payload == "tick":
            self._heartbeat()
            self.wakeupAfter(self._tick, "tick")
        elif isinstance(payload, tuple) and payload[0] == "deadline" and payload[1] == self._op_token \
                and self._op is not None:  # an operation that finished in time leaves its deadline behind
            self._op_overdue()

    def begin_shutdown(self, msg: Shutdown, sender: Any) -> None:
        if self._phase == "stopping":
            return
        self._phase, self._why, self._stop_requester = "stopping", msg.reason, sender
        self.set_state(State.STOPPING)
        self._stop_all()

    # ---- the operation queue -----------------------------------------
    def _run_ops(self) -> None:
        while self._op is None and self._ops:
            kind, arg = self._ops.pop(0)
            if kind == "start" and self.children[arg].status == "down" and not self.children[arg].finished:
                self._begin(("start", arg), self._start_timeout())
                self._start_child(arg)
            elif kind == "stop" and self.children[arg].status != "down":
                self._begin(("stop", arg), self._stop_child(arg))
            elif kind == "wait":
                self._begin(("wait", None), arg)
        if self._op is None and not self._ops:
            self._ops_done()

    def _begin(self, op: tuple[str, Any], deadline_s: float | None) -> None:
        self._op = op
        self._op_token += 1
        if deadline_s is not None:
            self.wakeupAfter(timedelta(seconds=deadline_s), ("deadline", self._op_token))

    def _finish(self, kind: str, index: int | None) -> None:
        if self._op == (kind, index):
            self._op = None
            self._run_ops()

    def _op_overdue(self) -> None:
        kind, index = self._op
        if kind == "wait":
            self._op = None
            self._run_ops()
            return
        child = self.children[index]
        if kind == "start":
            child.kill_reason = f"did not start within {self._start_timeout() * 1000:.0f} ms"
        else:
            child.kill_reason = f"did not stop within {child.spec.shutdown} ms: killed"
        self._kill(child)

    def _ops_done(self) -> None:
        if self._phase == "starting":
            self._phase = "running"
            super().report_ready()
        elif self._phase == "stopping":
            self.send(self._stop_requester, Done(f"{self.path} stopped"))
            self.exit_normally(f"normal: {self._why}")
        elif self._phase == "giving_up":
            self._exit_failed()

    def _start_timeout(self) -> float:
        return self.context.start_timeout_ms / 1000.0

    # ---- starting and stopping children ------------------------------
    def _start_child(self, index: int) -> None:
        child = self.children[index]
        child.status, child.pid, child.kill_reason, child.start_failure = "starting", None, None, None
        child.address = self.createActor(_actor_class(child.spec.start))
        self.registry.update(child.spec.path, restarts=child.restarts, last_reason=child.last_reason, pid="")
        self.registry.clear_field(child.spec.path, "exit")  # what it records from now on is about this incarnation
        self.send(child.address, InitActor(child.spec.path, child.spec, self.context, child.incarnation))
        child.incarnation += 1

    def _child_ready(self, sender: Any, msg: ActorReady) -> None:
        child = self._child_at(sender)
        if child is None or child.status != "starting":
            return
        now = self.clock.monotonic()
        child.status, child.pid = "running", msg.pid
        child.last_pong, child.next_ping = now, now
        self._finish("start", self.children.index(child))

    def _stop_child(self, index: int) -> float | None:
        """Ask the child to stop; returns how long it may take before it is killed."""
        child = self.children[index]
        child.status = "stopping"
        if child.spec.shutdown == "brutal_kill":
            self._kill(child)
            return None
        self.send(child.address, Shutdown(self._why or "stopped by its supervisor"))
        return child.spec.shutdown / 1000.0

    def _kill(self, child: _Child) -> None:
        pid = child.pid or _int(self.registry.get(child.spec.path).get("pid"))
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        elif child.address is not None:
            self.send(child.address, ActorExitRequest())

    def _stop_all(self) -> None:
        self._ops = [op for op in self._ops if op[0] == "stop"]
        if self._op and self._op[0] == "wait":
            self._op = None
        self._ops += [("stop", i) for i in reversed(range(len(self.children)))]
        self._run_ops()

    # ---- failures ----------------------------------------------------
    def on_child_exited(self, msg: ChildActorExited) -> None:
        child = self._child_at(msg.childAddress)
        if child is None:
            return  # an earlier incarnation, already handled (or found dead by its pid)
        self._exited(child)

    def _exited(self, child: _Child) -> None:
        index = self.children.index(child)
        was, child.status, child.address, child.pid = child.status, "down", None, None
        recorded = self.registry.get(child.spec.path).get("exit", "")
        if was == "stopping":
            self.registry.update(child.spec.path, state=State.STOPPED.value, pid="")
            self.registry.event(child.spec.path, "exited", reason=child.kill_reason or "stopped", abnormal=0)
            child.kill_reason = None
            self._finish("stop", index)
            return
        reason = child.kill_reason or recorded or SILENT_EXIT
        abnormal = not recorded.startswith("normal") or child.kill_reason is not None
        child.kill_reason = None
        self.registry.update(child.spec.path, state=(State.FAILED if abnormal else State.STOPPED).value,
                             pid="", last_reason=reason)
        self.registry.event(child.spec.path, "exited", reason=reason, abnormal=int(abnormal))
        if self._phase == "starting" and self._op == ("start", index):
            self._start_failure = child.start_failure or (child.spec.path, reason)
            self._give_up("{} did not start: {}".format(*self._start_failure))
        elif self._phase in ("starting", "running"):
            self._child_failed(index, reason, abnormal)
        if self._op == ("start", index):
            self._op = None
        self._run_ops()

    def _child_failed(self, index: int, reason: str, abnormal: bool) -> None:
        child = self.children[index]
        child.last_reason = reason
        if not should_restart(child.spec.restart, abnormal):
            child.finished = True
            return
        if not self.intensity.allow():
            sup = self.spec.supervisor
            self._give_up(f"{child.spec.id}: {self.intensity.recent} failures within {sup.period:g} s "
                          f"exceed intensity {sup.intensity}; last: {reason}")
            return
        targets = [i for i in affected_children(self.strategy, len(self.children), index)
                   if not self.children[i].finished]
        self._ops += [("stop", i) for i in reversed(targets) if i != index]
        if self.backoff is not None:
            delay = backoff_delay(self.backoff.min_ms, self.backoff.max_ms, self.backoff.jitter,
                                  self.intensity.recent, self._rng)
            self._ops.append(("wait", delay))
        for i in targets:
            self.children[i].restarts += 1
            if i != index:
                self.children[i].last_reason = f"restarted with {child.spec.id} ({self.strategy}): {reason}"
        self._ops += [("start", i) for i in targets]

    def _give_up(self, why: str) -> None:
        """Too many restarts, or a child that will not start: stop all, then fail upwards."""
        self._never_started = self._phase == "starting"
        self._phase, self._why = "giving_up", why
        self._stop_all()

    def _exit_failed(self) -> None:
        self.set_state(State.FAILED)
        self.registry.update(self.path, exit=f"gave up: {self._why}")
        self.registry.event(self.path, "gave_up", reason=self._why)
        if self.path == "root":
            self.registry.record_outcome(self._why)
        if self._never_started:  # the parent is still waiting for our start to finish
            self.send(self.parent, ActorStartFailed(*(self._start_failure or (self.path, self._why))))
        self.send(self.myAddress, ActorExitRequest())

    # ---- liveness ----------------------------------------------------
    def _heartbeat(self) -> None:
        now = self.clock.monotonic()
        for child in list(self.children):
            if child.status in ("running", "stopping") and child.pid and not pid_alive(child.pid):
                # Thespian now and then loses the notice of a child's death (seen with a SIGKILL): its
                # process is what says it is gone
                self._exited(child)
                continue
            if child.status != "running":
                continue
            hb = child.spec.heartbeat
            if child.kill_reason is None and now - child.last_pong > hb.timeout_ms / 1000.0:
                child.kill_reason = f"hung: no heartbeat reply for {hb.timeout_ms} ms"
                self._kill(child)
            elif now >= child.next_ping:
                child.ping_seq += 1
                child.next_ping = now + hb.interval_ms / 1000.0
                self.send(child.address, Ping(child.ping_seq))

    def _child_at(self, address: Any) -> _Child | None:
        for child in self.children:
            if child.address is not None and child.address == address:
                return child
        return None


def _actor_class(start: str) -> str:
    """The Thespian actor class to create for a child: the shell of a component, or the actor named."""
    if issubclass(import_start(start), Component):
        return f"{ComponentActor.__module__}.{ComponentActor.__name__}"
    return start.replace(":", ".")


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None

