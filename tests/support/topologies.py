"""Topology text for tests."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_PORTS = (19110, 19201, 19202, 19203, 19210, 19220)
"""The default topology's fixed ports (its admin port a run chooses itself)."""


def default_on_free_ports() -> str:
    """topology.yaml, as ./run.sh starts it, on free ports (never a fixed one in a test or a bench), its
    relative paths made the repository's so the text runs from anywhere."""
    from vigil.procs import free_port

    text = (REPO / "topology.yaml").read_text()
    for port in DEFAULT_PORTS:
        text = text.replace(str(port), str(free_port()))
    return re.sub(r"(?<=[ \[])reference/", f"{REPO}/reference/", text)


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


def paging(pager_config: str, indent: int = 4) -> str:
    """The paging supervisor: a local Events API endpoint (pager-sink, root/paging/pager-sink) and the pager
    paging it; pager_config: the pager's config as one YAML flow mapping. A list item at `indent` spaces (a
    child of root), ending in a newline."""
    return _indent("- id: paging\n  type: supervisor\n  children:\n"
                   "    - id: pager-sink\n      start: actors.pager.sink:PagerSinkServer\n"
                   f"    - id: pager\n      start: actors.pager.pager:Pager\n      config: {pager_config}\n", indent)


def _indent(text: str, n: int) -> str:
    """Indent by n spaces (n < 0: remove that many)."""
    if n < 0:
        return "".join(line[-n:] + "\n" for line in text.splitlines())
    return "".join(" " * n + line + "\n" for line in text.splitlines())


def trading(ports: dict[str, int], *, sessions: tuple[tuple[str, str, str], ...] = (("fix-a", "FIX.4.4", "VIGIL_A"),
                                                                                  ("fix-b", "FIX.4.2", "VIGIL_B")),
            phase: str = "continuous", flow: bool = False, extra_clients: tuple[str, ...] = ("TESTER",),
            oms_backoff_ms: int = 0, cancel_on_disconnect: bool = False, ack_pending: bool = False,
            oms_config: str = "", venue_config: str = "") -> str:
    """A venue, an OMS and broker sessions on the given free ports (keys: fix, md).
    ack_pending: the venue sends PendingCancel / PendingReplace before Canceled / Replaced.
    oms_config, venue_config: more lines of the OMS's (the venue's) config, indented by four spaces."""
    clients = "".join(f"          - {{comp_id: {comp}, begin_string: {begin}}}\n" for _, begin, comp in sessions)
    clients += "".join(f"          - {{comp_id: {comp}, begin_string: FIX.4.4}}\n" for comp in extra_clients)
    venue = (f"- id: venue\n  start: venues.actor:SimulatedVenue\n  shutdown: 3000\n  config:\n"
             f"    port: {ports['fix']}\n    md_endpoint: tcp://127.0.0.1:{ports['md']}\n    phase: {phase}\n"
             f"    cancel_on_disconnect: {str(cancel_on_disconnect).lower()}\n"
             + ("    ack_pending: true\n" if ack_pending else "") +
             "    clients:\n" + _indent(clients, -4) +
             "    symbols:\n      EURUSD: {tick_size: 0.00001, lot_size: 1000, reference_price: 1.1}\n"
             "      ACME: {tick_size: 0.01, lot_size: 1, reference_price: 100}\n"
             + ("    flow: {seed: 3, rate_per_s: 100}\n" if flow else "") + venue_config)
    oms = ("- id: oms\n  start: actors.oms.actor:OrderManager\n  config:\n    ack_timeout_s: 1\n" + oms_config +
           "    sessions:\n"
           + "".join(f"      - {{id: {sid}, fee_bps: {i}}}\n" for i, (sid, _, _) in enumerate(sessions)))
    brokers = "".join(f"- id: {sid}\n  start: actors.broker.session:BrokerSession\n"
                      f"  config: {{begin_string: {begin}, sender_comp_id: {comp}, target_comp_id: VENUE, "
                      f"port: {ports['fix']}, heartbeat_s: 2}}\n" for sid, begin, comp in sessions)
    backoff = f"{{min_ms: {oms_backoff_ms}, max_ms: {oms_backoff_ms}, jitter: 0.0}}" if oms_backoff_ms else ""
    return topology([venue, supervisor("trading", [oms, brokers], backoff=backoff, intensity=10)],
                    heartbeat=(200, 2000))


def desk(*, oms: str = "", children: str = "", flow_seed: int = 11) -> str:
    """For a topology in one process (tests.support.inprocess_run): a venue quoting EURUSD with background
    flow, an OMS and a FIX 4.4 session to it (VIGIL_A; the ports are the loopback network's, not the
    machine's). oms: more of the OMS's config, YAML lines at any one indent; children: more children,
    YAML list items at any one indent."""
    return f"""\
vigil: {{name: t}}
root:
  children:
    - id: venue
      start: venues.actor:SimulatedVenue
      config:
        port: 19401
        md_endpoint: tcp://127.0.0.1:19402
        fix_log: false
        clients: [{{comp_id: VIGIL_A}}]
        symbols: {{EURUSD: {{tick_size: 0.00001, lot_size: 1000, reference_price: 1.1}}}}
        flow: {{seed: {flow_seed}, rate_per_s: 200}}
    - id: oms
      start: actors.oms.actor:OrderManager
      config:
        sessions: [{{id: fix-a}}]
{_block(oms, 8)}\
    - id: fix-a
      start: actors.broker.session:BrokerSession
      config: {{sender_comp_id: VIGIL_A, target_comp_id: VENUE, port: 19401, fix_log: false}}
{_block(children, 4)}"""


def _block(text: str, n: int) -> str:
    """YAML lines at any one indent, at n spaces."""
    return _indent(textwrap.dedent(text).strip("\n"), n) if text.strip() else ""
