"""A quarantined message decoded for `vigil quarantine`: the frames as the feed stored them, decoded where
they decode (quotes, trades, a batch's records), and said not to where they do not."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from actors.feed.quarantine import decode_frames, iso_utc, summary
from vocabulary.market_batch import QUOTES, encode_batch
from vocabulary.market_data import Quote, Trade, encode

TS = 1_577_898_000_123_456_789  # 2020-01-01T17:00:00.123456789Z


def test_a_quote_decodes_with_its_stamp_as_utc_text_to_the_nanosecond():
    decoded, error = decode_frames(encode(Quote("EURUSD", 42, TS, 1.1212, 1e6, 1.1213, 5e5)))
    assert error is None
    assert decoded == {"kind": "quote", "symbol": "EURUSD", "seq": 42, "ts_ns": TS, "ts": "2020-01-01T17:00:00.123456789Z",
                       "bid_px": 1.1212, "bid_qty": 1e6, "ask_px": 1.1213, "ask_qty": 5e5}
    assert summary(decoded) == "EURUSD #42 1.1212/1.1213"


def test_a_trade_decodes():
    decoded, _ = decode_frames(encode(Trade("ACME", 7, TS, 100.07, 300.0, 1)))
    assert decoded == {"kind": "trade", "symbol": "ACME", "seq": 7, "ts_ns": TS, "ts": "2020-01-01T17:00:00.123456789Z",
                       "px": 100.07, "qty": 300.0, "aggressor": 1}
    assert summary(decoded) == "ACME #7 trade 100.07 x 300"


def test_non_finite_numbers_are_text_so_the_json_stays_json():
    decoded, _ = decode_frames(encode(Quote("EURUSD", 1, TS, math.nan, math.inf, 1.1, -math.inf)))
    assert (decoded["bid_px"], decoded["bid_qty"], decoded["ask_qty"]) == ("nan", "inf", "-inf")
    json.loads(json.dumps(decoded), parse_constant=lambda c: pytest.fail(f"{c} in the JSON"))
    assert summary(decoded) == "EURUSD #1 nan/1.1"


def test_any_stamp_the_wire_can_carry_has_its_text():
    assert iso_utc(2**63 - 1) == "2262-04-11T23:47:16.854775807Z"
    assert iso_utc(-2**63) == "1677-09-21T00:12:43.145224192Z"
    assert iso_utc(-1) == "1969-12-31T23:59:59.999999999Z"
    decoded, _ = decode_frames(encode(Quote("EURUSD", 1, -1, 1.1, 1.0, 1.2, 1.0)))
    assert (decoded["ts_ns"], decoded["ts"]) == (-1, "1969-12-31T23:59:59.999999999Z")


def test_a_batch_record_as_the_feed_quarantines_it_is_a_quote_marked_batched():
    records = np.array([(5, TS, 1.1001, 2e6, 1.1, 3e6)], dtype=QUOTES)
    decoded, error = decode_frames(encode_batch("EURUSD", records))
    assert error is None and decoded["batched"] is True and decoded["kind"] == "quote"
    assert (decoded["seq"], decoded["bid_px"], decoded["ask_qty"]) == (5, 1.1001, 3e6)
    assert summary(decoded) == "EURUSD #5 1.1001/1.1 (batched)"


def test_a_whole_batch_decodes_as_its_quotes():
    records = np.array([(5, TS, 1.1, 1.0, 1.2, 1.0), (6, TS, 1.1, 1.0, 1.2, 1.0)], dtype=QUOTES)
    decoded, _ = decode_frames(encode_batch("ZZZ", records))
    assert decoded["kind"] == "quote_batch" and [q["seq"] for q in decoded["quotes"]] == [5, 6]
    assert summary(decoded) == "ZZZ batch of 2: #5..#6"


@pytest.mark.parametrize("frames, says", [
    ([b"QEURUSD", b"20200101 170000000,1.1212"], "25-byte payload is neither a quote nor a trade"),  # a CSV row cut short
    ([b"QEURUSD"], "expected 2 frames (3 with a traceparent), got 1"),
    ([b"XEURUSD", encode(Quote("EURUSD", 1, TS, 1.1, 1.0, 1.2, 1.0))[1]], "XEURUSD"),
    ([b"qEURUSD", b"\x00" * 50], "N x 48 bytes in 2 frames (3 with a traceparent), got 2 frames, 50 bytes"),
    ([b"qEURUSD"], "got 1 frames, no payload"),
    ([b"qEURUSD", b""], "0 bytes"),
], ids=["csv-row", "one-frame", "bad-topic", "cut-batch", "batch-no-payload", "empty-batch"])
def test_frames_that_do_not_decode_say_why(frames, says):
    decoded, error = decode_frames(frames)
    assert decoded is None and says in error, error
    assert summary(decoded) == "does not decode"
