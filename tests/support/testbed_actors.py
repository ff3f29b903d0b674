"""Actors that misbehave in ways the runtime must handle (imported by test topologies)."""
from vigil.component import Component
from vigil.config import Config


class FailsToStartConfig(Config):
    why: str = "venue unreachable"


class FailsToStart(Component):
    config_class = FailsToStartConfig

    def on_start(self, config: FailsToStartConfig):
        raise ConnectionError(config.why)
