"""An actor's logic as a component: plain Python that any runner can drive (GUIDE convention 13).

A component is what a topology's worker `start` names. It gets everything from its runner,
`self.runtime`: the clock, the state store (through `persist`), the peers it sends to, timers,
the tree's history. Two runners exist:

    vigil.actor.ComponentActor   live: one Thespian actor (one OS process) per component, Redis,
                                 ZeroMQ lanes, QuickFIX sockets
    vigil.inprocess.InProcess    every component in one process on a SimClock, an in-memory or Redis
                                 store, direct delivery in order: no sockets, no threads

A subclass names its config class and fills in hooks:

    on_start(config)      build domain objects from the config; no side effects yet
    restore(snapshot)     load state from a snapshot
    apply(event, seq)     apply one logged event (on replay and after `persist`)
    snapshot()            state to snapshot, or None for "never snapshot"
    snapshot_rows()       rows changed since the last snapshot, for state too big to write whole
    restore_rows(rows)    load those rows back (before the events after the snapshot are replayed)
    on_running()          recovery completed: side effects may begin
    on_message(msg, sender), on_wakeup(payload), on_stop()
    watched_fds(), on_ready_fds(fds)   sockets and pipes to be woken for (live)

and uses the services below: `persist(event)` before acknowledging anything, `tell`/`reply` to
send, `address_of(id)` for a peer, `wakeup_after(delay, payload)` for a timer, `event(what, ...)`
for the tree's history (alerts included), `set_state` for running/degraded. A handler turns a
message down by raising `Refused`; its sender is answered with a `Refusal`.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from vigil.alerts import alert_detail, kind_of
from vigil.clock import Clock
from vigil.config import Config, NoConfig
from vigil.errors import VigilError
from vigil.lifecycle import State


class Refused(VigilError):
    """Raised by a handler to turn a message down without crashing; the sender is answered with it."""


class Runtime(Protocol):
    """What a runner gives the component it runs."""

    path: str
    """Position in the tree, e.g. "root/trading/oms"."""
    id: str
    clock: Clock
    incarnation: int
    """How many times this component was started before (0 on its first start)."""
    topology_dir: Path
    """Where a relative file named in the config is: beside the topology file."""
    run_dir: Path
    state: State

    metrics: Any
    """vigil.metrics.Metrics: this component's instruments."""

    def persist(self, event: Any) -> int: ...
    def tell(self, address: Any, msg: Any, on_refused: Callable[[Refused], None] | None = None) -> None: ...
    def address_of(self, actor_id: str) -> Any: ...
    def wakeup_after(self, delay: timedelta, payload: Any) -> None: ...
    def set_state(self, state: State) -> None: ...
    def event(self, what: str, **detail: Any) -> None: ...
    def history(self, after: str | None, limit: int) -> list[tuple[str, dict[str, str]]]: ...
    def advertise(self, **fields: Any) -> None: ...
    def readings(self) -> dict[str, list[dict[str, Any]]]: ...
    def advertised(self, actor_id: str, field: str) -> str | None:
        """What another actor advertised (its market-data endpoint, say), or None."""

    sockets: bool
    """Whether a component may open sockets of its own (live: yes; in one process: no)."""
    redis: Any
    """Live only: the run's Redis, for what a component keeps there besides its state (a feed's quarantine)."""
    namespace: str
    """Of the run's keys in Redis."""

    def fix_link(self, kind: str, sessions: list, work_dir: Path, *, log: bool = True,
                 logon_check: Callable[[str], str | None] | None = None) -> Any:
        """FIX sessions (vigil.fix.link): QuickFIX over TCP live, a loopback in one process."""


@dataclass(frozen=True)
class TreeGone:
    """The whole tree is gone and why, for the components' last words (Component.last_words)."""

    system: str
    reason: str
    topology_dir: Path
    run_dir: Path
    advertised: Callable[[str, str], str | None]
    """What an actor (by id) had advertised (a field), while Redis still answers; else None."""


class Hooks:
    """What a runner calls; the defaults do nothing. The runtime's own actors (vigil.actor.VigilActor, the
    supervisor) have the same hooks."""

    snapshot_every = 100
    """Events between two snapshots."""

    def on_start(self, config: Config) -> None:
        pass

    def restore(self, snapshot: Any) -> None:
        pass

    def apply(self, event: Any, seq: int) -> None:
        pass

    def snapshot(self) -> Any:
        return None

    def snapshot_due(self, events_since: int) -> bool:
        """Whether to snapshot now, `events_since` events after the last one."""
        return events_since >= self.snapshot_every

    def snapshot_rows(self) -> dict[str, Any]:
        """Rows changed since the last snapshot (key -> state, None when gone), stored with it."""
        return {}

    def restore_rows(self, rows: Mapping[str, Any]) -> None:
        pass

    def on_running(self) -> None:
        pass

    def on_message(self, msg: Any, sender: Any) -> None:
        raise Refused(f"{self.path} does not handle {type(msg).__name__}")

    def on_wakeup(self, payload: Any) -> None:
        pass

    def on_stop(self) -> None:
        pass

    def watched_fds(self) -> list[int]:
        """File descriptors whose readiness should wake this component (sockets, pipes)."""
        return []

    def on_ready_fds(self, fds: list[int]) -> None:
        pass

    @classmethod
    def last_words(cls, config: Config, gone: TreeGone) -> str | None:
        """Run when the whole tree is gone (its root supervisor gave up, the daemon vanished), by the daemon
        or `vigil watchdog` in their own process, never in the actor's: what this kind of actor must still
        do (the pager: page). Returns what it did, for their log. Nothing by default."""
        return None


class Component(Hooks):
    config_class: type[Config] = NoConfig
    """What `config:` in the topology may say (vigil.config); on_start gets one of these."""
    role: str = ""
    """What this component is (vocabulary.roles): how the CLI finds it, whatever the class is named."""
    fast_lane = False
    """Live: take messages on a ZeroMQ lane too (vigil.lane), for components on the order path."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    # ---- who and where -----------------------------------------------
    @property
    def path(self) -> str:
        return self.runtime.path

    @property
    def id(self) -> str:
        return self.runtime.id

    @property
    def clock(self) -> Clock:
        return self.runtime.clock

    @property
    def incarnation(self) -> int:
        return self.runtime.incarnation

    @property
    def topology_dir(self) -> Path:
        return self.runtime.topology_dir

    @property
    def run_dir(self) -> Path:
        return self.runtime.run_dir

    @property
    def state(self) -> State:
        return self.runtime.state

    # ---- services ----------------------------------------------------
    def persist(self, event: Any) -> int:
        """Make `event` durable, then apply it; returns its sequence number."""
        return self.runtime.persist(event)

    def tell(self, address: Any, msg: Any, on_refused: Callable[[Refused], None] | None = None) -> None:
        """Send to a peer's address (from `address_of`, or a message's sender). A peer that cannot be
        reached is reported to `on_refused`, or logged."""
        self.runtime.tell(address, msg, on_refused)

    def reply(self, sender: Any, msg: Any) -> None:
        """Answer whoever asked; one who is gone is nobody left to tell."""
        self.runtime.tell(sender, msg, None)

    def address_of(self, actor_id: str) -> Any:
        """The current address of the actor with this id; Refused if there is none."""
        return self.runtime.address_of(actor_id)

    def wakeup_after(self, delay: timedelta, payload: Any) -> None:
        """on_wakeup(payload) once `delay` has passed on the runner's clock."""
        self.runtime.wakeup_after(delay, payload)

    def set_state(self, state: State) -> None:
        self.runtime.set_state(state)

    def event(self, what: str, **detail: Any) -> None:
        """Into the tree's history: what `vigil status`, alerts and drill reports read."""
        self.runtime.event(what, **detail)

    def history(self, after: str | None = None, limit: int = 100) -> list[tuple[str, dict[str, str]]]:
        """The tree's history after the entry `after` (None: from the start), oldest first, at most `limit`:
        (entry id, {"path", "what", details as text; lists and dicts as JSON})."""
        return self.runtime.history(after, limit)

    def alert(self, problem: str, **detail: Any) -> None:
        """Raise an alert of the catalogue (vigil.alerts; Vigil's are in vocabulary.alerts): an `alert` event
        with its severity, summary and runbook, for the pager, the drills and the console. ValueError for a
        problem the catalogue does not name."""
        self.runtime.event("alert", **alert_detail(problem, **detail))

    def clear_alert(self, problem: str, **subject: Any) -> None:
        """Say that the condition of an alert this or another component raised is over (`subject`: the
        strategy, feed, session... it was about, as it was raised): the pager resolves its page."""
        kind_of(problem)
        self.runtime.event("alert_cleared", problem=problem, **subject)

    def advertise(self, **fields: Any) -> None:
        """Make something about this component findable by others (an endpoint, in the registry)."""
        self.runtime.advertise(**fields)

    # ---- metrics: those declared in vocabulary.metrics, by MetricKind or name (vigil.metrics) ---------------
    def count(self, metric: Any, n: float = 1, **labels: Any) -> None:
        self.runtime.metrics.count(metric, n, **labels)

    def total(self, metric: Any, total: float, **labels: Any) -> None:
        """A counter from a running total this component keeps (what it grew by since the last call)."""
        self.runtime.metrics.total(metric, total, **labels)

    def gauge(self, metric: Any, value: float, **labels: Any) -> None:
        self.runtime.metrics.gauge(metric, value, **labels)

    def observe(self, metric: Any, value: float, **labels: Any) -> None:
        """One observation of a histogram (a latency, in seconds)."""
        self.runtime.metrics.observe(metric, value, **labels)
