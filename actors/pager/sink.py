"""A pager sink as an actor of the topology (vigil.pager_sink in a thread of its own process): the default
topology pages it, so `./run.sh` pages somewhere real on a laptop. It advertises its URL and certificate
for the pager, and keeps what it receives under RUN_DIR/pager-sink (`vigil pager-sink --list`)."""
from __future__ import annotations

from vigil.component import Component
from vigil.config import Config
from vigil.pager_sink import PagerSink
from vocabulary import roles

SINK_DIR = "pager-sink"


class PagerSinkConfig(Config):
    port: int = 0
    """0: a free port."""


class PagerSinkServer(Component):
    config_class = PagerSinkConfig
    role = roles.PAGER_SINK

    def on_start(self, config: PagerSinkConfig) -> None:
        self.sink = PagerSink(self.run_dir / SINK_DIR, port=config.port).start()
        self.advertise(url=self.sink.url, cert=str(self.sink.cert))

    def on_stop(self) -> None:
        self.sink.stop()
