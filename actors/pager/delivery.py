"""Sending pages on a thread of the pager's own, one at a time, with the `pagerduty` client: an HTTP call
can take seconds (a slow service, a timeout), and the pager's loop must go on answering its heartbeats.
What each send came to comes back through a wake-up pipe the pager watches.

The client retries a 429 without limit and sleeps while it does; here it retries once, briefly, and any
other failure not at all: the outbox tries again later, with its own back-off (actors/pager/outbox.py).
"""
from __future__ import annotations

import queue
import ssl
import threading
from typing import Any

import pagerduty

from actors.pager.outbox import Page
from vigil.wakeup import WakeupPipe

TIMEOUT_S = 10.0


def events_client(base_url: str, routing_key: str, ca_file: str | None = None) -> pagerduty.EventsApiV2Client:
    """The Events API v2 client, its retries bounded: one brief retry of a 429, none of anything else."""
    trust = {"verify": ssl.create_default_context(cafile=ca_file)} if ca_file else {}
    client = pagerduty.EventsApiV2Client(routing_key, base_url=base_url, **trust)
    client.retry = {429: 1}
    client.sleep_timer, client.max_network_attempts, client.timeout = 0.2, 0, TIMEOUT_S
    return client


def send_page(client: pagerduty.EventsApiV2Client, page: Page, links: list[dict[str, str]]) -> Any:
    if page.action == "resolve":
        return client.resolve(page.dedup_key)
    return client.send_event(
        "trigger", dedup_key=page.dedup_key, client="Vigil", links=links,
        payload={"summary": page.summary, "source": page.source, "severity": page.severity,
                 "custom_details": page.details})


class Delivery:
    def __init__(self, base_url: str, routing_key: str, ca_file: str | None = None) -> None:
        self._client = events_client(base_url, routing_key, ca_file)
        self.pipe = WakeupPipe()
        self._todo: queue.SimpleQueue[tuple[Page, list[dict[str, str]]] | None] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[tuple[str, str, str | None]] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="pager-delivery", daemon=True)
        self._thread.start()

    def send(self, page: Page, links: list[dict[str, str]]) -> None:
        self._todo.put((page, links))

    def outcomes(self) -> list[tuple[str, str, str | None]]:
        """(dedup_key, action, error or None) of each send finished since the last call."""
        self.pipe.clear()
        done = []
        while True:
            try:
                done.append(self._done.get_nowait())
            except queue.Empty:
                return done

    def close(self) -> None:
        """Stop after the send in progress; a send still hanging is left to die with the process (its page
        is still in the outbox: it goes again after the restart)."""
        self._todo.put(None)
        self._thread.join(1.0)
        if not self._thread.is_alive():
            self._client.close()
            self.pipe.close()

    def _run(self) -> None:
        while (job := self._todo.get()) is not None:
            page, links = job
            try:
                send_page(self._client, page, links)
                outcome = None
            except Exception as exc:  # noqa: BLE001 - every failure is the outbox's to try again
                outcome = f"{type(exc).__name__}: {exc}"[:500]
            self._done.put((page.dedup_key, page.action, outcome))
            self.pipe.ring()
