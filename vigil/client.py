"""Talking to a running Vigil from outside: the CLI, tests, benchmarks.

Actor addresses are kept in the registry; the client joins the actor system
through its admin port and asks actors directly, wrapping each message in a
traced envelope like any actor would.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import redis
from thespian.actors import ActorSystem

from vigil import telemetry
from vigil.errors import VigilError
from vigil.messages import Envelope, Refusal
from vigil.registry import Registry
from vigil.rundir import running


class NotRunning(VigilError):
    pass


class VigilClient:
    def __init__(self, run_dir: str | Path) -> None:
        self.run_dir = Path(run_dir)
        info = running(self.run_dir)
        if info is None:
            raise NotRunning(f"Vigil is not running (no live run in {self.run_dir})")
        self.info = info
        self.redis = redis.Redis.from_url(info["redis_url"])
        self.registry = Registry(self.redis, info["name"])
        self._asys: ActorSystem | None = None

    def _system(self) -> ActorSystem:
        if self._asys is None:
            # transientUnique: join this run's admin without touching any other actor system
            self._asys = ActorSystem("multiprocTCPBase", {"Admin Port": self.info["admin_port"]},
                                     transientUnique=True)
        return self._asys

    def address(self, path: str) -> Any:
        address = self.registry.address(path)
        if address is None:
            known = ", ".join(r["path"] for r in self.registry.tree())
            raise VigilError(f"unknown actor {path!r} (actors: {known})")
        return address

    def ask(self, path: str, msg: Any, timeout: float = 5.0) -> Any:
        """Send `msg` to the actor at `path` and return its answer (VigilError when none)."""
        reply = self._system().ask(self.address(path), Envelope(msg, telemetry.current_traceparent()), timeout)
        if isinstance(reply, Envelope):
            reply = reply.message
        if reply is None:
            raise VigilError(f"{path} did not answer within {timeout:g} s")
        if isinstance(reply, Refusal):
            raise VigilError(f"{path} refused {type(msg).__name__}: {reply}")
        return reply

    def tell(self, path: str, msg: Any) -> None:
        self._system().tell(self.address(path), Envelope(msg, telemetry.current_traceparent()))

    def listen(self, timeout: float) -> Any:
        """The next message sent to this client (answers to `tell`), or None after `timeout`."""
        reply = self._system().listen(timeout)
        return reply.message if isinstance(reply, Envelope) else reply

    def actors(self) -> list[dict[str, str]]:
        return self.registry.tree()
