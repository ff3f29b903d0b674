"""The schema of an external signal and the rules it is judged by: plain Python, tested directly.

A signal is one JSON object:

    {"id": "r7-000042", "strategy": "momentum", "symbol": "EURUSD", "side": "buy", "size": 2000, "price": 1.10012}
    {"id": "r7-000043", "strategy": "momentum", "symbol": "EURUSD", "target": -3000}

    id        required  the research process's own id for it: 1 to 64 letters, digits, '.', '_', ':' or '-'
                        (starting with a letter or digit). Its order is `signal:<id>`; the same id again is
                        the same signal: answered as the first was, never a second order.
    strategy  required  a strategy of the topology (an actor of role `strategy`): its order is that
                        strategy's, in that strategy's book
    symbol    required  in the symbol master, and one of the strategy's symbols
    side      "buy" or "sell", with `size`: an order of that size; or
    target    the position (signed, + long) the strategy should have in the symbol: the order is the
              difference from its position at the OMS, counting its open orders as if they filled
    size      with `side`: the order's quantity, > 0, at most max_size, a multiple of the lot size
    price     optional: a limit price (> 0, on the tick); none: a market order
    tif       optional: DAY (the default), IOC, FOK or GTC

Numbers are JSON numbers or decimal text ("1.10012"); a field that is null is a field left out. Every rule has a reason code (REASONS); the first
rule a signal breaks is the one it is refused for, with the reason in words.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, DecimalException
from typing import Any

from vigil.reference import Instrument
from vigil.yaml_nodes import suggest
from vocabulary.orders import SubmitOrder
from vocabulary.signals import CLIENT_ID_PREFIX

REASONS = (
    "malformed",           # not one JSON object of UTF-8 text within max_bytes, or a field given twice
    "unknown_field",       # a field the schema does not have
    "missing_field",       # id, strategy, symbol, side or target, or a side's size
    "conflicting_fields",  # side and target both, or a size with a target
    "bad_id",              # an id that is not text of the allowed form
    "unknown_strategy",    # not a strategy of the topology (or not started yet)
    "unknown_symbol",      # not in the symbol master, or not one of the strategy's symbols
    "bad_side",            # not "buy" or "sell"
    "bad_size",            # not a number, not finite, not positive, beyond max_size, off the lot
    "bad_target",          # not a number, not finite, beyond max_position, off the lot
    "bad_price",           # not a number, not finite, not positive, off the tick
    "bad_tif",             # not DAY, IOC, FOK or GTC
    "id_reused",           # an id already taken by a different signal
    "no_order_needed",     # a target the strategy's position (with its open orders) is at already
)
FIELDS = ("id", "strategy", "symbol", "side", "size", "target", "price", "tif", "traceparent")
"""traceparent: the research process's W3C trace context, if it traces: the order's trace continues it (one
that is not well formed is ignored, as W3C says, and the trace begins here)."""
SIDES = ("buy", "sell")
TIFS = ("DAY", "IOC", "FOK", "GTC")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_SHOWN = 64  # characters of a bad value quoted in a reason


@dataclass(frozen=True)
class StrategyInfo:
    """What the intake knows of a strategy: its book and symbols (what its host advertises)."""

    name: str
    book: str
    symbols: frozenset[str]


@dataclass(frozen=True)
class Rejection:
    code: str
    """One of REASONS."""
    reason: str
    id: str | None = None
    """The signal's id, when it had a good one."""
    fields: dict[str, str] = field(default_factory=dict)
    """What could be read of the signal (strategy, symbol, side, size, target, price: as text), for the record."""


@dataclass(frozen=True)
class Signal:
    """A good signal."""

    id: str
    strategy: str
    book: str
    symbol: str
    side: str | None
    """"buy" or "sell"; None for a target."""
    size: Decimal | None
    target: Decimal | None
    price: Decimal | None
    tif: str = "DAY"
    traceparent: str | None = None

    @property
    def client_id(self) -> str:
        return CLIENT_ID_PREFIX + self.id

    def terms(self) -> dict[str, str | None]:
        """JSON-ready: what is logged, and what a signal sent again under its id must match."""
        return {"strategy": self.strategy, "book": self.book, "symbol": self.symbol, "side": self.side,
                "size": _text(self.size), "target": _text(self.target), "price": _text(self.price), "tif": self.tif}


def order_of(signal_id: str, terms: Mapping[str, Any], side: str, qty: Any) -> SubmitOrder:
    """The SubmitOrder a signal (its logged terms) makes: the named strategy's, in its book, under signal:<id>."""
    price = terms.get("price")
    return SubmitOrder(terms["symbol"], side, str(qty), price, "limit" if price is not None else "market",
                       terms.get("tif") or "DAY", strategy=terms["strategy"], account=terms["book"],
                       client_id=CLIENT_ID_PREFIX + signal_id)


class SignalRules:
    def __init__(self, instruments: Mapping[str, Instrument], strategies: Callable[[str], StrategyInfo | None], *,
                 max_size: float, max_position: float, max_bytes: int) -> None:
        """strategies(name): the strategy of that name, or None when the topology has none."""
        self.instruments = instruments
        self.strategies = strategies
        self.max_size, self.max_position = _dec(max_size), _dec(max_position)
        self.max_bytes = max_bytes

    def parse(self, raw: bytes) -> Signal | Rejection:
        """A signal as it came (bytes of JSON), judged."""
        if len(raw) > self.max_bytes:
            return Rejection("malformed", f"{len(raw)} bytes: a signal is at most {self.max_bytes}")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            return Rejection("malformed", f"not UTF-8 text: {err}")
        try:
            obj = json.loads(text, object_pairs_hook=_one_each)
        except (ValueError, RecursionError) as err:
            return Rejection("malformed", f"not JSON: {err}")
        return self.check(obj)

    def check(self, obj: Any) -> Signal | Rejection:
        """A decoded signal, judged: the first rule it breaks, or the Signal."""
        if not isinstance(obj, dict):
            return Rejection("malformed", f"a signal is a JSON object, got {_kind(obj)}")
        seen = {name: _shown(obj[name]) for name in FIELDS[1:-1] if name in obj and obj[name] is not None}

        def refuse(code: str, reason: str, id: str | None = None) -> Rejection:
            return Rejection(code, reason, id, seen)

        if "id" not in obj:
            return refuse("missing_field", "id is missing: the research process's own id for the signal")
        sig_id = obj["id"]
        if not isinstance(sig_id, str) or not _ID.fullmatch(sig_id):
            return refuse("bad_id", "id must be text of 1 to 64 letters, digits, '.', '_', ':' or '-', starting "
                                    f"with a letter or digit, got {_quote(sig_id)}")
        for name in obj:
            if name not in FIELDS:
                hint = suggest(str(name), FIELDS) or f"; the fields are {', '.join(FIELDS)}"
                return refuse("unknown_field", f"unknown field {_quote(name)}{hint}", sig_id)

        present = {k for k, v in obj.items() if v is not None}
        for name in ("strategy", "symbol"):
            if name not in present:
                return refuse("missing_field", f"{name} is missing", sig_id)
        name = obj["strategy"]
        strategy = self.strategies(name) if isinstance(name, str) else None
        if strategy is None:
            return refuse("unknown_strategy", f"{_quote(name)} is not a strategy of this topology (or it has not "
                                              "started yet)", sig_id)
        symbol = obj["symbol"]
        instrument = self.instruments.get(symbol) if isinstance(symbol, str) else None
        if instrument is None:
            return refuse("unknown_symbol", f"{_quote(symbol)} is not in the symbol master", sig_id)
        if symbol not in strategy.symbols:
            return refuse("unknown_symbol", f"{symbol} is not one of {strategy.name}'s symbols "
                                            f"({', '.join(sorted(strategy.symbols))})", sig_id)

        side = size = target = None
        if "side" in present and "target" in present:
            return refuse("conflicting_fields", "side and target both given: a signal says one", sig_id)
        if "side" in present:
            side = obj["side"]
            if side not in SIDES:
                return refuse("bad_side", f'side must be "buy" or "sell", got {_quote(side)}', sig_id)
            if "size" not in present:
                return refuse("missing_field", "size is missing: a side needs one", sig_id)
            size = _number(obj["size"])
            problem = _quantity_problem("size", obj["size"], size, self.max_size, "max_size", instrument,
                                        positive=True)
            if problem:
                return refuse("bad_size", problem, sig_id)
        elif "target" in present:
            if "size" in present:
                return refuse("conflicting_fields", "size given with a target: a target's order is what it "
                                                    "takes to get there", sig_id)
            target = _number(obj["target"])
            problem = _quantity_problem("target", obj["target"], target, self.max_position, "max_position",
                                        instrument, positive=False)
            if problem:
                return refuse("bad_target", problem, sig_id)
        else:
            return refuse("missing_field", "side or target is missing: one of them says what to do", sig_id)

        price = None
        if "price" in present:
            price = _number(obj["price"])
            problem = _price_problem(obj["price"], price, instrument)
            if problem:
                return refuse("bad_price", problem, sig_id)
        tif = obj["tif"] if "tif" in present else "DAY"
        if tif not in TIFS:
            return refuse("bad_tif", f"tif must be DAY, IOC, FOK or GTC, got {_quote(tif)}", sig_id)
        traceparent = obj.get("traceparent") if isinstance(obj.get("traceparent"), str) else None
        return Signal(sig_id, strategy.name, strategy.book, symbol, side, size, target, price, tif, traceparent)

    def target_order(self, signal_id: str, terms: Mapping[str, Any], position: Decimal,
                     working: Decimal) -> tuple[str, Decimal] | Rejection:
        """The order (side, qty) that takes a target signal's strategy from `position` (filled) with `working`
        (its open orders' signed leaves) to the target; a Rejection when none is needed or it is too big."""
        target, expected = _dec(terms["target"]), position + working
        need = target - expected
        where = f"{terms['strategy']}'s {terms['symbol']} position"
        if need == 0:
            return Rejection("no_order_needed", f"{where} is at the target {target} already ({position} filled, "
                                                f"{working:+} working)", signal_id)
        qty = abs(need)
        if qty > self.max_size:
            return Rejection("bad_size", f"{where} is {expected} ({position} filled, {working:+} working): the "
                                         f"target {target} takes {qty}, more than max_size {self.max_size}", signal_id)
        lot = _dec(self.instruments[terms["symbol"]].lot_size)
        if not _multiple(qty, lot):
            return Rejection("bad_size", f"{where} is {expected}: the target {target} takes {qty}, not a "
                                         f"multiple of the lot size {lot}", signal_id)
        return ("buy" if need > 0 else "sell"), qty


# ---- helpers ------------------------------------------------------------------------------
def _one_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"field {key!r} given twice")
        out[key] = value
    return out


def _number(value: Any) -> Decimal | None:
    """A JSON number or decimal text as a Decimal (NaN and infinities included); None if it is neither."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int):
            return Decimal(value)
        if isinstance(value, float):
            return Decimal(repr(value))  # the float's shortest text: 1.1, not 1.100000000000000088817...
        if isinstance(value, str):
            return Decimal(value.strip())
    except (DecimalException, ValueError):
        return None
    return None


def _quantity_problem(name: str, raw: Any, value: Decimal | None, limit: Decimal, setting: str,
                      instrument: Instrument, *, positive: bool) -> str | None:
    if value is None:
        return f"{name} must be a number, got {_quote(raw)}"
    if not value.is_finite():
        return f"{name} must be finite, got {_quote(raw)}"
    if positive and value <= 0:
        return f"{name} must be positive, got {_shown(raw)}"
    if abs(value) > limit:
        return f"{name} {_shown(raw)} is beyond {setting} {limit}"
    lot = _dec(instrument.lot_size)
    if not _multiple(value, lot):
        return f"{name} {_shown(raw)} is not a multiple of {instrument.symbol}'s lot size {lot}"
    return None


def _price_problem(raw: Any, value: Decimal | None, instrument: Instrument) -> str | None:
    if value is None:
        return f"price must be a number, got {_quote(raw)}"
    if not value.is_finite():
        return f"price must be finite, got {_quote(raw)}"
    if value <= 0:
        return f"price must be positive, got {_shown(raw)}"
    tick = _dec(instrument.tick_size)
    if not _multiple(value, tick):
        return f"price {_shown(raw)} is not on {instrument.symbol}'s tick {tick}"
    return None


def _multiple(value: Decimal, step: Decimal) -> bool:
    try:
        return value % step == 0
    except DecimalException:  # too many digits to divide: no sane quantity or price
        return False


def _dec(value: Any) -> Decimal:
    """A setting or a reference number as a Decimal, a whole one without its ".0" (max_size 100000, lot 1000)."""
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value) if _plain(value) else repr(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN - 3] + "..."


def _quote(value: Any) -> str:
    return json.dumps(_shown(value)) if isinstance(value, str) else _shown(value)


def _plain(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _kind(value: Any) -> str:
    return {list: "a list", str: "text", bool: "true or false", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)
