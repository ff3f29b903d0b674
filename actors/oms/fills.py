"""What applying a message produced: a change flag, position-affecting fills, a problem.

A `Fill` is how the OMS tells positions (and risk, and strategies) about quantity
that traded, was busted or was corrected. It names the fill it replaces, so a
bust or a correction can be undone exactly where the original is still known.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from enum import Enum
from typing import Any

from vocabulary.fix_codes import Side
from vocabulary.numbers import ZERO, dec, opt_dec, to_json


class FillKind(str, Enum):
    TRADE = "trade"
    """A new execution (ExecType F, or 4.2's 1 and 2)."""
    BUST = "bust"
    """A trade cancel (ExecType H): `ref_*` is the fill that no longer exists."""
    CORRECT = "correct"
    """A trade correction (ExecType G): `ref_*` is replaced by `qty` at `price`."""
    MISSED = "missed"
    """Quantity the venue reports filled that no execution report told us about."""


@dataclass(frozen=True, kw_only=True)
class Fill:
    fill_id: str
    """Unique across the OMS: "<first ClOrdID>/<ExecID>"."""
    kind: FillKind
    account: str
    strategy: str
    symbol: str
    side: Side
    qty: Decimal
    """Quantity now in effect under this fill (0 for a bust)."""
    price: Decimal
    """Price of `qty` (for a bust, the busted fill's price)."""
    ref_fill_id: str | None = None
    """The fill a bust removes or a correction replaces."""
    ref_qty: Decimal = ZERO
    """Quantity of that fill before this one."""
    ref_price: Decimal | None = None
    """Its price."""
    cl_ord_id: str = ""
    """The order's ClOrdID when the fill was reported."""
    order_id: str | None = None
    """The venue's OrderID."""
    exec_id: str = ""
    """ExecID of the report that caused it (synthetic "~missed<n>" for missed fills)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", FillKind(self.kind))
        object.__setattr__(self, "side", Side.parse(self.side))
        for name in ("qty", "price", "ref_qty"):
            object.__setattr__(self, name, dec(getattr(self, name)))
        object.__setattr__(self, "ref_price", opt_dec(self.ref_price))

    @property
    def delta_qty(self) -> Decimal:
        """Signed change to the position: + bought, - sold."""
        return self.side.sign * (self.qty - self.ref_qty)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = to_json(value) if isinstance(value, Decimal) else (
                value.value if isinstance(value, Enum) else value)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fill:
        return cls(**data)


@dataclass(frozen=True)
class Applied:
    """The outcome of applying one event. Truthy when anything changed."""

    changed: bool
    fills: tuple[Fill, ...] = ()
    """Fills for positions, in order."""
    problem: str | None = None
    """Why the message was not applied (inconsistent, unknown order); None when it was."""
    cl_ord_id: str | None = None
    """Current ClOrdID of the order it concerned, when one was found."""
    duplicate: bool = False
    """True when it was skipped as already applied (same ExecID)."""
    notes: tuple[str, ...] = field(default=())
    """What an operator may want to know although nothing went wrong (e.g. missed fills)."""

    def __bool__(self) -> bool:
        return self.changed

    @property
    def missed(self) -> tuple[Fill, ...]:
        return tuple(f for f in self.fills if f.kind is FillKind.MISSED)
