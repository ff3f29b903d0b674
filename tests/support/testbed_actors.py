"""Actors that misbehave in ways the runtime must handle (imported by test topologies)."""
from vigil.actor import VigilActor


class FailsToStart(VigilActor):
    def on_start(self, config):
        raise ConnectionError(config.get("why", "venue unreachable"))
