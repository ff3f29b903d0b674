"""Vigil's exceptions: one root, one error class per area (GUIDE convention 9)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # vigil.topology imports this module
    from vigil.topology import Problem


class VigilError(Exception):
    """Root of Vigil's errors."""


class TopologyError(VigilError):
    """topology.yaml is unreadable or invalid.

    ``problems`` holds every problem found, in file order; ``str(err)`` is one
    ``PATH:LINE: where: what`` line per problem.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        # args must be what __init__ takes, or the error does not survive pickle.
        super().__init__(self.problems)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)
