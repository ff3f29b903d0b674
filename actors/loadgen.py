"""An order load generator: a stand-in strategy that keeps N orders in flight through the OMS.

For benchmarks, soak tests and runaway-strategy drills. It is a plain Thespian
actor (created outside the topology, it has no state to recover) that sends
NewOrder(wait_ack=True) to the OMS, keeps `window` orders unacknowledged at
most, and reports per-order latency from send to the venue's acknowledgement
as seen by a strategy: OMS, broker session, FIX and back.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from thespian.actors import Actor

from actors.oms.commands import Acknowledged, NewOrder
from vigil.actor import Refused
from vigil.messages import Envelope


@dataclass(frozen=True)
class GenerateOrders:
    oms: Any
    """Address of the OMS."""
    template: NewOrder
    """The order to send (wait_ack is forced on)."""
    count: int
    window: int = 1
    """Orders in flight at most; 1 measures round trips one at a time."""


@dataclass(frozen=True)
class LoadReport:
    acknowledged: int
    refused: int
    duplicated: int
    elapsed_s: float
    latencies_us: tuple[float, ...]
    statuses: tuple[str, ...]
    """Distinct OrdStatus names of the acknowledgements (e.g. ("New",))."""


class LoadGenerator(Actor):
    def receiveMessage(self, msg: Any, sender: Any) -> None:
        if isinstance(msg, Envelope):
            msg = msg.message
        if isinstance(msg, GenerateOrders):
            self._start(msg, sender)
        elif isinstance(msg, Acknowledged):
            self._acked(msg)
        elif isinstance(msg, Refused):
            self.refused += 1
            self.in_flight -= 1
            self._pump()

    def _start(self, job: GenerateOrders, sender: Any) -> None:
        self.job, self.requester = job, sender
        self.order = replace(job.template, wait_ack=True)
        self.sent = self.in_flight = self.refused = self.duplicated = 0
        self.send_times: list[int] = []
        self.latencies: list[float] = []
        self.acked: dict[str, int] = {}
        self.statuses: set[str] = set()
        self.t0 = time.perf_counter()
        self._pump()

    def _pump(self) -> None:
        while self.sent < self.job.count and self.in_flight < self.job.window:
            self.send_times.append(time.perf_counter_ns())
            self.send(self.job.oms, Envelope(self.order))
            self.sent += 1
            self.in_flight += 1
        if self.in_flight == 0 and self.sent == self.job.count:
            self.send(self.requester, LoadReport(len(self.acked), self.refused, self.duplicated,
                                                 time.perf_counter() - self.t0, tuple(self.latencies),
                                                 tuple(sorted(self.statuses))))

    def _acked(self, ack: Acknowledged) -> None:
        if ack.cl_ord_id in self.acked:
            self.duplicated += 1
            return
        # acknowledgements of one-at-a-time orders come back in order; with a window, they are
        # matched to send times in arrival order, which the median and p99 tolerate
        self.latencies.append((time.perf_counter_ns() - self.send_times[len(self.acked)]) / 1000)
        self.acked[ack.cl_ord_id] = 1
        self.statuses.add(ack.status)
        self.in_flight -= 1
        self._pump()
