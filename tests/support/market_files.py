"""Recorded market data for feed tests: the shared EUR/USD quote file, and a corrupted copy of it.

The shared file (../shared/data beside the repo) is real HistData quotes; a test that needs it
skips when it is absent, since the project must run without ../shared.
"""
from __future__ import annotations

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
