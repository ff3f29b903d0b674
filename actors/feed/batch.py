"""The batched path: many quotes of one symbol in one message, validated with numpy.

The wire format is vocabulary/market_batch.py's (topic b"q" + symbol, N quote records).

The same rules as the per-message path (validation.py), with two differences a
vector cannot avoid: every price of a batch is held against the band reference
as it stood when the batch began (the reference then moves to the batch's good
prices), and a number at or below one already seen is a "duplicate" (a late
number is not told apart from a repeated one, and closes no gap). A corporate
action taking effect inside a batch rescales the reference for the records
stamped at or after its effective time.

A reference that is the symbol master's alone is replaced by a run of agreeing
prices (validation.py, adopt_after) as on the per-message path: the records that
break only the band go to the same run, one by one in order, up to the first good
price; the record that completes it is delivered, and the records after it are
held against the run's reference.
"""
from __future__ import annotations

import numpy as np

from actors.feed.validation import Gap, Rejection, Validator
from vocabulary.market_batch import QUOTES

# checked in this order: the first a record fails is its rule, as on the per-message path
_ORDER = ("duplicate", "non_finite", "non_positive", "off_tick", "crossed", "locked", "future_ts", "stale_ts",
          "ts_backwards", "price_band")
MS = 1_000_000


class BatchVerdict:
    __slots__ = ("symbol", "records", "good", "rules", "gaps", "rejection")

    def __init__(self, symbol: str, records: np.ndarray | None, good: np.ndarray | None, rules: np.ndarray | None,
                 gaps: list[Gap], rejection: Rejection | None = None) -> None:
        self.symbol, self.records, self.good, self.rules, self.gaps = symbol, records, good, rules, gaps
        self.rejection = rejection
        """The whole message is bad (it does not parse, or its symbol is unknown)."""

    def rejected(self) -> list[tuple[int, Rejection]]:
        """(index, rejection) of each bad record, with a reason like the per-message path's."""
        out = []
        for i in np.flatnonzero(~self.good):
            rule = _ORDER[self.rules[i]]
            r = self.records[i]
            out.append((int(i), Rejection(rule, f"{self.symbol} seq {int(r['seq'])}: bid {float(r['bid_px'])!r} "
                                                f"size {float(r['bid_qty'])!r}, ask {float(r['ask_px'])!r} size "
                                                f"{float(r['ask_qty'])!r}, ts {int(r['ts_ns'])} (batched path)")))
        return out


def check_batch(validator: Validator, frames: list[bytes], source: str, now_ns: int) -> BatchVerdict:
    topic, payload = (frames + [b""])[:2] if len(frames) <= 3 else (frames[0], None)  # 3: a traceparent
    symbol = topic[1:].decode("ascii", errors="replace")
    if payload is None or len(payload) % QUOTES.itemsize:
        size = "no payload" if payload is None else f"{len(payload)} bytes"
        return BatchVerdict(symbol, None, None, None, [], Rejection(
            "unparseable", f"a quote batch is N x {QUOTES.itemsize} bytes in 2 frames (3 with a traceparent), got "
                           f"{len(frames)} frames, {size}"))
    if symbol not in validator.instruments:
        return BatchVerdict(symbol, None, None, None, [], Rejection(
            "unknown_symbol", f"{symbol!r} is not in the symbol master"))
    q = np.frombuffer(payload, dtype=QUOTES)
    state = validator._state(symbol, source)
    config, tick = validator.config, validator.instruments[symbol].tick_size

    seq = q["seq"].astype(np.int64)
    seen = np.maximum.accumulate(np.concatenate(([state.sequence.last], seq[:-1])))
    duplicate = (seq <= seen) & (seen > 0)
    jumps = np.flatnonzero((seq > seen + 1) & (seen > 0))
    gaps = [Gap(symbol, int(seen[i] + 1), int(seq[i] - seen[i] - 1)) for i in jumps]

    bid, bq, ask, aq = q["bid_px"], q["bid_qty"], q["ask_px"], q["ask_qty"]
    with np.errstate(invalid="ignore", divide="ignore"):  # no reference yet: 0, and no band
        non_finite = ~(np.isfinite(bid) & np.isfinite(bq) & np.isfinite(ask) & np.isfinite(aq))
        bid_empty, ask_empty = (bid == 0) & (bq == 0), (ask == 0) & (aq == 0)
        non_positive = (~bid_empty & ((bid <= 0) | (bq <= 0))) | (~ask_empty & ((ask <= 0) | (aq <= 0)))
        off_tick = np.zeros(len(q), dtype=bool)
        for px in (bid, ask):
            steps = px / tick
            off_tick |= (px != 0) & (np.abs(steps - np.rint(steps)) > np.maximum(1e-6, np.abs(steps) * 1e-12))
        both = (bid != 0) & (ask != 0)
        crossed, locked = both & (bid > ask), both & (bid == ask) & (config.locked == "quarantine")
        ts = q["ts_ns"]
        future = ts > now_ns + config.max_future_ms * MS
        stale = ts < now_ns - config.max_age_ms * MS
        so_far = ~(duplicate | non_finite | non_positive | off_tick | crossed | locked | future | stale)
        latest = np.maximum.accumulate(np.concatenate(([state.last_ts], np.where(so_far, ts, state.last_ts)[:-1])))
        backwards = ts < latest
        mid = np.where(both, (bid + ask) / 2, bid + ask)  # one side empty: the other's price
        reference = state.reference.value() or 0.0
        run_from = 0  # the first record whose price may join a run (after a corporate action, none before it)
        if len(ts) and int(ts.max()) >= state.next_action_ns:  # rarely: a corporate action takes effect
            reference, run_from = _references_across_actions(validator, state, ts, reference, now_ns)
        band = (np.abs(mid - reference) / reference * 100 > config.band_pct) & (mid != 0) & (reference > 0)
        other = ~so_far | backwards  # a rule before the band
        adopted_at = -1
        if state.reference.from_master and config.adopt_after and band.any():  # rarely: until a first price
            adopted_at = _adopt(validator, state, symbol, mid, band, other, run_from)
            if adopted_at >= 0:
                after = np.arange(len(q)) > adopted_at
                new = state.reference.value()
                band = np.where(after, (np.abs(mid - new) / new * 100 > config.band_pct) & (mid != 0), band)
                band[adopted_at] = False
    masks = (duplicate, non_finite, non_positive, off_tick, crossed, locked, future, stale, backwards, band)
    bad = np.logical_or.reduce(masks)
    rules = np.argmax(np.stack(masks), axis=0)  # the first rule each record fails
    good = ~bad

    state.sequence.last = max(state.sequence.last, int(seq.max())) if len(seq) else state.sequence.last
    if good.any():
        state.last_ts = max(state.last_ts, int(ts[good].max()))
        priced = good & (mid != 0)
        priced[:adopted_at + 1] = False  # an adopted record's price is in the reference already, with its run
        good_mids = mid[priced]
        if len(good_mids):
            state.reference.add(float(np.median(good_mids[-config.median_window:])))
    return BatchVerdict(symbol, q, good, rules, gaps)


def _adopt(validator: Validator, state, symbol: str, mid: np.ndarray, band: np.ndarray, other: np.ndarray,
           run_from: int) -> int:
    """Offer the run (Validator.offer) the records that break only the band, in order, up to the first good
    price (it makes the reference no longer the master's alone); the index of the record that completed
    the run, or -1."""
    priced_good = np.flatnonzero(~other & ~band & (mid != 0))
    end = int(priced_good[0]) if len(priced_good) else len(mid)
    for i in np.flatnonzero(band[:end] & ~other[:end]):
        if i >= run_from and validator.offer(state, symbol, float(mid[i])):
            return int(i)
    return -1


def _references_across_actions(validator: Validator, state, ts: np.ndarray, reference: float, now_ns: int
                               ) -> tuple[np.ndarray, int]:
    """The band reference of each record when corporate actions take effect within the batch: the
    reference before them up to each one's effective time, the rescaled one from it; and the first record
    stamped at or after the last of them (a run of prices starts again at an action)."""
    out = np.full(len(ts), reference)
    run_from = 0
    in_time = ts[ts <= now_ns + validator.config.max_future_ms * MS]  # a future stamp applies nothing
    for action in validator.take_effect(state, int(in_time.max()) if len(in_time) else 0, now_ns):
        out[ts >= action.effective_ns] = state.reference.value() or 0.0
        after = np.flatnonzero(ts >= action.effective_ns)
        run_from = max(run_from, int(after[0]) if len(after) else len(ts))
    return out, run_from
