"""The pager: every `alert` of the tree's history becomes a PagerDuty page (Events API v2), delivered from
this actor's own process and never lost.

    - id: pager
      start: actors.pager.pager:Pager
      config:
        sink: pager-sink              # page the local endpoint (actors.pager.sink); else base_url
        base_url: https://events.pagerduty.com
        routing_key_env: VIGIL_PAGERDUTY_ROUTING_KEY    # or routing_key_file: a path outside the repo
        rate_per_min: 100             # the service takes about 120 a minute per routing key

It reads the history (vigil.registry's NS:events) from where it last got to, and logs each page it makes
before sending it: a page waits in its outbox (Redis, through its journal) until the service took it,
across restarts of the pager and whatever the service answers. A page's dedup_key is the alert's problem
and source (`strategy_halted:root/market/strategies/mean-rev:mean-rev`): PagerDuty keeps one incident
per key. Its summary, severity and runbook are the alert's (vocabulary.alerts); the alert's details go
as custom_details; the runbook goes as a link.
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from actors.pager.delivery import Delivery
from actors.pager.outbox import Outbox, Page
from vigil.component import Component, Refused
from vigil.config import Config, NonEmpty, Positive, PositiveInt
from vigil.errors import VigilError
from vocabulary import roles
from vocabulary.paging import GetPages, Pages

QUEUED, DELIVERED, FAILED, READ = "page_queued", "page_delivered", "page_failed", "history_read"
LOCAL_SINK_KEY = "vigil-local-pager-sink"
"""The routing key for a local sink, which takes any: a real one is never needed to page a laptop."""
DEDUP_KEY_LIMIT = 255
_SUBJECTS = ("strategy", "feed", "session", "symbol", "book")


class PagerConfig(Config):
    sink: str | None = None
    """The id of a pager sink actor to page (its URL and certificate from the registry); else base_url."""
    base_url: NonEmpty = "https://events.pagerduty.com"
    routing_key_env: NonEmpty = "VIGIL_PAGERDUTY_ROUTING_KEY"
    routing_key_file: str | None = None
    """A file holding the routing key (keep it outside the repo), read when the variable is not set."""
    ca_file: str | None = None
    """The certificate to trust for base_url, if not the system's."""
    rate_per_min: PositiveInt = 100
    poll_s: Positive = 0.5
    runbooks_url: str | None = None
    """Where runbook links point (default: file:// the topology's runbooks/)."""


class Pager(Component):
    config_class = PagerConfig
    role = roles.PAGER
    snapshot_every = 200

    def on_start(self, config: PagerConfig) -> None:
        self.config = config
        self.outbox = Outbox(config.rate_per_min)
        self.read_to: str | None = None
        self.delivery: Delivery | None = None
        self.in_flight: tuple[str, str] | None = None
        self.target = ""

    # ---- state ------------------------------------------------------------------------------------------
    def apply(self, event: Any, seq: int) -> None:
        kind = event["event"]
        if kind == QUEUED:
            self.outbox.add(Page(**event["page"]))
        elif kind == DELIVERED:
            self.outbox.delivered_now(event["key"], event["action"], event["at"])
        elif kind == FAILED:
            self.outbox.failed(event["key"], event["action"], event["error"], event["at"])
        elif kind == READ:
            self.read_to = event["to"]

    def snapshot(self) -> Any:
        return {"outbox": self.outbox.to_dict(), "read_to": self.read_to}

    def restore(self, snapshot: Any) -> None:
        self.outbox.restore(snapshot["outbox"])
        self.read_to = snapshot["read_to"]

    # ---- running ----------------------------------------------------------------------------------------
    def on_running(self) -> None:
        url, ca_file = self._where()
        self.target = url
        self.delivery = Delivery(url, self._routing_key(), ca_file)
        self._tick()

    def on_stop(self) -> None:
        if self.delivery is not None:
            self.delivery.close()
            self.delivery = None

    def on_wakeup(self, payload: Any) -> None:
        if payload == "tick":
            self._tick()

    def watched_fds(self) -> list[int]:
        return [self.delivery.pipe.fd] if self.delivery is not None else []

    def on_ready_fds(self, fds: list[int]) -> None:
        now = self._now()
        for key, action, error in self.delivery.outcomes():
            if error is None:
                self.persist({"event": DELIVERED, "key": key, "action": action, "at": now})
            else:
                self.persist({"event": FAILED, "key": key, "action": action, "error": error, "at": now})
            self.in_flight = None
        self._send_next()

    def on_message(self, msg: Any, sender: Any) -> None:
        if isinstance(msg, GetPages):
            self.reply(sender, Pages(self.target, tuple(self.outbox.rows())))
        else:
            super().on_message(msg, sender)

    def _tick(self) -> None:
        self._read()
        self._send_next()
        self.wakeup_after(timedelta(seconds=self.config.poll_s), "tick")

    def _read(self) -> None:
        entries = self.history(self.read_to, 200)
        for _, entry in entries:
            if entry.get("what") == "alert" and entry.get("problem"):
                self.persist({"event": QUEUED, "page": vars(self._page_of(entry))})
        if entries:
            self.persist({"event": READ, "to": entries[-1][0]})

    def _send_next(self) -> None:
        if self.in_flight is not None or self.delivery is None:
            return
        now = self._now()
        page = self.outbox.due(now)
        if page is None:
            return
        self.outbox.sending(now)
        self.in_flight = (page.dedup_key, page.action)
        name = Path(page.runbook).name
        links = [{"href": self._runbooks_url() + name, "text": f"runbook: {name}"}] if name else []
        self.delivery.send(page, links)

    # ---- pages ------------------------------------------------------------------------------------------
    def _page_of(self, entry: dict[str, str]) -> Page:
        subject = next((entry[k] for k in _SUBJECTS if entry.get(k)), "")
        key = ":".join(part for part in (entry["problem"], entry["path"], subject) if part)[:DEDUP_KEY_LIMIT]
        details = {k: v for k, v in entry.items() if k not in ("summary", "severity", "runbook", "what")}
        return Page(key, "trigger", entry.get("summary") or entry["problem"], entry.get("severity") or "error",
                    entry["path"], entry.get("runbook", ""), details, self._now())

    def _now(self) -> float:
        return self.clock.now_ns() / 1e9

    def _where(self) -> tuple[str, str | None]:
        if self.config.sink is None:
            return self.config.base_url, self.config.ca_file
        url, cert = (self.runtime.advertised(self.config.sink, field) for field in ("url", "cert"))
        if not url:
            raise Refused(f"pager sink {self.config.sink!r} has not advertised its URL: is it started before me?")
        return url, cert

    def _routing_key(self) -> str:
        key = os.environ.get(self.config.routing_key_env, "").strip()
        if not key and self.config.routing_key_file:
            path = Path(self.config.routing_key_file).expanduser()
            if not path.is_absolute():
                path = self.topology_dir / path
            try:
                key = path.read_text().strip()
            except OSError as err:
                raise VigilError(f"routing_key_file {path}: {err.strerror}") from None
        if not key and self.config.sink is not None:
            key = LOCAL_SINK_KEY
        if not key:
            raise VigilError(f"no PagerDuty routing key: set ${self.config.routing_key_env} or routing_key_file")
        return key

    def _runbooks_url(self) -> str:
        return self.config.runbooks_url or (self.topology_dir / "runbooks").resolve().as_uri() + "/"
