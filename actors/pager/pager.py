"""The pager: alerts of the tree's history, held to the topology's rules, become PagerDuty pages (Events API
v2), triggered when an alert fires and resolved when it clears, delivered from this actor's own process and
never lost.

    - id: pager
      start: actors.pager.pager:Pager
      config:
        sink: pager-sink              # page the local endpoint (actors.pager.sink); else base_url
        base_url: https://events.pagerduty.com
        routing_key_env: VIGIL_PAGERDUTY_ROUTING_KEY    # or routing_key_file: a path outside the repo
        rate_per_min: 100             # the service takes about 120 a minute per routing key
        rules:                        # actors/pager/rules.py; an alert without one pages as declared
          - {alert: fix_session_down, for_s: 10}
          - {alert: restart_storm, restarts: 3, within_s: 60}

It reads the history (vigil.registry's NS:events) from where it last got to and the tree's metrics (for the
alerts they make: actors/pager/metric_rules.py), and logs what of it can change an alert, and when time
alone changed one (a `for_s` run out), so that its alerts and pages are rebuilt from its log after a
restart. A page waits in its outbox (Redis, through its journal) until the service
took it, across restarts of the pager and whatever the service answers. A page's dedup_key is the alert's
problem and source (`strategy_halted:mean-rev`): PagerDuty keeps one incident per key, and the resolve
carries the same key. Its summary, severity and runbook are the alert's (vocabulary.alerts, the rule's
severity if it sets one); the alert's details go as custom_details, with the tree's context (the actors not
running, those restarted lately); the runbook goes as a link.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from actors.pager.delivery import Delivery, events_client, send_page
from actors.pager.metric_rules import MetricWatch
from actors.pager.outbox import Outbox, Page
from actors.pager.rules import FIRING, PENDING, Alert, AlertBook, AlertRule
from vigil.alerts import alert_detail
from vigil.component import Component, Refused, TreeGone
from vigil.config import Config, NonEmpty, Positive, PositiveInt
from vigil.errors import VigilError
from vocabulary import roles
from vocabulary.alerts import VIGIL_DOWN
from vocabulary.metrics import PAGE_FAILURES, PAGES
from vocabulary.paging import Alerts, GetAlerts, GetPages, Pages

OBSERVED, TICK, CARRIED = "observed", "tick", "carried_over"
DELIVERED, FAILED, READ = "page_delivered", "page_failed", "history_read"
CARRIED_FILE = "pages-next-run.jsonl"
"""What the pager's last words leave the next run's pager to send: the resolve, and a trigger not sent."""
LAST_TRIES = 3
METRICS_EVERY_S = 2.0
"""How often the metrics are read for the alerts they make (actors/pager/metric_rules.py): as often as
actors write them (vigil.metrics.EXPORT_S)."""
LOCAL_SINK_KEY = "vigil-local-pager-sink"
"""The routing key for a local sink, which takes any: a real one is never needed to page a laptop."""
DEDUP_KEY_LIMIT = 255


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
    rules: tuple[AlertRule, ...] = ()

    def __post_init__(self) -> None:
        named = [rule.alert for rule in self.rules]
        twice = sorted({name for name in named if named.count(name) > 1})
        if twice:
            raise ValueError(f"rules: {', '.join(twice)} has more than one rule")


class Pager(Component):
    config_class = PagerConfig
    role = roles.PAGER
    snapshot_every = 200

    def on_start(self, config: PagerConfig) -> None:
        self.config = config
        self.outbox = Outbox(config.rate_per_min)
        self.book = AlertBook(config.rules)
        self.watch = MetricWatch(self.book.rule)
        self._watched_at = 0.0
        self.read_to: str | None = None
        self.delivery: Delivery | None = None
        self.in_flight: tuple[str, str] | None = None
        self.target = ""

    # ---- state ------------------------------------------------------------------------------------------
    def apply(self, event: Any, seq: int) -> None:
        kind = event["event"]
        if kind == CARRIED:
            self.outbox.add(Page(**event["page"]))
        elif kind == OBSERVED:
            self._page(self.book.observe(event["entry"], event["at"]), event["at"])
        elif kind == TICK:
            self._page(self.book.tick(event["at"]), event["at"])
        elif kind == DELIVERED:
            self.outbox.delivered_now(event["key"], event["action"], event["at"])
        elif kind == FAILED:
            self.outbox.failed(event["key"], event["action"], event["error"], event["at"])
        elif kind == READ:
            self.read_to = event["to"]

    def snapshot(self) -> Any:
        return {"outbox": self.outbox.to_dict(), "alerts": self.book.to_dict(), "read_to": self.read_to}

    def restore(self, snapshot: Any) -> None:
        self.outbox.restore(snapshot["outbox"])
        self.book.restore(snapshot["alerts"])
        self.read_to = snapshot["read_to"]

    # ---- running ----------------------------------------------------------------------------------------
    def on_running(self) -> None:
        for alert in self.book.active.values():
            self.watch.adopt(alert.rule, alert.source, alert.path)
        url, ca_file, key = _target(self.config, self.topology_dir, self.runtime.advertised)
        self.target = url
        self.delivery = Delivery(url, key, ca_file)
        self._carry_over()
        self._tick()

    @classmethod
    def last_words(cls, config: PagerConfig, gone: TreeGone) -> str:
        """Page that Vigil is down, at once and from the caller's process (the pager is gone with the tree). The
        next run's pager resolves it; a trigger that cannot go now waits for that pager to send it first."""
        detail = {"system": gone.system, "reason": gone.reason}
        alert = alert_detail(VIGIL_DOWN, **detail)
        page = Page(f"{VIGIL_DOWN}:{gone.system}", "trigger", alert["summary"], alert["severity"], "vigil",
                    alert["runbook"], detail, time.time())
        back = Page(page.dedup_key, "resolve", f"Vigil {gone.system} is running again", "info", "vigil",
                    page.runbook, {}, page.created_at)
        error = None
        try:
            url, ca_file, key = _target(config, gone.topology_dir, gone.advertised)
            client = events_client(url, key, ca_file)
            for attempt in range(LAST_TRIES):
                try:
                    send_page(client, page, _links(config, gone.topology_dir, page.runbook))
                    break
                except Exception as exc:  # noqa: BLE001 - try again, then keep it for the next run
                    error = f"{type(exc).__name__}: {exc}"[:500]
                    time.sleep(0.5 * (attempt + 1))
            else:
                url = ""
        except (VigilError, OSError) as exc:
            url, error = "", str(exc)
        later = [back] if url else [replace(page, attempts=LAST_TRIES, last_error=error), back]
        with open(gone.run_dir / CARRIED_FILE, "a") as out:
            out.write("".join(json.dumps(asdict(p)) + "\n" for p in later))
        if url:
            return f"paged {url}: {page.summary}"
        return f"could not page ({error}); the page waits in {gone.run_dir / CARRIED_FILE} for the next run"

    def _carry_over(self) -> None:
        """Pages the last run left (last_words: its `vigil_down` page if it could not go, the resolve of it) go
        first, through the outbox like any other."""
        path = self.run_dir / CARRIED_FILE
        try:
            lines = path.read_text().splitlines()
        except OSError:
            return
        for line in lines:
            try:
                page = json.loads(line)
            except ValueError:
                continue  # half a line: the process writing it died
            if page["action"] == "resolve":
                page["created_at"] = self._now()
            self.persist({"event": CARRIED, "page": page})
        path.unlink()

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
                self.count(PAGES, action=action)
            else:
                self.persist({"event": FAILED, "key": key, "action": action, "error": error, "at": now})
                self.count(PAGE_FAILURES, action=action)
            self.in_flight = None
        self._send_next()

    def on_message(self, msg: Any, sender: Any) -> None:
        if isinstance(msg, GetPages):
            self.reply(sender, Pages(self.target, tuple(self.outbox.rows())))
        elif isinstance(msg, GetAlerts):
            self.reply(sender, Alerts(tuple(self.book.rows())))
        else:
            super().on_message(msg, sender)

    def _tick(self) -> None:
        self._read()
        self._send_next()
        self.wakeup_after(timedelta(seconds=self.config.poll_s), "tick")

    def _read(self) -> None:
        entries = self.history(self.read_to, 200)
        for _, entry in entries:
            if self.book.relevant(entry):
                if entry.get("what") == "alert":  # what was busy as it was raised, logged with it
                    entry = {**entry, "busy": self.watch.busy(self._now())}
                self.persist({"event": OBSERVED, "entry": entry, "at": self._now()})
        if entries:
            self.persist({"event": READ, "to": entries[-1][0]})
        now = self._now()
        if now - self._watched_at >= METRICS_EVERY_S:
            self._watched_at = now
            for entry in self.watch.feed(self.runtime.readings(), now):
                self.persist({"event": OBSERVED, "entry": entry, "at": now})
        due = self.book.next_change()
        if due is not None and due <= now:
            self.persist({"event": TICK, "at": now})

    def _send_next(self) -> None:
        if self.in_flight is not None or self.delivery is None:
            return
        now = self._now()
        page = self.outbox.due(now)
        if page is None:
            return
        self.outbox.sending(now)
        self.in_flight = (page.dedup_key, page.action)
        self.delivery.send(page, _links(self.config, self.topology_dir, page.runbook))

    # ---- pages ------------------------------------------------------------------------------------------
    def _page(self, changed: list[Alert], at: float) -> None:
        """Queue the page each alert's change makes: a trigger when it fires, a resolve when it clears."""
        for alert in changed:
            if alert.state == PENDING or not self.book.rule(alert.rule).page:
                continue
            action = "trigger" if alert.state == FIRING else "resolve"
            details = {**alert.details, "context": self.book.context()}
            self.outbox.add(Page(alert.key[:DEDUP_KEY_LIMIT], action, alert.summary, alert.severity, alert.path,
                                 alert.runbook, details, at))

    def _now(self) -> float:
        return self.clock.now_ns() / 1e9



def _target(config: PagerConfig, topology_dir: Path,
            advertised: Callable[[str, str], str | None]) -> tuple[str, str | None, str]:
    """Where to page: (base URL, certificate to trust or None, routing key)."""
    if config.sink is None:
        url, ca_file = config.base_url, config.ca_file
    else:
        url, ca_file = (advertised(config.sink, field) for field in ("url", "cert"))
        if not url:
            raise Refused(f"pager sink {config.sink!r} has not advertised its URL: is it started before me?")
    return url, ca_file, _routing_key(config, topology_dir)


def _routing_key(config: PagerConfig, topology_dir: Path) -> str:
    key = os.environ.get(config.routing_key_env, "").strip()
    if not key and config.routing_key_file:
        path = Path(config.routing_key_file).expanduser()
        if not path.is_absolute():
            path = topology_dir / path
        try:
            key = path.read_text().strip()
        except OSError as err:
            raise VigilError(f"routing_key_file {path}: {err.strerror}") from None
    if not key and config.sink is not None:
        key = LOCAL_SINK_KEY
    if not key:
        raise VigilError(f"no PagerDuty routing key: set ${config.routing_key_env} or routing_key_file")
    return key


def _links(config: PagerConfig, topology_dir: Path, runbook: str) -> list[dict[str, str]]:
    name = Path(runbook).name
    if not name:
        return []
    base = config.runbooks_url or (topology_dir / "runbooks").resolve().as_uri() + "/"
    return [{"href": base + name, "text": f"runbook: {name}"}]
