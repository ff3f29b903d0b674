"""Topology text for tests."""
from __future__ import annotations


def worker(id: str, restart: str = "permanent", shutdown: int | str = 2000, start: str = "actors.counter:Counter",
           heartbeat: tuple[int, int] | None = None, config: str = "") -> str:
    text = f"- id: {id}\n  start: {start}\n  restart: {restart}\n  shutdown: {shutdown}\n"
    if heartbeat:
        text += f"  heartbeat: {{interval_ms: {heartbeat[0]}, timeout_ms: {heartbeat[1]}}}\n"
    if config:
        text += f"  config: {config}\n"
    return text


def supervisor(id: str, children: list[str], strategy: str = "one_for_one", intensity: int = 5,
               period: float = 10, backoff: str = "") -> str:
    text = f"- id: {id}\n  type: supervisor\n  strategy: {strategy}\n  intensity: {intensity}\n  period: {period}\n"
    if backoff:
        text += f"  backoff: {backoff}\n"
    return text + "  children:\n" + _indent("".join(children), 4)


def topology(children: list[str], strategy: str = "one_for_one", intensity: int = 5, period: float = 10,
             heartbeat: tuple[int, int] = (100, 600)) -> str:
    return (f"vigil:\n  name: t\n  heartbeat: {{interval_ms: {heartbeat[0]}, timeout_ms: {heartbeat[1]}}}\n"
            f"root:\n  strategy: {strategy}\n  intensity: {intensity}\n  period: {period}\n  children:\n"
            + _indent("".join(children), 4))


def _indent(text: str, n: int) -> str:
    return "".join(" " * n + line + "\n" for line in text.splitlines())
