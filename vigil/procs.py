"""Operating-system process helpers: free ports, parent-death signals, leftovers.

Every process of one Vigil run is started with VIGIL_RUN_ID in its
environment (actor processes are forked, so they inherit it). /proc shows
the environment a process started with, which lets `vigil down` and the
tests find any process of a run that escaped its supervisor.
"""
from __future__ import annotations

import ctypes
import os
import random
import signal
import socket
import time
from pathlib import Path

RUN_ID_VAR = "VIGIL_RUN_ID"
_PR_SET_PDEATHSIG = 1


# Ports handed out by this process, so two calls never return the same one.
_handed_out: set[int] = set()
# Below the kernel's ephemeral range nobody's outbound connection (or
# Thespian's port-0 listeners) can take a port between our pick and the bind.
_FALLBACK_LOW = 20000


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now.

    Picked at random below the ephemeral range: a port the kernel hands out
    for port-0 binds or outbound connections could be taken by another
    process between this pick and the caller's own bind.
    """
    high = _ephemeral_low() - 1
    low = min(_FALLBACK_LOW, high - 1000)
    if low < 10000:  # an unusual range: let the kernel choose
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randint(low, high)
        if port in _handed_out or port_in_use(port, reuse=False):
            continue
        _handed_out.add(port)
        return port
    raise OSError(f"no free TCP port found between {low} and {high}")


def port_in_use(port: int, reuse: bool = True) -> bool:
    """True when `port` cannot be bound; `reuse=False` also counts TIME_WAIT."""
    with socket.socket() as s:
        if reuse:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            return True
    return False


def set_pdeathsig() -> None:
    """Ask Linux to SIGKILL this process when its parent dies: no orphans."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass  # not Linux: `vigil down` still sweeps leftovers by run id


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is dead for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return True


def processes_of_run(run_id: str) -> list[int]:
    """Pids of live processes started with VIGIL_RUN_ID=run_id."""
    marker = f"{RUN_ID_VAR}={run_id}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            env = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in env.split(b"\0") and pid_alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def kill_and_wait(pids: list[int], timeout: float = 5.0) -> list[int]:
    """SIGKILL each pid and wait until gone; returns those still alive at the deadline."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    alive = [p for p in pids if pid_alive(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.01)
        alive = [p for p in alive if pid_alive(p)]
    return alive


def describe(pid: int) -> str:
    """pid, parent and state, for logs about stray processes."""
    try:
        status = dict(line.split(":\t", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                      if ":\t" in line)
        return (f"{pid} (parent {status.get('PPid', '?').strip()}, {status.get('State', '?').strip()}, "
                f"{status.get('Threads', '?').strip()} threads)")
    except OSError:
        return str(pid)
