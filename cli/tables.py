"""What the operator CLI commands share: finding actors by role, and printing tables."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from vigil.errors import VigilError
from vocabulary import roles


def actor_paths(client, role: str, what: str) -> list[str]:
    """The paths of the running topology's actors of a role (vocabulary.roles), in tree order."""
    paths = [a["path"] for a in client.actors() if a.get("role") == role]
    if not paths:
        raise VigilError(f"the running topology has no {what}")
    return paths


def the_oms(client) -> str:
    return actor_paths(client, roles.OMS, "OMS")[0]


def ask_each(client, role: str, what: str, msg: Any, unanswered: Callable[[str, VigilError], dict]) -> list[dict]:
    """Each actor of a role asked `msg`, its answer as a row; one that does not answer, the row `unanswered`
    makes of its path and the error."""
    rows = []
    for path in actor_paths(client, role, what):
        try:
            rows.append(msgspec.structs.asdict(client.ask(path, msg, timeout=3.0)))
        except VigilError as err:
            rows.append(unanswered(path, err))
    return rows


def print_table(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> None:
    table = [[title for _, title in columns]] + [[_text(r.get(key)) for key, _ in columns] for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(columns))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
