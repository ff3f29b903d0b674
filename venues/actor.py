"""The simulated venue as a supervised actor: Vigil starts it when the topology declares one."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from venues.config import VenueConfig
from venues.engine import VenueError
from venues.venue import VenueCore
from vigil.actor import Refused, VigilActor
from vigil.messages import Done
from vocabulary import roles
from vocabulary.venue import VenueCommand

TICK = timedelta(milliseconds=20)


class SimulatedVenue(VigilActor):
    role = roles.VENUE
    config_class = VenueConfig

    def on_start(self, config: VenueConfig) -> None:
        self.venue_config = config
        self.actions = config.load_actions(self.topology_dir)
        self.core: VenueCore | None = None

    def on_running(self) -> None:
        self.core = VenueCore(self.venue_config, self.clock, Path(self.context.run_dir) / "venue" / self.spec.id,
                              self.actions)
        self.core.start()
        self.wakeupAfter(TICK, "tick")

    def watched_fds(self) -> list[int]:
        return [self.core.wake_fd] if self.core else []

    def on_ready_fds(self, fds: list[int]) -> None:
        self.core.pump()

    def on_wakeup(self, payload: Any) -> None:
        if payload == "tick" and self.core is not None:
            self.core.tick()
            self.wakeupAfter(TICK, "tick")

    def on_message(self, msg: Any, sender: Any) -> None:
        if not isinstance(msg, VenueCommand):
            super().on_message(msg, sender)
            return
        try:
            self.reply(sender, Done(self.core.command(msg)))
        except (VenueError, KeyError, ValueError) as err:
            raise Refused(f"venue command {msg.kind}: {err}") from None

    def on_stop(self) -> None:
        if self.core is not None:
            self.core.stop()  # QuickFIX must stop before the interpreter exits
            self.core = None
