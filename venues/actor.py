"""The simulated venue as a component: Vigil starts it when the topology declares one, live (a QuickFIX
acceptor, market data on ZeroMQ) or in one process (a loopback FIX link, market data kept in memory)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from venues.config import VenueConfig
from venues.engine import VenueError
from venues.marketdata import RecordingPublisher
from venues.venue import VenueCore
from vigil.component import Component, Refused
from vigil.messages import Done
from vocabulary import roles
from vocabulary.venue import VenueCommand

TICK = timedelta(milliseconds=20)


class SimulatedVenue(Component):
    role = roles.VENUE
    config_class = VenueConfig

    def on_start(self, config: VenueConfig) -> None:
        self.venue_config = config
        self.actions = config.load_actions(self.topology_dir)
        self.core: VenueCore | None = None

    def on_running(self) -> None:
        self.core = VenueCore(self.venue_config, self.clock, self.run_dir / "venue" / self.id, self.actions,
                              fix_link=self.runtime.fix_link,
                              publisher=None if self.runtime.sockets else RecordingPublisher(self.venue_config))
        self.core.start()
        self.wakeup_after(TICK, "tick")

    def watched_fds(self) -> list[int]:
        return self.core.link.fds if self.core else []

    def on_ready_fds(self, fds: list[int]) -> None:
        self.core.pump()

    def on_wakeup(self, payload: Any) -> None:
        if payload == "tick" and self.core is not None:
            self.core.tick()
            self.wakeup_after(TICK, "tick")

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
