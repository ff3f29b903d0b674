"""The metrics endpoint: one Prometheus scrape target for the whole tree, on loopback by default.

    - id: metrics
      start: actors.metrics.endpoint:MetricsEndpoint
      config: {host: 127.0.0.1, port: 19110}     # port 0: a free one (advertised as `url`)

Every actor process writes its OpenTelemetry readings to Redis (vigil.metrics); a scrape serves all of them,
each labelled with its actor, and adds what the tree's registry knows of each actor (vigil.registry): whether
it is up, its restarts, and how often each supervisor gave up (followed in the tree's history).
"""
from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from vigil.component import Component
from vigil.config import Config, NonEmpty
from vigil.prometheus import MetricsServer, render
from vocabulary import roles
from vocabulary.metrics import ACTOR_RESTARTS, ACTOR_UP, ESCALATIONS


class MetricsEndpointConfig(Config):
    host: NonEmpty = "127.0.0.1"
    port: int = 19110
    """0: a free port."""


class MetricsEndpoint(Component):
    config_class = MetricsEndpointConfig
    role = roles.METRICS

    def on_start(self, config: MetricsEndpointConfig) -> None:
        self.escalations: Counter[str] = Counter()
        self._read_to: str | None = None
        self._lock = threading.Lock()  # scrapes may overlap
        self.server = MetricsServer(self._scrape, config.host, config.port).start()
        self.advertise(url=self.server.url)

    def on_stop(self) -> None:
        self.server.stop()

    def _scrape(self) -> str:
        """Runs on the server's thread: reads Redis only, touches no state of the actor's but its own."""
        tree = self.runtime.registry.tree()
        readings = [(path, reading) for path, points in self.runtime.readings().items() for reading in points]
        for record in tree:
            readings.append((record["path"], _reading(ACTOR_UP, {"state": record.get("state", "")},
                                                      int(record.get("state") == "running"))))
            readings.append((record["path"], _reading(ACTOR_RESTARTS, {}, int(record.get("restarts") or 0))))
        with self._lock:
            for entry_id, entry in self.history(self._read_to, 10_000):
                self._read_to = entry_id
                if entry.get("what") == "gave_up":
                    self.escalations[entry["path"]] += 1
        for record in tree:
            if record.get("kind") == "supervisor":
                readings.append((record["path"], _reading(ESCALATIONS, {}, self.escalations[record["path"]])))
        return render(readings)


def _reading(kind: Any, labels: dict[str, str], value: float) -> dict[str, Any]:
    return {"name": kind.name, "kind": kind.kind, "labels": labels, "value": value}
