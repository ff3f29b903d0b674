"""A topology's workers run in one process on a simulated clock (vigil.inprocess), driven like a live run.

`InProcessRun` answers the same calls the live tests make of a `harness.VigilRun` (`client.ask(path, msg)`,
a counterparty), so one scenario runs over real FIX and in one process alike. Each ask first moves the
simulated clock on by STEP_S, so a test that waits for something (harness.wait_for) waits in simulated
time: the venue's timers and the OMS's run as they would.
"""
from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from venues.participant import LoopbackParticipant
from vigil.clock import SimClock
from vigil.inprocess import InProcess
from vigil.topology import parse_topology
from vocabulary.market_data import MarketFrames

STEP_S = 0.02
START_NS = 1_800_000_000 * 1_000_000_000  # 2027-01-15 08:00 UTC


class _Client:
    def __init__(self, run: InProcessRun) -> None:
        self._run = run

    def ask(self, path: str, msg: Any, timeout: float = 5.0) -> Any:
        desk = self._run.desk
        desk.advance(STEP_S)
        return desk.ask(path.rsplit("/", 1)[-1], msg)


class InProcessRun:
    def __init__(self, root: Path, topology: str) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.topology = root / "topology.yaml"
        self.topology.write_text(textwrap.dedent(topology))
        self.desk = InProcess.from_topology(parse_topology(self.topology.read_text(), str(self.topology)),
                                            SimClock(START_NS))
        self.client = _Client(self)
        self._published: dict[tuple[str, str], int] = {}

    def start(self) -> InProcessRun:
        self.desk.start()
        return self

    def counterparty(self, port: int, comp_id: str) -> _Participant:
        return _Participant(LoopbackParticipant(self.desk.network, port, comp_id), self.desk)

    def market_data(self, to: str, venue: str = "venue") -> int:
        """Hand what the venue published since the last call to a component, as its feed would (without
        validating it): returns how many messages."""
        sent = self.desk.component(venue).core.publisher.sent
        start = self._published.get((venue, to), 0)
        self._published[(venue, to)] = len(sent)
        fresh = tuple(tuple(frames) for frames, _ in sent[start:])
        if fresh:
            self.desk.tell(to, MarketFrames(fresh))
            self.desk.run()
        return len(fresh)

    def received(self, session_id: str) -> list[str]:
        """What a broker session's FIX link received from the venue, as FIX text."""
        [link] = self.desk.links(session_id)
        return list(link.received)


class _Participant:
    """A counterparty used as RawFixClient is (a context manager with new_order)."""

    def __init__(self, participant: LoopbackParticipant, desk: InProcess) -> None:
        self._participant, self._desk = participant, desk

    def __enter__(self) -> _Participant:
        self._desk.run()  # its logon
        return self

    def __exit__(self, *exc: Any) -> None:
        self._participant.close()
        self._desk.run()

    def new_order(self, symbol: str, side: str, qty: int, price: str | None, tif: str = "0") -> str:
        cl = self._participant.new_order(symbol, side, qty, price, tif)
        self._desk.run()
        return cl
