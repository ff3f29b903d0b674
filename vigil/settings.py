"""Checks every config reader repeats: settings nobody knows, and numbers that are really numbers."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any


def refuse_unknown(raw: Mapping[str, Any], known: Iterable[str], where: str, error: type[Exception],
                   what: str = "") -> None:
    """Raise `error` naming every setting of `raw` that is not in `known` (a typo must not be ignored)."""
    known = sorted(known)
    unknown = sorted(map(str, set(raw) - set(known)))
    if unknown:
        raise error(f"{where}: unknown {what + ' ' if what else ''}setting(s) {', '.join(unknown)} "
                    f"(known: {', '.join(known)})")


def is_positive_number(value: Any) -> bool:
    """A finite number above 0; YAML's `yes` is a bool, not 1."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def is_whole_number(value: Any, least: int = 1) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least
