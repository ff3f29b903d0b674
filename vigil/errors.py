"""The root of Vigil's errors (GUIDE convention 9).

Each area defines its own class beneath it, beside the code that raises it: `TopologyError`
(vigil.topology), `ConfigError` (vigil.config), `ReferenceDataError` (vigil.reference), ...
A caller that only reports catches `VigilError`; one that can do something about a kind of
failure catches that kind.
"""
from __future__ import annotations


class VigilError(Exception):
    """Root of Vigil's errors."""
