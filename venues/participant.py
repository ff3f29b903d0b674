"""Another participant at the venue: a bare QuickFIX initiator, for tests, benchmarks and paper trading.

It is deliberately not Vigil: no actor, no OMS, no persistence. It sends orders
straight to a venue and hands back what the venue answers, which is what a
counterparty in a test or the raw-QuickFIX baseline of a benchmark needs.
"""
from __future__ import annotations

import queue
import tempfile
import threading
import time
from pathlib import Path

import quickfix as fix

from vigil.fix.settings import SessionConfig, write_settings


class _App(fix.Application):
    def __init__(self) -> None:
        super().__init__()
        self.inbox: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.logged_on = threading.Event()
        self.session = None

    def onCreate(self, sid):  # noqa: N802
        self.session = sid

    def onLogon(self, sid):  # noqa: N802
        self.logged_on.set()

    def onLogout(self, sid):  # noqa: N802
        self.logged_on.clear()

    def toAdmin(self, m, sid):  # noqa: N802
        pass

    def fromAdmin(self, m, sid):  # noqa: N802
        pass

    def toApp(self, m, sid):  # noqa: N802
        pass

    def fromApp(self, m, sid):  # noqa: N802
        try:
            self.inbox.put(m.toString())
        except Exception:  # noqa: BLE001 - never into QuickFIX
            pass


class RawFixClient:
    def __init__(self, port: int, sender: str, target: str = "VENUE", begin_string: str = "FIX.4.4") -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="vigil-participant-"))
        settings = write_settings("initiator", [SessionConfig(begin_string, sender, target, port=port)], self._dir)
        self.app = _App()
        self._store = fix.FileStoreFactory(settings)
        self._initiator = fix.SocketInitiator(self.app, self._store, settings)
        self._ids = 0

    def __enter__(self) -> "RawFixClient":
        self._initiator.start()
        if not self.app.logged_on.wait(15):
            self._initiator.stop()
            raise TimeoutError("the FIX participant did not log on within 15 s")
        return self

    def __exit__(self, *exc) -> None:
        self._initiator.stop()  # always, or the interpreter may crash at exit
        # Free it now: freed later, it would unregister a newer client's session of the same CompIDs
        # from QuickFIX's process-wide registry, and that client's stop() would then segfault.
        self._initiator = None

    def new_order(self, symbol: str, side: str, qty: int, price: str | None, tif: str = "0") -> str:
        self._ids += 1
        cl = f"T{time.time_ns()}-{self._ids}"
        m = fix.Message()
        m.getHeader().setField(35, "D")
        for tag, value in ((11, cl), (55, symbol), (54, side), (38, str(qty)), (40, "2" if price else "1"),
                           (59, tif)):
            m.setField(tag, value)
        if price:
            m.setField(44, price)
        m.setField(fix.TransactTime())
        fix.Session.sendToTarget(m, self.app.session)
        return cl

    def cancel(self, orig_cl_ord_id: str, symbol: str, side: str, qty: int) -> str:
        """An OrderCancelRequest of one of this client's orders."""
        self._ids += 1
        cl = f"T{time.time_ns()}-{self._ids}"
        m = fix.Message()
        m.getHeader().setField(35, "F")
        for tag, value in ((11, cl), (41, orig_cl_ord_id), (55, symbol), (54, side), (38, str(qty))):
            m.setField(tag, value)
        m.setField(fix.TransactTime())
        fix.Session.sendToTarget(m, self.app.session)
        return cl

    def next_message(self, timeout: float = 10.0) -> str:
        try:
            return self.app.inbox.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no FIX message from the venue within {timeout} s") from None


class LoopbackParticipant:
    """RawFixClient's twin in one process (vigil.inprocess): a counterparty on a loopback FIX session
    to an in-process venue. What the venue sends it waits in `inbox`, as FIX text."""

    def __init__(self, network, port: int, sender: str, target: str = "VENUE", begin_string: str = "FIX.4.4") -> None:
        config = SessionConfig(begin_string, sender, target, port=port)
        self.inbox: list[str] = []
        self._link = network.link("initiator", [config], self._take)
        self._session = f"{begin_string}:{sender}->{target}"
        self._ids = 0
        self._link.start()

    def _take(self) -> None:
        self.inbox += [event.raw for event in self._link.drain() if event.kind in ("app", "reject")]

    def new_order(self, symbol: str, side: str, qty: int, price: str | None, tif: str = "0") -> str:
        self._ids += 1
        cl = f"T{self._ids}"
        m = fix.Message()
        m.getHeader().setField(35, "D")
        for tag, value in ((11, cl), (55, symbol), (54, side), (38, str(qty)), (40, "2" if price else "1"),
                           (59, tif), (60, "20260101-00:00:00.000")):
            m.setField(tag, value)
        if price:
            m.setField(44, price)
        self._link.send(self._session, m)
        return cl

    def close(self) -> None:
        self._link.stop()
