"""The signal intake's settings: where it listens, where orders go, and the limits a signal is judged by.

    - id: signals
      start: actors.signals.intake:SignalIntake
      config:
        endpoint: tcp://127.0.0.1:19220   # research processes connect here (ZeroMQ DEALER or REQ)
        max_size: 1000000                 # no signal's order is bigger than this
        max_position: 10000000            # no target position beyond this, long or short
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

from msgspec import Meta

from vigil.config import Config, ConfigProblem, NonEmpty, Positive, PositiveInt
from vigil.reference import Instrument, ReferenceDataError, SymbolsSetting, instruments


class SignalIntakeConfig(Config):
    endpoint: Annotated[str, Meta(pattern=r"^(tcp|ipc)://\S+$")] = "tcp://127.0.0.1:19220"
    """Where the intake's ZeroMQ ROUTER socket binds (tcp://HOST:PORT, tcp://HOST:* for a free port, or
    ipc://PATH); the bound endpoint is advertised in the registry as `signals` and shown by `vigil signals`.
    Keep it on loopback or a private network: whoever can connect can send orders of any strategy."""
    oms: NonEmpty = "oms"
    """The id of the OMS that signals' orders go to."""
    symbols: SymbolsSetting = None
    """The symbol master a signal's symbol, lot and tick are checked against (vigil/reference.py); none:
    the repo's (reference/symbols.yaml)."""
    max_size: Positive = 1_000_000.0
    """The largest order a signal may make (a side's size, or what a target takes); more is refused as
    `bad_size`: a research process's bug, not a trade."""
    max_position: Positive = 10_000_000.0
    """The largest target position, long or short; more is refused as `bad_target`."""
    max_bytes: Annotated[int, Meta(ge=64, le=1_048_576)] = 4096
    """The largest signal, in bytes of JSON; a longer one is refused as `malformed`."""
    answer_timeout_s: Positive = 2.0
    """A research process is answered when the OMS has answered the signal's order, or after this long
    with status `sent` (or `pending`, for a target whose position has not come): the outcome is then in
    `vigil signals`."""
    resend_after_s: Positive = 2.0
    """An order the OMS has not answered (or a position it has not told) within this is sent (asked)
    again: the OMS takes an order it has seen, by its client_id, as that order, so nothing doubles."""
    recent: PositiveInt = 200
    """How many of the newest signals (good, bad and repeated) the intake keeps for `vigil signals`."""
    remember: Annotated[int, Meta(ge=10)] = 1000
    """How many accepted signals the intake keeps by id, to answer one sent again as it answered the
    first. Beyond that the OMS still makes no second order (it knows every order by its client_id)."""

    def instruments(self, base: Path | None) -> dict[str, Instrument]:
        return instruments(self.symbols, "symbols", base=base)

    def check_references(self, base: Path) -> list[ConfigProblem]:
        try:
            self.instruments(base)
        except ReferenceDataError as err:
            return [ConfigProblem(("symbols",), str(err))]
        return []
