"""Reading a drill journal's values tolerantly, and writing them as short text, for both reports.

Every key of a journal is optional and may hold anything, so these read a list, a dict or a finite number only
when it is one, and show any value (a probe's reading, a tolerance, a step's output) as short text.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict]:
    return [item for item in _list(value) if isinstance(item, dict)]


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _val(value: Any) -> str:
    """A journal value (a probe's reading, a tolerance, a step's output) as short text."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str, separators=(", ", ": "))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _secs(value: Any) -> str:
    """An offset or a duration: 1.23 s, 12.3 s, 2 min 05 s, 1 h 02 min 03 s; — when unknown."""
    v = _num(value)
    if v is None:
        return "—"
    sign, v = ("-" if v < 0 else ""), abs(v)
    if v < 10:
        return f"{sign}{v:.2f} s"
    if v < 60:
        return f"{sign}{v:.1f} s"
    total = round(v)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{sign}{hours} h {minutes:02d} min {seconds:02d} s"
    return f"{sign}{minutes} min {seconds:02d} s"


def _offset(value: Any) -> str:
    v = _num(value)
    return "—" if v is None else ("+" if v >= 0 else "") + _secs(v)


def _safe_href(link: str) -> str | None:
    """A link fit for href: a relative path or http(s)/file URL; never javascript: and the like."""
    scheme = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", link)
    if scheme and scheme.group(1).lower() not in ("http", "https", "file"):
        return None
    return link


def _kind_class(kind: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", kind.lower()).strip("-") or "event"
