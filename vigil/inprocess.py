"""The in-process runner: components of a topology in one process, on a simulated clock (GUIDE 13).

The same component classes that run live (one Thespian actor each) run here side by side, driven step
by step and deterministically: a message is delivered when the one before it has been handled, in the
order it was sent; a timer fires when the clock is moved past it; FIX sessions between a broker session
and the venue are a loopback that hands each message to the other end as QuickFIX would, with no
socket and no thread. Each delivery crosses as it would between processes (encoded and decoded:
vigil.wire), each event is logged through JSON (vigil.memory_store, or a real Redis StateStore), so
what runs here is what runs live. Replays and backtests are built on it.

    desk = InProcess(SimClock(start_ns))
    desk.add("venue", SimulatedVenue, {...})          # a config mapping, as in topology.yaml
    desk.add("oms", OrderManager, {...}); desk.add("fix-a", BrokerSession, {...})
    desk.start()                                      # in order: on_start, recovery, on_running
    desk.advance(1.0)                                 # logons, reconciliation: timers due within 1 s
    accepted = desk.ask("oms", SubmitOrder(...))      # delivered, and everything it causes, then the answer
    desk.kill("fix-a"); desk.restart("fix-a")         # a crash, and recovery from the store

Nothing here reads the wall clock: the clock moves only in `advance`.
"""
from __future__ import annotations

import heapq
import itertools
import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from vigil.clock import SimClock
from vigil.component import Component, Refused
from vigil.config import Config, build_config
from vigil.errors import VigilError
from vigil.fix.loopback import LoopbackNetwork
from vigil.journal import Journal
from vigil.lifecycle import Lifecycle, State
from vigil.memory_store import MemoryStore
from vigil.messages import Refusal
from vigil.metrics import Metrics, memory_metrics, readings
from vigil.registry import as_stored
from vigil.topology import Topology, import_start
from vigil.wire import Codec, Message

log = logging.getLogger("vigil.inprocess")
MAX_DELIVERIES = 1_000_000
"""Per `run`: more means components that never stop answering each other."""


@dataclass(frozen=True)
class Address:
    """Where a message goes in one process: a component's id, or the driving test's "client"."""

    id: str


CLIENT = Address("client")


class _Runtime:
    """What the runner gives one component (vigil.component.Runtime)."""

    sockets = False

    def __init__(self, runner: InProcess, id: str, path: str, incarnation: int) -> None:
        self.runner, self.id, self.path, self.incarnation = runner, id, path, incarnation
        self.clock = runner.clock
        self.topology_dir, self.run_dir = runner.topology_dir, runner.run_dir
        self.lifecycle = Lifecycle()
        self.journal: Journal | None = None
        self.links: list[Any] = []
        self._metrics: Metrics | None = None
        self.metric_reader: Any = None

    def readings(self) -> dict[str, list[dict[str, Any]]]:
        return {runtime.path: self.runner.readings(id) for id, runtime in self.runner._running.items()}

    @property
    def metrics(self) -> Metrics:
        """Read in memory (`InProcess.readings`), made on first use: most tests never look."""
        if self._metrics is None:
            self._metrics, self.metric_reader = memory_metrics(self.path)
        return self._metrics

    @property
    def state(self) -> State:
        return self.lifecycle.state

    def persist(self, event: Any) -> int:
        return self.journal.persist(event)

    def tell(self, address: Any, msg: Any, on_refused: Callable[[Refused], None] | None = None) -> None:
        self.runner._post(address, msg, Address(self.id), on_refused)

    def address_of(self, actor_id: str) -> Address:
        if actor_id not in self.runner._specs:
            raise Refused(f"no actor {actor_id!r} in the topology")
        if actor_id not in self.runner._running:
            raise Refused(f"{self.runner._specs[actor_id].path} has not started")
        return Address(actor_id)

    def wakeup_after(self, delay: timedelta, payload: Any) -> None:
        self.runner._timer(delay.total_seconds(), self, lambda: self.component.on_wakeup(payload))

    def set_state(self, state: State) -> None:
        if state is not self.lifecycle.state:
            self.lifecycle.to(state)
            self.runner.events.append((self.path, state.value, {}))

    def event(self, what: str, **detail: Any) -> None:
        self.runner.events.append((self.path, what, detail))

    def history(self, after: str | None, limit: int) -> list[tuple[str, dict[str, str]]]:
        start = int(after) + 1 if after else 0
        return [(str(i), {"path": path, "what": what, **{k: str(as_stored(v)) for k, v in detail.items()}})
                for i, (path, what, detail) in enumerate(self.runner.events[start:start + limit], start)]

    def advertise(self, **fields: Any) -> None:
        self.runner.advertised.setdefault(self.id, {}).update(fields)

    def advertised(self, actor_id: str, field: str) -> str | None:
        return self.runner.advertised.get(actor_id, {}).get(field)

    def fix_link(self, kind: str, sessions: list, work_dir: Path, *, log: bool = True,
                 logon_check: Callable[[str], str | None] | None = None) -> Any:
        link = self.runner.network.link(kind, sessions, lambda: self.runner._ready(self), logon_check)
        self.links.append(link)
        return link


@dataclass
class _Spec:
    cls: type[Component]
    config: Config
    path: str
    incarnation: int = 0


class InProcess:
    def __init__(self, clock: SimClock | None = None, *, topology_dir: str | Path = ".", run_dir: str | Path = ".",
                 store: Callable[[str], Any] = MemoryStore) -> None:
        """store(path) makes a component's state store (kept across its restarts): in memory by default, or a
        vigil.state_store.StateStore on a real Redis."""
        self.clock = clock or SimClock()
        self.topology_dir, self.run_dir = Path(topology_dir), Path(run_dir)
        self._make_store = store
        self._stores: dict[str, Any] = {}
        self._specs: dict[str, _Spec] = {}
        self._running: dict[str, _Runtime] = {}
        self._queue: deque[Callable[[], None]] = deque()
        self._ready_waiting: set[int] = set()
        self._timers: list[tuple[int, int, _Runtime | None, Callable[[], None]]] = []
        self._order = itertools.count()
        self._codec = Codec(Message)
        self.network = LoopbackNetwork(self.clock, self._timer_s)
        self.events: list[tuple[str, str, dict]] = []
        """(path, what, detail) of everything the components put in the tree's history: states, alerts..."""
        self.advertised: dict[str, dict[str, Any]] = {}
        self.inbox: list[Any] = []
        """What the components sent the driving test (CLIENT)."""

    # ---- the topology ---------------------------------------------------------
    @classmethod
    def from_topology(cls, topology: Topology, clock: SimClock | None = None, **options: Any) -> InProcess:
        """Every worker of a topology (loaded with its configs checked), in start order. Supervisors are
        not run: here a crash is the test's to make (kill) and to recover from (restart)."""
        runner = cls(clock, topology_dir=Path(topology.source).parent, run_dir=topology.system.run_dir, **options)
        for child in topology.walk():
            if child.type == "worker":
                runner.add(child.id, import_start(child.start), child.config, path=child.path)
        return runner

    def add(self, id: str, cls: type[Component], config: Mapping[str, Any] | Config | None = None, *,
            path: str | None = None) -> None:
        """A component, not started yet; a config mapping is checked as `vigil check` checks it."""
        if not isinstance(config, Config):
            config = build_config(cls.config_class, config, path or f"root/{id}")
        self._specs[id] = _Spec(cls, config, path or f"root/{id}")

    def start(self, *ids: str) -> None:
        """Start components in order (all added, if none named), each recovered from its store first."""
        for id in ids or tuple(self._specs):
            self._start(id)
            self.run()

    def component(self, id: str) -> Component:
        return self._running[id].component

    def readings(self, id: str) -> list[dict[str, Any]]:
        """A running component's metrics as the endpoint would serve them (vigil.metrics.readings)."""
        runtime = self._running[id]
        return readings(runtime.metric_reader.get_metrics_data()) if runtime.metric_reader else []

    def links(self, id: str) -> list[Any]:
        """The FIX links a running component was given (vigil.fix.loopback.LoopbackLink)."""
        return list(self._running[id].links)

    def _start(self, id: str) -> None:
        spec = self._specs[id]
        if id in self._running:
            raise VigilError(f"{spec.path} is running already")
        runtime = _Runtime(self, id, spec.path, spec.incarnation)
        spec.incarnation += 1
        runtime.component = component = spec.cls(runtime)
        store = self._stores.get(spec.path) or self._stores.setdefault(spec.path, self._make_store(spec.path))
        runtime.journal = Journal(store, component)
        self._running[id] = runtime
        component.on_start(spec.config)
        runtime.set_state(State.RECOVERING)
        runtime.journal.recover()
        runtime.set_state(State.RUNNING)
        component.on_running()

    def stop(self, id: str) -> None:
        """An orderly stop: on_stop runs (links logged out)."""
        runtime = self._running.pop(id)
        runtime.set_state(State.STOPPING)
        runtime.component.on_stop()
        runtime.set_state(State.STOPPED)

    def kill(self, id: str) -> None:
        """A crash: the component is gone with what it held in memory; its FIX sessions drop; what it had
        logged stays in its store."""
        runtime = self._running.pop(id)
        for link in runtime.links:
            link.stop()
        self.events.append((runtime.path, "exited", {"reason": "killed"}))

    def restart(self, id: str) -> None:
        if id in self._running:
            self.kill(id)
        self._start(id)
        self.run()

    # ---- driving ------------------------------------------------------------------
    def tell(self, id: str, msg: Any) -> None:
        self._post(Address(id), msg, CLIENT, None)

    def ask(self, id: str, msg: Any) -> Any:
        """Send from the test, run until nothing is left to do, and return the answer; VigilError for a
        refusal, as the live client raises."""
        self.inbox.clear()
        self.tell(id, msg)
        self.run()
        if not self.inbox:
            raise VigilError(f"{self._specs[id].path} did not answer {type(msg).__name__}")
        answer = self.inbox[-1]
        if isinstance(answer, Refusal):
            raise VigilError(f"{self._specs[id].path} refused {type(msg).__name__}: {answer}")
        return answer

    def run(self) -> int:
        """Deliver what is waiting, and what that causes, until nothing is; returns how many deliveries."""
        done = 0
        while self._queue:
            self._queue.popleft()()
            done += 1
            if done > MAX_DELIVERIES:
                raise VigilError(f"still busy after {MAX_DELIVERIES} deliveries: components answering each other?")
        return done

    def advance(self, seconds: float) -> None:
        """Move the clock on by `seconds`, firing every timer due on the way, in time order, each followed by
        everything it causes."""
        target = self.clock.now_ns() + round(seconds * 1e9)
        self.run()
        while self._timers and self._timers[0][0] <= target:
            due, _, runtime, fire = heapq.heappop(self._timers)
            self.clock.set(max(due, self.clock.now_ns()))
            if runtime is None or self._running.get(runtime.id) is runtime:  # not for an incarnation gone
                fire()
            self.run()
        self.clock.set(target)

    def alerts(self, problem: str | None = None) -> list[dict]:
        return [detail for _, what, detail in self.events if what == "alert"
                and problem in (None, detail.get("problem"))]

    # ---- delivery -------------------------------------------------------------------
    def _post(self, to: Any, msg: Any, sender: Address, on_refused: Callable[[Refused], None] | None) -> None:
        if not isinstance(msg, Message):
            raise TypeError(f"{type(msg).__name__} is not a vigil.wire.Message: it could not cross a process")
        wire = self._codec.encode(msg)
        self._queue.append(lambda: self._deliver(to, self._codec.decode(wire), sender, on_refused))

    def _deliver(self, to: Address, msg: Any, sender: Address, on_refused: Callable[[Refused], None] | None) -> None:
        if to == CLIENT:
            self.inbox.append(msg)
            return
        runtime = self._running.get(to.id)
        if runtime is None or not runtime.lifecycle.active:
            why = Refused(f"{to.id} cannot be reached")
            if on_refused is not None:
                on_refused(why)
            else:
                log.info("%s not delivered: %s", type(msg).__name__, why)
            return
        if isinstance(msg, Refusal):  # never answer a refusal with one
            log.info("%s: %s", runtime.path, msg)
            return
        try:
            runtime.component.on_message(msg, sender)
        except Refused as refusal:
            self._post(sender, Refusal(str(refusal)), to, None)

    def _ready(self, runtime: _Runtime) -> None:
        """A link of the component has events: it is called (on_ready_fds) once for all that wait."""
        if id(runtime) in self._ready_waiting:
            return
        self._ready_waiting.add(id(runtime))

        def call() -> None:
            self._ready_waiting.discard(id(runtime))
            if self._running.get(runtime.id) is runtime and runtime.lifecycle.active:
                runtime.component.on_ready_fds([])
        self._queue.append(call)

    def _timer(self, seconds: float, runtime: _Runtime | None, fire: Callable[[], None]) -> None:
        due = self.clock.now_ns() + max(0, round(seconds * 1e9))
        heapq.heappush(self._timers, (due, next(self._order), runtime, fire))

    def _timer_s(self, seconds: float, fire: Callable[[], None]) -> None:
        self._timer(seconds, None, fire)

