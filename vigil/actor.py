"""The Thespian runner: one actor, one OS process, lifecycle, recovery from Redis, heartbeats, tracing.

`VigilActor` is the runtime's own actor base (the supervisor is one). Its hooks are those of
a component (vigil.component), and `ComponentActor` is the VigilActor that runs one: what a
supervisor creates for a worker whose `start` names a Component. The logic lives in the
component; this module is transport: Thespian messages, the ZeroMQ lane, watched fds, Redis.

An actor with `fast_lane = True` also takes messages on a ZeroMQ lane (vigil.lane), and
`address_of` then hands out lane addresses for peers that have one: the hot path (orders,
execution reports) skips Thespian. Messages drained from the lane together are handled as one
batch (group commit): their events go to Redis in one round trip at the end, and what the
handlers sent is held until then. Nothing leaves before what caused it is durable, and a
burst costs one Redis write instead of one per message.

After a turn on its own fds an actor waits on them outside Thespian's loop until Thespian has work
(vigil.own_wait): the order path's wake-ups skip Thespian's.

An exception escaping a handler is a crash: the reason is written to the registry and the
process exits, so its supervisor restarts it from Redis (let it crash, as OTP does) instead of
running on with half-applied state.
"""
from __future__ import annotations

import logging
import os
import time
import traceback
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import redis
from opentelemetry.trace import SpanKind
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from thespian.actors import (
    Actor,
    ActorExitRequest,
    ChildActorExited,
    PoisonMessage,
    ThespianWatch,
    WakeupMessage,
    WatchMessage,
)

from vigil import telemetry
from vigil.clock import Clock, LiveClock
from vigil.component import Component, Hooks, Refused
from vigil.config import Config, NoConfig
from vigil.journal import Journal
from vigil.lane import Lane, LaneAddress, Unreachable
from vigil.lifecycle import Lifecycle, State
from vigil.messages import ActorReady, ActorStartFailed, Envelope, InitActor, InjectFault, Ping, Pong, Refusal, Shutdown
from vigil.metrics import live_metrics, read_all
from vigil.own_wait import OwnWait
from vigil.procs import set_pdeathsig
from vigil.registry import Registry
from vigil.state_store import StateStore
from vigil.topology import import_start

__all__ = ["ComponentActor", "Refused", "VigilActor"]

log = logging.getLogger("vigil.actor")

CRASH_EXIT_CODE = 70
THESPIAN, LANE = "thespian", "zeromq"
"""The messaging.system of a message that came by Thespian, or by the fast lane (ZeroMQ)."""
CRASH_LOG = "crashes.log"
REDIS_RETRY = {"retry": Retry(ExponentialBackoff(cap=0.5, base=0.02), 12),  # 4.6 s in all, as measured
               "retry_on_error": [redis.ConnectionError, redis.TimeoutError]}


class VigilActor(Actor, Hooks):
    """The hooks of vigil.component.Hooks, called by this Thespian loop."""

    config_class: type[Config] = NoConfig
    role: str = ""
    fast_lane = False
    _outbox: list | None = None
    """What handlers sent during a batch, held until the batch's events are committed."""
    lane: Lane | None = None
    _own_wait: OwnWait | None = None
    rides_out_redis_restarts = False
    """Whether its Redis calls retry a refused connection for some 4.6 s (a restart of Redis) rather than fail
    at once: a supervisor's do, because a supervisor that crashes takes its subtree with it (the root: the run)."""

    def on_child_exited(self, msg: ChildActorExited) -> None:
        pass

    # ---- services (a component's Runtime) -------------------------------
    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def state(self) -> State:
        return self.lifecycle.state

    @property
    def topology_dir(self) -> Path:
        return Path(self.context.topology_dir)

    @property
    def run_dir(self) -> Path:
        return Path(self.context.run_dir)

    @property
    def namespace(self) -> str:
        """Of this run's keys in Redis (vigil.name)."""
        return self.context.name

    def persist(self, event: Any) -> int:
        """Make `event` durable, then apply it. Returns its sequence number. Inside a batch the
        write is committed with the batch, before anything the batch sent leaves."""
        return self.journal.persist(event, batched=self._outbox is not None)

    def tell(self, address: Any, msg: Any, on_refused: Callable[[Refused], None] | None = None) -> None:
        """Send by lane or by Thespian, as the address says. A lane peer that is gone is reported to
        `on_refused`, or logged: inside a batch the send happens later, so it cannot raise here."""
        traceparent = telemetry.current_traceparent()
        if self._outbox is not None:
            self._outbox.append((address, msg, traceparent, on_refused))
        else:
            self._deliver(address, msg, traceparent, on_refused)

    reply = tell
    """Answer whoever asked; one who is gone is nobody left to tell (a refusal is never answered)."""

    def _deliver(self, address: Any, msg: Any, traceparent: str | None,
                 on_refused: Callable[[Refused], None] | None) -> None:
        if not isinstance(address, LaneAddress):
            self.send(address, Envelope(msg, traceparent))
            return
        for retry in (False, True):
            try:
                self.lane.send(address, msg, traceparent)
                return
            except Unreachable:
                self._lane_peers.pop(address.path, None)
                fresh = self.registry.lane(address.path)  # restarted since: it has a new lane
                if retry or fresh is None or fresh == address.endpoint:
                    break
                address = self._lane_peers[address.path] = LaneAddress(fresh, address.path)
        refusal = Refused(f"{address.path} cannot be reached")
        if on_refused is not None:
            on_refused(refusal)
        else:
            log.warning("%s: %s not delivered: %s", getattr(self, "path", "?"), type(msg).__name__, refusal)

    def address_of(self, actor_id: str) -> Any:
        """Current address of the actor with this id. Thespian addresses are read each time, since a
        restart changes them; lane addresses are kept until a send finds them gone."""
        path = self._paths.get(actor_id) or self.registry.path_of(actor_id)
        if path is None:
            raise Refused(f"no actor {actor_id!r} in the topology")
        self._paths[actor_id] = path
        if self.lane is not None:
            lane = self._lane_peers.get(path)
            if lane is None and (endpoint := self.registry.lane(path)):
                lane = self._lane_peers[path] = LaneAddress(endpoint, path)
            if lane is not None:
                return lane
        address = self.registry.address(path)
        if address is None:
            raise Refused(f"{path} has not started")
        return address

    def wakeup_after(self, delay: timedelta, payload: Any) -> None:
        self.wakeupAfter(delay, payload)

    def set_state(self, state: State) -> None:
        if state is self.lifecycle.state:
            return  # e.g. a second logout while already degraded: nothing changes
        self.lifecycle.to(state)
        self.registry.update(self.path, state=state.value)
        self.registry.event(self.path, state.value, pid=os.getpid(), at_ns=self.clock.now_ns())

    def event(self, what: str, **detail: Any) -> None:
        self.registry.event(self.path, what, **detail)

    def history(self, after: str | None, limit: int) -> list[tuple[str, dict[str, str]]]:
        return self.registry.events_after(after, limit)

    def advertise(self, **fields: Any) -> None:
        self.registry.update(self.path, **fields)

    def readings(self) -> dict[str, list[dict[str, Any]]]:
        """Every actor's last metric readings (vigil.metrics), by path."""
        return read_all(self.redis, self.context.name, self.registry.paths())

    def advertised(self, actor_id: str, field: str) -> str | None:
        return self.registry.advertised(actor_id, field)

    sockets = True
    """Live: a component may open sockets of its own (ZeroMQ market data)."""

    def fix_link(self, kind: str, sessions: list, work_dir: Path, *, log: bool = True,
                 logon_check: Callable[[str], str | None] | None = None) -> Any:
        """QuickFIX sessions over TCP (vigil.fix.link)."""
        from vigil.fix.link import QuickFixLink  # here: only the FIX components' processes need QuickFIX

        return QuickFixLink(kind, sessions, work_dir, log=log, logon_check=logon_check)

    # ---- message loop ------------------------------------------------
    def receiveMessage(self, msg: Any, sender: Any) -> Any:
        if isinstance(msg, Ping):  # liveness: answered first and untraced
            self.send(sender, Pong(msg.seq))
            return self._watch()
        try:
            if isinstance(msg, Envelope):
                self._traced(msg.message, msg.traceparent, sender, THESPIAN)
            else:
                self._handle(msg, sender)
            if isinstance(msg, WatchMessage) and self._own_wait is not None and self.lifecycle.active:
                self._own_wait.serve(self._own_fds, self._own_turn)
        except Exception as exc:  # a bug or a broken invariant: crash and be restarted
            self._crash(f"{type(exc).__name__}: {exc}")
        return self._watch()

    def _traced(self, msg: Any, traceparent: str | None, sender: Any, system: str) -> None:
        """Handle one message as the consumer of its sender's context (a one-message hop: its parent)."""
        with telemetry.span(type(msg).__name__, traceparent, kind=SpanKind.CONSUMER, **self._span_attrs[system]):
            self._handle(msg, sender)

    def _watch(self) -> Any:
        if not getattr(self, "lifecycle", None) or not self.lifecycle.active:
            return None
        fds = self._own_fds()
        return ThespianWatch(fds) if fds else None

    def _own_fds(self) -> list[int]:
        fds = self.watched_fds()
        return [*fds, *self.lane.fds] if self.lane is not None else fds

    def _own_turn(self, ready: list[int]) -> bool:
        """What a WatchMessage does, for fds found ready outside Thespian's loop (vigil.own_wait)."""
        if not self.lifecycle.active:
            return False
        self._on_watch(ready)
        return self.lifecycle.active

    def _drain_lane(self) -> None:
        if not self.lifecycle.active:
            return  # left queued; a stopping actor loses them as it would its mailbox
        self._outbox = []
        try:
            for delivery in self.lane.receive():
                self._traced(delivery.message, delivery.traceparent, delivery.sender, LANE)
        finally:
            outbox, self._outbox = self._outbox, None
        self.journal.commit()  # a failure here is a crash: nothing of the batch has left
        for address, msg, traceparent, on_refused in outbox:
            self._deliver(address, msg, traceparent, on_refused)

    def _on_watch(self, ready: list[int]) -> None:
        lane_fds = self.lane.fds if self.lane is not None else []
        mine = [fd for fd in ready if fd not in lane_fds]
        if len(mine) < len(ready):
            self._drain_lane()
        if mine:
            self.on_ready_fds(mine)

    def _handle(self, msg: Any, sender: Any) -> None:
        if isinstance(msg, InitActor):
            self._init(msg, sender)
        elif isinstance(msg, Shutdown):
            self.begin_shutdown(msg, sender)
        elif isinstance(msg, ActorExitRequest):
            self._stop_now()
        elif isinstance(msg, WakeupMessage):
            self.on_wakeup(msg.payload)
        elif isinstance(msg, WatchMessage):
            self._on_watch(msg.ready)
        elif isinstance(msg, ChildActorExited):
            self.on_child_exited(msg)
        elif isinstance(msg, InjectFault):
            self._inject(msg, sender)
        elif isinstance(msg, Refusal):  # never answer a refusal with one: two actors would loop forever
            log.warning("%s: %s", getattr(self, "path", "?"), msg)
        elif isinstance(msg, PoisonMessage):
            log.warning("%s: message could not be delivered: %r", getattr(self, "path", "?"), msg.poisonMessage)
        elif not getattr(self, "lifecycle", None) or not self.lifecycle.active:
            state = self.lifecycle.state.value if getattr(self, "lifecycle", None) else "not started"
            self.reply(sender, Refusal(f"{getattr(self, 'path', 'actor')} is {state}"))
        else:
            try:
                self.on_message(msg, sender)
            except Refused as refusal:
                self.reply(sender, Refusal(str(refusal)))

    # ---- lifecycle ---------------------------------------------------
    def _init(self, msg: InitActor, parent: Any) -> None:
        self.path, self.spec, self.context = msg.path, msg.spec, msg.context
        self.incarnation = msg.incarnation
        self.parent = parent
        self.lifecycle = Lifecycle()
        self.clock: Clock = LiveClock()
        set_pdeathsig()
        telemetry.configure(self.path, msg.context.run_dir)
        retry = REDIS_RETRY if self.rides_out_redis_restarts else {}
        self.redis = redis.Redis.from_url(msg.context.redis_url, **retry)
        self.registry = Registry(self.redis, msg.context.name)
        self.metrics = live_metrics(self.redis, msg.context.name, self.path)
        # pid first: if start-up hangs, the supervisor can still kill us
        self.registry.update(self.path, pid=os.getpid(), state=State.STARTING.value)
        self.registry.set_address(self.path, self.myAddress)
        self._paths: dict[str, str] = {}
        self._lane_peers: dict[str, LaneAddress] = {}
        self._own_wait = OwnWait.of(self)
        self._span_attrs = {system: {"vigil.actor": self.path, **telemetry.messaging_attributes(system, self.path)}
                            for system in (THESPIAN, LANE)}
        try:
            with telemetry.span("start", **{"vigil.actor": self.path, "vigil.incarnation": self.incarnation}):
                self.journal = Journal(StateStore(self.redis, msg.context.name, self.path), self._logic())
                if self.fast_lane:
                    self.lane = Lane(self.path)
                    self.registry.update(self.path, lane=self.lane.address.endpoint)
                self.on_start(self.spec.config)
                self.set_state(State.RECOVERING)
                self.journal.recover()
                self.set_state(State.RUNNING)
                self.on_running()
                self.metrics.provider.force_flush(timeout_millis=1000)  # readable at once, not EXPORT_S later
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            self.registry.update(self.path, state=State.FAILED.value, exit=f"failed to start: {reason}")
            self.send(parent, ActorStartFailed(self.path, reason))
            self.send(self.myAddress, ActorExitRequest())
            return
        self.report_ready()

    def _logic(self) -> Any:
        """What holds the state the journal persists and recovers: this actor itself."""
        return self

    def report_ready(self) -> None:
        self.send(self.parent, ActorReady(self.path, os.getpid()))

    def begin_shutdown(self, msg: Shutdown, sender: Any) -> None:
        """Workers stop at once; a supervisor first stops its children."""
        self.exit_normally(f"normal: {msg.reason}")

    def exit_normally(self, why: str) -> None:
        self.registry.update(self.path, exit=why)
        self._stop_now()
        self.send(self.myAddress, ActorExitRequest())

    def _stop_now(self) -> None:
        if not getattr(self, "lifecycle", None) or self.lifecycle.state in (State.STOPPED, State.FAILED):
            return
        if self.lifecycle.state is not State.STOPPING:
            self.set_state(State.STOPPING)
        try:
            self.on_stop()
        finally:
            self.set_state(State.STOPPED)
            telemetry.flush()
            self.metrics.shutdown()  # its last readings exported

    def _crash(self, reason: str) -> None:
        log.error("%s crashed: %s", getattr(self, "path", "?"), reason, exc_info=True)
        try:  # the traceback, for the developer; the registry keeps the one-line reason for the operator
            with open(os.path.join(self.context.run_dir, CRASH_LOG), "a") as out:
                out.write(f"--- {getattr(self, 'path', '?')} pid {os.getpid()} crashed: {reason}\n"
                          f"{traceback.format_exc()}\n")
        except Exception:  # noqa: BLE001 - crashing anyway
            pass
        try:
            self.registry.update(self.path, state=State.FAILED.value, exit=f"crashed: {reason}")
            telemetry.flush()
        finally:
            os._exit(CRASH_EXIT_CODE)

    def _inject(self, fault: InjectFault, sender: Any) -> None:
        if fault.kind == "crash":
            raise RuntimeError("injected crash")
        if fault.kind == "hang":
            time.sleep(fault.seconds)  # blocks the message loop on purpose: no heartbeat replies
        elif fault.kind == "exit":
            self.exit_normally("normal: asked to exit")
        else:
            self.reply(sender, Refusal(f"unknown fault kind {fault.kind!r} (crash, hang or exit)"))


class ComponentActor(VigilActor):
    """Runs one component (vigil.component) live: the component's hooks are this actor's, and this
    actor is the component's Runtime."""

    component: Component

    def _init(self, msg: InitActor, parent: Any) -> None:
        cls = import_start(msg.spec.start)
        self.fast_lane = cls.fast_lane
        self.component = cls(self)
        super()._init(msg, parent)

    def _logic(self) -> Any:
        return self.component

    def on_start(self, config: Any) -> None:
        self.component.on_start(config)

    def on_running(self) -> None:
        self.component.on_running()

    def on_message(self, msg: Any, sender: Any) -> None:
        self.component.on_message(msg, sender)

    def on_wakeup(self, payload: Any) -> None:
        self.component.on_wakeup(payload)

    def on_stop(self) -> None:
        self.component.on_stop()

    def watched_fds(self) -> list[int]:
        return self.component.watched_fds()

    def on_ready_fds(self, fds: list[int]) -> None:
        self.component.on_ready_fds(fds)
