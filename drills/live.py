"""The running topology as a drill sees it: its actors by path and role, and the questions probes ask
of them (the OMS's books, the feeds, the sessions, the pagers) and of the venue (its drop copy), all
through the actors' own messages, as an operator's CLI would."""
from __future__ import annotations

import json
import time
from typing import Any

import msgspec

from vigil.client import VigilClient
from vigil.errors import VigilError
from vocabulary import roles
from vocabulary.venue import VenueCommand

ASK_TIMEOUT_S = 5.0


class Live:
    def __init__(self, client: VigilClient) -> None:
        self.client = client
        self.started_at = time.time()
        """When the drill began (epoch s): what "since the drill began" probes count from."""
        self.baseline: dict[str, Any] = {}
        """Values probes noted when the drill began (restarts per actor, P&L), to report changes."""
        self.targeted: set[str] = set()
        """Actors the drill's actions worked on: their failures are the drill's, not a stop condition."""

    # ---- actors -------------------------------------------------------------------------------------
    def actors(self) -> list[dict[str, str]]:
        return self.client.actors()

    def actor(self, path: str) -> dict[str, str]:
        for record in self.actors():
            if record["path"] == path:
                return record
        known = ", ".join(r["path"] for r in self.actors())
        raise VigilError(f"no actor {path!r} in the running topology (actors: {known})")

    def paths(self, role: str) -> list[str]:
        return [a["path"] for a in self.actors() if a.get("role") == role]

    def one(self, role: str, name: str = "") -> str:
        """The actor of a role named `name` (its id or path; "": the first of the role)."""
        paths = self.paths(role)
        for path in paths:
            if not name or name in (path, path.rsplit("/", 1)[-1]):
                return path
        raise VigilError(f"no {role} actor {name!r} in the running topology" if name else
                         f"the running topology has no {role} actor")

    def advertised(self, path: str, field: str) -> str | None:
        """What an actor advertised in the registry under `field` (an endpoint), or None."""
        return self.client.registry.get(path).get(field)

    def ask(self, path: str, msg: Any, timeout: float = ASK_TIMEOUT_S) -> Any:
        return self.client.ask(path, msg, timeout=timeout)

    def oms(self) -> str:
        return self.one(roles.OMS)

    # ---- books and venue ----------------------------------------------------------------------------
    def orders(self) -> list[dict[str, Any]]:
        from vocabulary.oms import GetOrders

        return list(self.ask(self.oms(), GetOrders()).rows)

    def positions(self) -> list[dict[str, Any]]:
        from vocabulary.oms import GetPositions

        return list(self.ask(self.oms(), GetPositions()).rows)

    def sessions(self) -> list[dict[str, Any]]:
        from vocabulary.sessions import GetSessionStatus

        return [msgspec.structs.asdict(self.ask(path, GetSessionStatus(), timeout=3.0))
                for path in self.paths(roles.BROKER_SESSION)]

    def venue(self, command: str, **args: Any) -> str:
        """A command to the simulated venue (vocabulary.venue.VenueCommand); its answer's text."""
        return self.ask(self.one(roles.VENUE), VenueCommand(command, args or None)).detail

    def drop_copies(self) -> dict[str, dict[str, Any]]:
        """What the venue holds for each of Vigil's sessions (by CompID): working orders, fills, positions."""
        comp_ids = sorted({s["sender_comp_id"] for s in self.sessions()})
        return {comp_id: json.loads(self.venue("drop_copy", comp_id=comp_id)) for comp_id in comp_ids}

    def pages(self) -> list[dict[str, Any]]:
        """Every page of every pager, oldest first."""
        from vocabulary.paging import GetPages

        rows = [row for path in self.paths(roles.PAGER) for row in self.ask(path, GetPages(), timeout=3.0).pages]
        return sorted(rows, key=lambda r: r["created_at"])

    def pages_since_start(self) -> list[dict[str, Any]]:
        return [r for r in self.pages() if r["created_at"] >= self.started_at]

    def strategies(self) -> dict[str, dict[str, Any]]:
        from vocabulary.controls import GetStrategies

        return {r["name"]: r for r in self.ask(self.oms(), GetStrategies()).rows}
