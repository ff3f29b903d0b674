"""What a probe's value must be for a drill to call it good.

    tolerance: primary            the value equals it (a string, number, boolean or null)
    tolerance: [ACTIVE, REDUCING] the value is one of them
    tolerance: {min: 0, max: 2}   a number within the bounds (either may be left out)
    tolerance: {not: HALTED}      anything but it
    tolerance: {equals: []}       equals it, whatever it is (a list, a mapping)
"""
from __future__ import annotations

from typing import Any

FORMS = ("min", "max", "not", "equals")


class Tolerance:
    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def problem(self) -> str | None:
        """What is wrong with the tolerance as written, or None."""
        raw = self.raw
        if isinstance(raw, dict):
            unknown = set(raw) - set(FORMS)
            if unknown or not raw:
                return f"a tolerance mapping takes {', '.join(FORMS)}; got {', '.join(map(str, unknown)) or 'none'}"
            if ("min" in raw or "max" in raw) and set(raw) - {"min", "max"}:
                return "min/max go without not/equals"
            for bound in ("min", "max"):
                if bound in raw and (isinstance(raw[bound], bool) or not isinstance(raw[bound], (int, float))):
                    return f"{bound} must be a number, got {raw[bound]!r}"
            if "min" in raw and "max" in raw and raw["min"] > raw["max"]:
                return f"min {raw['min']} is above max {raw['max']}"
        return None

    def holds(self, value: Any) -> bool:
        raw = self.raw
        if isinstance(raw, list):
            return value in raw
        if isinstance(raw, dict):
            if "equals" in raw:
                return value == raw["equals"]
            if "not" in raw:
                return value != raw["not"]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return False
            return raw.get("min", value) <= value <= raw.get("max", value)
        return value == raw

    def to_json(self) -> Any:
        return self.raw

    def __str__(self) -> str:
        raw = self.raw
        if isinstance(raw, list):
            return "one of " + ", ".join(map(str, raw))
        if isinstance(raw, dict):
            if "equals" in raw:
                return f"= {raw['equals']!r}"
            if "not" in raw:
                return f"not {raw['not']}"
            return " and ".join(f"{'>=' if k == 'min' else '<='} {v}" for k, v in raw.items())
        return f"= {raw}"
