"""Corporate actions: splits and cash dividends, and what each does to prices and quantities.

Loaded from reference/corporate_actions.yaml (or a file a topology names). Plain
data and arithmetic, no clock: the OMS applies an action to positions and open
orders once its clock passes `effective_ns`; a feed rescales its price-band
reference when the first message stamped at or after `effective_ns` arrives.

A split "N:M" gives N new shares for every M old ones: quantities x N/M,
prices x M/N. A cash dividend of `amount` per share lowers prices by `amount`
on the ex-date; a position earns (or, short, owes) qty x amount.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from vigil.reference import ReferenceDataError, read_yaml

DEFAULT_ACTIONS = Path(__file__).resolve().parent.parent / "reference" / "corporate_actions.yaml"
KINDS = ("split", "dividend")
_RATIO = re.compile(r"^\s*(\d+)\s*:\s*(\d+)\s*$")
_FIELDS = {"split": {"id", "symbol", "type", "effective", "ratio"},
           "dividend": {"id", "symbol", "type", "effective", "amount"}}


@dataclass(frozen=True)
class CorporateAction:
    id: str
    """Unique across the file: what the OMS records as applied, so an action is applied once."""
    symbol: str
    kind: str
    """"split" or "dividend"."""
    effective_ns: int
    """UTC nanoseconds from which prices and quantities are the new ones (the ex-date's open)."""
    ratio: Fraction = Fraction(1)
    """Splits: new shares per old share (2 for "2:1", 1/10 for a "1:10" reverse split)."""
    amount: Decimal = Decimal(0)
    """Dividends: cash per share, in the instrument's currency."""

    def price_factor_and_offset(self) -> tuple[float, float]:
        """new price = old price * factor - offset, for float prices on the tick path."""
        if self.kind == "split":
            return float(1 / self.ratio), 0.0
        return 1.0, float(self.amount)

    def price(self, old: Decimal) -> Decimal:
        """The exact new price of an old one (round it to the tick yourself)."""
        if self.kind == "split":
            return old * Decimal(self.ratio.denominator) / Decimal(self.ratio.numerator)
        return old - self.amount

    def qty(self, old: Decimal) -> Decimal:
        """The exact new quantity of an old one (a dividend leaves quantities alone)."""
        if self.kind == "split":
            return old * Decimal(self.ratio.numerator) / Decimal(self.ratio.denominator)
        return old

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: logged with the event that applies it, so a replay needs no file."""
        terms = {"ratio": f"{self.ratio.numerator}:{self.ratio.denominator}"} if self.kind == "split" \
            else {"amount": str(self.amount)}
        return {"id": self.id, "symbol": self.symbol, "type": self.kind, "effective_ns": self.effective_ns, **terms}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CorporateAction:
        if d["type"] == "split":
            new, old = d["ratio"].split(":")
            return cls(d["id"], d["symbol"], "split", d["effective_ns"], ratio=Fraction(int(new), int(old)))
        return cls(d["id"], d["symbol"], "dividend", d["effective_ns"], amount=Decimal(d["amount"]))

    def describe(self) -> str:
        what = f"{self.ratio.numerator}:{self.ratio.denominator} split" if self.kind == "split" \
            else f"cash dividend {self.amount}"
        return f"{self.id} ({self.symbol} {what})"


def adjusted_order(action: CorporateAction, side_is_buy: bool, qty: Decimal, price: Decimal | None,
                   tick: Decimal, lot: Decimal) -> tuple[Decimal, Decimal | None]:
    """An open order's new (qty, limit price) after `action`.

    Rounding never makes an order more aggressive or bigger than the exact
    figure: quantities round down to the lot, buy prices down and sell prices up
    to the tick. A dividend lowers buy limits only (sells stay: the stock is
    cheaper, a seller's price was not a promise to sell cheaper); quantities stay.
    """
    new_qty = (action.qty(qty) / lot).to_integral_value(ROUND_FLOOR) * lot
    if price is None or (action.kind == "dividend" and not side_is_buy):
        return new_qty, price
    steps = action.price(price) / tick
    new_price = steps.to_integral_value(ROUND_FLOOR if side_is_buy else ROUND_CEILING) * tick
    return new_qty, new_price


def _effective_ns(where: str, value: Any) -> int:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ReferenceDataError(f"{where}: effective {value!r} is not an ISO time "
                                     f"(e.g. 2026-12-01T14:30:00Z)") from None
    if isinstance(value, date) and not isinstance(value, datetime):  # a bare ex-date: from its first moment
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        raise ReferenceDataError(f"{where}: effective must be a time like 2026-12-01T14:30:00Z, got {value!r}")
    if value.tzinfo is None:  # times without an offset are UTC
        value = value.replace(tzinfo=timezone.utc)
    return int(value.timestamp()) * 1_000_000_000 + value.microsecond * 1000


def _one(where: str, entry: Any, symbols: Iterable[str] | None) -> CorporateAction:
    if not isinstance(entry, Mapping):
        raise ReferenceDataError(f"{where}: expected a mapping with id, symbol, type, effective, got {entry!r}")
    kind = entry.get("type")
    if kind not in KINDS:
        raise ReferenceDataError(f"{where}: type must be one of {', '.join(KINDS)}, got {kind!r}")
    missing = sorted(_FIELDS[kind] - set(entry))
    if missing:
        raise ReferenceDataError(f"{where}: {', '.join(missing)} missing")
    unknown = sorted(map(str, set(entry) - _FIELDS[kind]))
    if unknown:
        raise ReferenceDataError(f"{where}: unknown field(s) {', '.join(unknown)} for a {kind}")
    symbol = str(entry["symbol"])
    if symbols is not None and symbol not in symbols:
        raise ReferenceDataError(f"{where}: symbol {symbol!r} is not in the symbol master")
    action = CorporateAction(str(entry["id"]), symbol, kind, _effective_ns(where, entry["effective"]))
    if kind == "split":
        match = _RATIO.match(str(entry["ratio"]))
        new, old = (int(match[1]), int(match[2])) if match else (0, 0)
        if 0 in (new, old) or new == old:
            raise ReferenceDataError(f"{where}: ratio must be 'NEW:OLD' shares like '2:1' or '1:10', "
                                     f"got {entry['ratio']!r}")
        return CorporateAction(action.id, symbol, kind, action.effective_ns, ratio=Fraction(new, old))
    try:
        amount = Decimal(str(entry["amount"]))
    except InvalidOperation:
        amount = Decimal("NaN")
    if isinstance(entry["amount"], bool) or not amount.is_finite() or amount <= 0:
        raise ReferenceDataError(f"{where}: amount must be a positive number, got {entry['amount']!r}")
    return CorporateAction(action.id, symbol, kind, action.effective_ns, amount=amount)


def actions_from(raw: Any, where: str, symbols: Iterable[str] | None = None) -> tuple[CorporateAction, ...]:
    """Validate a list of actions (the file's `actions:`); sorted by effective time."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ReferenceDataError(f"{where}: actions must be a list, got {raw!r}")
    symbols = set(symbols) if symbols is not None else None
    out, seen = [], set()
    for i, entry in enumerate(raw):
        label = entry.get("id") if isinstance(entry, Mapping) and entry.get("id") else f"#{i + 1}"
        action = _one(f"{where}: action {label}", entry, symbols)
        if action.id in seen:
            raise ReferenceDataError(f"{where}: action id {action.id!r} appears twice")
        seen.add(action.id)
        out.append(action)
    return tuple(sorted(out, key=lambda a: (a.effective_ns, a.id)))


def load_actions(path: str | Path = DEFAULT_ACTIONS, symbols: Iterable[str] | None = None
                 ) -> tuple[CorporateAction, ...]:
    path = Path(path)
    raw = read_yaml(path, "corporate actions")
    if raw is None:
        return ()
    if not isinstance(raw, Mapping) or set(raw) - {"actions"}:
        raise ReferenceDataError(f"corporate actions {path}: expected one key, actions: [...]")
    return actions_from(raw.get("actions"), str(path), symbols)
