"""What the gateway answers: a Decision (allowed, or denied with a reason code and the numbers behind it),
with the events the OMS must persist and the alerts it must raise; and the reason codes.

A denial reads `max_order_qty: 250000 > 200000 for mean-rev EURUSD`: the code, the figure, the limit,
whose limit (a strategy's name, `book NAME`, `firm`, `sector NAME`, `region NAME`) and the symbol.
"""
from __future__ import annotations

from typing import Any

from vigil.errors import VigilError

# ---- reason codes -------------------------------------------------------------------------
UNKNOWN_SYMBOL = "unknown_symbol"
RESTRICTED = "restricted"
HALTED = "halted"
REDUCING = "reducing"
MESSAGE_RATE = "message_rate"
MAX_ORDER_QTY = "max_order_qty"
MAX_ORDER_NOTIONAL = "max_order_notional"
PRICE_COLLAR = "price_collar"
NO_PRICE = "no_price"
STALE_PRICE = "stale_price"
MAX_POSITION = "max_position"
MAX_OPEN_ORDERS = "max_open_orders"
MAX_GROSS = "max_gross"
MAX_NET = "max_net"
CONCENTRATION = "concentration"
DAILY_LOSS = "daily_loss"
VAR = "var"
NO_VAR = "no_var"
STALE_VAR = "stale_var"
DUPLICATE = "duplicate_order"
REASONS = (UNKNOWN_SYMBOL, RESTRICTED, HALTED, REDUCING, MESSAGE_RATE, MAX_ORDER_QTY, MAX_ORDER_NOTIONAL,
           PRICE_COLLAR, NO_PRICE, STALE_PRICE, MAX_POSITION, MAX_OPEN_ORDERS, MAX_GROSS, MAX_NET, CONCENTRATION,
           DAILY_LOSS, VAR, NO_VAR, STALE_VAR, DUPLICATE)


class RiskRejected(VigilError):
    """An order or replace the gateway denied. `reason` is the code, str() the whole message."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(reason, message)

    def __str__(self) -> str:
        return self.args[1]


class Actions:
    """Events to persist (already applied to the gateway: persisting applies them again, which changes
    nothing) and alerts to raise (`alert(**alert)`), in order."""

    __slots__ = ("events", "alerts")

    def __init__(self, events: tuple[dict[str, Any], ...] = (), alerts: tuple[dict[str, Any], ...] = ()) -> None:
        self.events, self.alerts = events, alerts

    def __repr__(self) -> str:
        return f"{type(self).__name__}(events={list(self.events)}, alerts={list(self.alerts)})"


class Decision(Actions):
    """Truthy when the order may go. Whatever the answer, persist `events` and raise `alerts`."""

    __slots__ = ("allowed", "reason", "message")

    def __init__(self, allowed: bool, reason: str | None = None, message: str | None = None,
                 events: tuple[dict[str, Any], ...] = (), alerts: tuple[dict[str, Any], ...] = ()) -> None:
        super().__init__(events, alerts)
        self.allowed, self.reason, self.message = allowed, reason, message

    def __bool__(self) -> bool:
        return self.allowed

    def raise_if_denied(self) -> None:
        if not self.allowed:
            raise RiskRejected(self.reason or "denied", self.message or "denied by the risk gateway")

    def __repr__(self) -> str:
        what = "allowed" if self.allowed else f"denied {self.message!r}"
        extra = f", events={list(self.events)}" if self.events else ""
        return f"Decision({what}{extra})"


ALLOWED = Decision(True)
NO_ACTIONS = Actions()


def num(value: float) -> str:
    """A figure as an operator reads it: 250000, 1.10012, 0.25."""
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    if abs(value) >= 100:
        text = f"{value:.2f}"
        return text[:-3] if text.endswith(".00") else text
    return f"{value:.6g}"
