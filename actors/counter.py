"""A counter whose every increment is durable before it is acknowledged.

The placeholder worker of the default topology until feeds, strategies,
risk and broker sessions replace it; also what the runtime's tests and the
restart benchmark use to prove that state survives a crash.
"""
from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta

from vigil.component import Component, Refused
from vigil.config import Config
from vocabulary import roles
from vocabulary.counter import Count, GetCount, Increment


class CounterConfig(Config):
    snapshot_every: Annotated[int, Meta(ge=0)] = 100
    """Events between two snapshots; 0: never snapshot."""


class Counter(Component):
    role = roles.COUNTER
    config_class = CounterConfig

    def on_start(self, config: CounterConfig) -> None:
        self.value = 0
        self.seq = 0
        self.snapshot_every = config.snapshot_every

    def restore(self, snapshot: Any) -> None:
        self.value, self.seq = snapshot["value"], snapshot["seq"]

    def apply(self, event: Any, seq: int) -> None:
        if seq <= self.seq:  # replayed twice: already counted
            return
        self.value += event["by"]
        self.seq = seq

    def snapshot(self) -> Any:
        return {"value": self.value, "seq": self.seq}

    def on_message(self, msg: Any, sender: Any) -> None:
        if isinstance(msg, Increment):
            if not isinstance(msg.by, int) or isinstance(msg.by, bool) or msg.by <= 0:
                raise Refused(f"Increment.by must be a positive whole number, got {msg.by!r}")
            self.persist({"by": msg.by})
        elif not isinstance(msg, GetCount):
            super().on_message(msg, sender)
        self.reply(sender, Count(self.value, self.seq, self.incarnation))
