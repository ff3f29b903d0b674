"""The batched market-data wire format: many quotes of one symbol in one ZeroMQ message.

Topic b"q" + symbol (lower-case q: a batch), payload N quote records laid out exactly as the single
quote's payload (vocabulary/market_data.py QUOTE, 48 bytes each, little-endian), oldest first. A
publisher that batches (a replay at full speed, a venue's snapshot) saves a message and a Python call
per quote; a feed validates a batch with numpy (actors/feed/batch.py).

Not imported by `vocabulary` itself: it needs numpy, which the CLI need not load.
"""
from __future__ import annotations

import numpy as np

BATCH_PREFIX = b"q"
QUOTES = np.dtype([("seq", "<u8"), ("ts_ns", "<i8"), ("bid_px", "<f8"), ("bid_qty", "<f8"),
                   ("ask_px", "<f8"), ("ask_qty", "<f8")])


def encode_batch(symbol: str, records: np.ndarray) -> list[bytes]:
    return [BATCH_PREFIX + symbol.encode(), np.ascontiguousarray(records, dtype=QUOTES).tobytes()]
