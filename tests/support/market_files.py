"""Recorded market data for feed tests: the shared EUR/USD quote file, a corrupted copy of it, and a
made USD/JPY day from years ago (its prices far from the symbol master's reference_price of today).

The shared file (../shared/data beside the repo) is real HistData quotes; a test that needs it
skips when it is absent, since the project must run without ../shared.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

EURUSD_QUOTES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "eurusd-quotes-20200101.csv"


def eurusd_quotes() -> Path:
    """The shared quote file, or a skip when this checkout has no ../shared beside it."""
    if not EURUSD_QUOTES.is_file():
        pytest.skip(f"shared market data not here: {EURUSD_QUOTES}")
    return EURUSD_QUOTES


@dataclass(frozen=True)
class Injected:
    line: int
    """1-based line of the corrupted file: the CSV reader numbers quotes by line, so also its seq."""
    rule: str | None
    """The rule it must be quarantined by; None: not bad, it must be delivered."""
    text: str


def _stamp(stamp: str, shift_ms: int) -> str:
    """A HistData stamp (yyyymmdd hhmmssmmm) moved by shift_ms."""
    when = datetime.strptime(stamp[:15], "%Y%m%d %H%M%S") + timedelta(milliseconds=int(stamp[15:]) + shift_ms)
    return when.strftime("%Y%m%d %H%M%S") + f"{when.microsecond // 1000:03d}"


def _bad_lines(row: str) -> list[tuple[str | None, str]]:
    """The corruptions a HistData CSV can carry, each made from a good row (it follows that row)."""
    stamp, bid, ask, volume = row.split(",")
    jump = f"{float(bid) * 1.2:.5f}"
    return [
        ("non_positive", f"{stamp},-{bid},{ask},{volume}"),
        ("crossed", f"{stamp},{ask},{bid},{volume}"),           # bid and ask swapped
        ("locked", f"{stamp},{bid},{bid},{volume}"),
        ("off_tick", f"{stamp},{bid}5,{ask},{volume}"),          # a seventh decimal: half a tick
        ("unparseable", f"{stamp},{bid}"),                        # a line cut short
        ("price_band", f"{stamp},{jump},{float(jump) + 0.0001:.5f},{volume}"),  # 20% up
        ("ts_backwards", f"{_stamp(stamp, -1_000)},{bid},{ask},{volume}"),       # a second before the last
        ("stale_ts", f"{_stamp(stamp, -3_600_000)},{bid},{ask},{volume}"),      # an hour old on the recorded clock
        # A repeated line is no `duplicate`: the CSV has no sequence numbers, the reader numbers
        # lines, so it is one more quote stamped as the one before, at its price: good.
        (None, row),
    ]


def corrupted_copy(source: Path, target: Path, every: int = 900) -> list[Injected]:
    """Copy `source` to `target` with one corruption after every `every`-th row, in turn; what went in."""
    rows = source.read_text().splitlines()
    out: list[str] = []
    injected: list[Injected] = []
    kinds = _bad_lines(rows[0])
    for i, row in enumerate(rows, start=1):
        out.append(row)
        k = i // every - 1
        if i % every == 0 and k < len(kinds):
            rule, text = _bad_lines(row)[k]
            out.append(text)
            injected.append(Injected(len(out), rule, text))
    assert len(injected) == len(kinds), f"{source} is too short for every corruption"
    target.write_text("\n".join(out) + "\n")
    return injected


def usdjpy_day(n: int = 3_000, seed: int = 2019, mid: float = 108.52) -> list[tuple[str, float, float]]:
    """A USD/JPY session as a HistData CSV has it, (stamp, bid, ask) per quote: a day of 2019, around
    108.5 (the symbol master's reference_price is today's 150): the mid walks a few ticks at a time,
    the spread 3 to 8 ticks of 0.001, a quote every 20 to 900 ms. Made, not recorded, but shaped like
    the real thing; the same every time for a seed."""
    rng = random.Random(seed)
    at = datetime(2019, 8, 6, 0, 0, 0)
    ticks = round(mid * 1000)
    rows = []
    for _ in range(n):
        at += timedelta(milliseconds=rng.randint(20, 900))
        ticks += rng.choice((-3, -2, -1, -1, 0, 0, 1, 1, 2, 3))
        spread = rng.randint(3, 8)
        stamp = at.strftime("%Y%m%d %H%M%S") + f"{at.microsecond // 1000:03d}"
        rows.append((stamp, round(ticks / 1000, 3), round((ticks + spread) / 1000, 3)))
    return rows


def write_usdjpy_day(target: Path, n: int = 3_000, seed: int = 2019) -> list[tuple[str, float, float]]:
    """`usdjpy_day` written as a HistData CSV (`yyyymmdd hhmmssmmm,bid,ask,0`); its rows."""
    rows = usdjpy_day(n, seed)
    target.write_text("".join(f"{stamp},{bid:.3f},{ask:.3f},0\n" for stamp, bid, ask in rows))
    return rows
