"""An actor's durable state, run by whichever runner hosts it: events logged before they are applied,
snapshots at the owner's cadence, and recovery from the store (GUIDE convention 7).

The owner is the actor's logic (a vigil.component.Component, or a Thespian actor of the runtime):
it has the hooks apply(event, seq), snapshot(), snapshot_due(n), snapshot_rows(), restore(data),
restore_rows(rows) and `snapshot_every`. The store is a vigil.state_store.StateStore (Redis) or a
MemoryStore (vigil/memory_store.py), which keep the same promises.
"""
from __future__ import annotations

from typing import Any


class Journal:
    def __init__(self, store: Any, owner: Any) -> None:
        self.store = store
        self.owner = owner
        self._snapshot_seq = 0

    def persist(self, event: Any, batched: bool = False) -> int:
        """Make `event` durable, then apply it; returns its sequence number. Batched: staged only, and
        durable at the batch's `commit`, before anything the batch sent leaves."""
        store, owner = self.store, self.owner
        seq = store.stage(event)
        if not batched:
            store.commit()
        owner.apply(event, seq)
        if owner.snapshot_every and owner.snapshot_due(seq - self._snapshot_seq):
            data = owner.snapshot()
            if data is not None:
                store.stage_snapshot(data, seq, owner.snapshot_rows())
                if not batched:
                    store.commit()
                self._snapshot_seq = seq
        return seq

    def commit(self) -> None:
        self.store.commit()

    def recover(self) -> None:
        """The owner's state from its snapshot and the events after it."""
        recovered = self.store.load()
        owner = self.owner
        if recovered.snapshot is not None:
            owner.restore(recovered.snapshot)
        if recovered.rows:
            owner.restore_rows(recovered.rows)
        for seq, event in recovered.events:
            owner.apply(event, seq)
        self._snapshot_seq = recovered.snapshot_seq
