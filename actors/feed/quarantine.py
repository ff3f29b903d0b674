"""A quarantined message decoded for an operator: what `vigil quarantine` shows beside the raw bytes.

The feed stores each quarantined message's frames as they came (actor.py), and a bad
record of a batch (batch.py) as the batch's topic and that one 48-byte record. Here
the frames are decoded where they decode:

    quote   {"kind": "quote", "symbol", "seq", "ts_ns", "ts", "bid_px", "bid_qty", "ask_px", "ask_qty"}
    trade   {"kind": "trade", "symbol", "seq", "ts_ns", "ts", "px", "qty", "aggressor"}
    a batch's record: a quote with "batched": true; a whole batch (rejected for its
            symbol): {"kind": "quote_batch", "symbol", "quotes": [quote, ...]}

`ts` is the stamp as ISO-8601 UTC text to the nanosecond; a price or size that is NaN or infinite is the text "nan", "inf" or "-inf", so the
JSON stays JSON. Frames that do not decode (an unparseable message, a truncated
payload) give None and the decoder's error.
"""
from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

from vocabulary.market_batch import BATCH_PREFIX
from vocabulary.market_data import QUOTE, Quote, decode


def decode_frames(frames: list[bytes]) -> tuple[dict[str, Any] | None, str | None]:
    """(the message, None), or (None, why it does not decode)."""
    if frames and frames[0][:1] == BATCH_PREFIX:
        return _batch(frames)
    try:
        msg = decode(frames)
    except (ValueError, UnicodeDecodeError) as err:
        return None, str(err)
    return _message(msg), None


def summary(decoded: dict[str, Any] | None) -> str:
    """One line for a table: `EURUSD #42 1.1212/1.1213`, `EURUSD #43 trade 1.1212 x 500000`."""
    if decoded is None:
        return "does not decode"
    if decoded["kind"] == "quote_batch":
        quotes = decoded["quotes"]
        return f"{decoded['symbol']} batch of {len(quotes)}: #{quotes[0]['seq']}..#{quotes[-1]['seq']}"
    head = f"{decoded['symbol']} #{decoded['seq']}"
    if decoded["kind"] == "trade":
        return f"{head} trade {_price(decoded['px'])} x {_size(decoded['qty'])}"
    text = f"{head} {_price(decoded['bid_px'])}/{_price(decoded['ask_px'])}"
    return f"{text} (batched)" if decoded.get("batched") else text


def _batch(frames: list[bytes]) -> tuple[dict[str, Any] | None, str | None]:
    symbol = frames[0][1:].decode("ascii", errors="replace")
    payload = frames[1] if len(frames) in (2, 3) else None  # 3: with a traceparent
    if payload is None or not payload or len(payload) % QUOTE.size:
        size = "no payload" if payload is None else f"{len(payload)} bytes"
        return None, (f"a quote batch is N x {QUOTE.size} bytes in 2 frames (3 with a traceparent), got "
                      f"{len(frames)} frames, {size}")
    quotes = [_message(Quote(symbol, *record)) for record in QUOTE.iter_unpack(payload)]
    if len(quotes) == 1:
        return {"kind": "quote", "batched": True, **{k: v for k, v in quotes[0].items() if k != "kind"}}, None
    return {"kind": "quote_batch", "symbol": symbol, "quotes": quotes}, None


def _message(msg) -> dict[str, Any]:
    fields = msg._asdict()
    out: dict[str, Any] = {"kind": "quote" if isinstance(msg, Quote) else "trade", "symbol": msg.symbol,
                           "seq": msg.seq, "ts_ns": msg.ts_ns, "ts": iso_utc(msg.ts_ns)}
    for name, value in fields.items():
        if name not in out:
            out[name] = _number(value)
    return out


def iso_utc(ts_ns: int) -> str:
    """2020-01-01T17:00:00.123456789Z (any i64 stamp is a date: 1677 to 2262)."""
    at = datetime.fromtimestamp(ts_ns // 1_000_000_000, tz=timezone.utc)
    return f"{at:%Y-%m-%dT%H:%M:%S}.{ts_ns % 1_000_000_000:09d}Z"


def _number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # "nan", "inf", "-inf"
    return value


def _price(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _size(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return _price(value)
