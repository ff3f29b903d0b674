"""External signals: what research processes send the signal intake (actors/signals), its answers, and what
operators ask of it. The signal itself is JSON on the intake's ZeroMQ endpoint (README "External signals");
`SubmitSignal` carries the same text as a message, for a process that speaks Vigil's messages (and for the
in-process runner, which has no sockets)."""
from __future__ import annotations

from typing import Any

from vigil.wire import Message

STRATEGY_BOOK = "book"
"""What a strategy host advertises (vigil.component.Component.advertise): the book (account) of its orders.
Only strategy hosts advertise it; the signal intake takes a strategy's book from it."""
STRATEGY_SYMBOLS = "symbols"
"""What a strategy host advertises: the symbols it trades, comma-separated."""
SIGNAL_ENDPOINT = "signals"
"""What the signal intake advertises: the endpoint it is bound to."""
CLIENT_ID_PREFIX = "signal:"
"""A signal's order is named `signal:<id>` (SubmitOrder.client_id). Actor ids have no ':', so no strategy
host's own ids (`<host>-<n>`) can be the same."""


class SubmitSignal(Message, frozen=True):
    """A signal as a message: answered with a SignalAnswer, as the intake answers on its socket."""

    text: str
    """The signal's JSON text (the schema of README "External signals")."""


class SignalAnswer(Message, frozen=True):
    """What became of one signal: sent once the intake knows (at once for a refusal or a duplicate; for a
    good signal when the OMS has answered its order, or after the intake's answer_timeout_s)."""

    id: str | None
    """The signal's id, as sent; None when none could be read (malformed)."""
    status: str
    """refused (by the intake), accepted (the OMS took its order), denied (the OMS refused it), sent (logged
    and sent, the OMS had not answered in time) or pending (a target, its position not known in time)."""
    code: str | None = None
    """Why it was refused: one of actors.signals.validation.REASONS."""
    reason: str | None = None
    """Why it was refused or denied, in words."""
    client_id: str | None = None
    """Its order's SubmitOrder.client_id (signal:<id>)."""
    cl_ord_id: str | None = None
    """Its order's ClOrdID, once the OMS has taken it."""
    duplicate: bool = False
    """The id was seen before with the same signal: this is that signal's answer, and no second order."""

    def as_dict(self) -> dict[str, Any]:
        """What goes back on the socket (JSON): the fields that say something."""
        out: dict[str, Any] = {"id": self.id, "status": self.status}
        for name in ("code", "reason", "client_id", "cl_ord_id"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.duplicate:
            out["duplicate"] = True
        return out


class GetSignals(Message, frozen=True):
    """Answered with a SignalsStatus."""

    limit: int = 100
    """The newest this many signals (0: all the intake keeps)."""


class SignalsStatus(Message, frozen=True):
    intake: str
    """The intake's id."""
    endpoint: str
    """Where research processes send signals; "" when it has no socket (in one process)."""
    received: int
    """Signal messages taken, good, bad and repeated."""
    accepted: int
    """Signals that became an order (sent to the OMS)."""
    refused: dict[str, int]
    """reason code -> how many signals were refused for it."""
    duplicates: int
    """Signals sent again under an id already taken: answered as the first, no second order."""
    pending: int
    """Target signals waiting for their strategy's position."""
    oms: dict[str, int]
    """What the OMS answered the orders: accepted, denied, and unanswered (sent, no answer yet)."""
    recent: tuple[dict[str, Any], ...]
    """The newest signals, oldest first: at_ns, id, strategy, symbol, side, size, target, price, status, code,
    reason, client_id, cl_ord_id (what is known of each)."""
