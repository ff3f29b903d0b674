"""free_port hands out ports no other process can grab before the caller binds."""
import socket

from vigil import procs
from vigil.procs import _ephemeral_low, free_port


def test_ports_are_distinct_bindable_and_outside_the_ephemeral_range():
    ports = [free_port() for _ in range(300)]
    assert len(set(ports)) == len(ports)
    assert all(p < _ephemeral_low() for p in ports)
    for port in ports[:20]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))


def test_a_port_someone_else_holds_is_never_handed_out(monkeypatch):
    # Shrink the range to 20000-20999 and hold every even port in it: a pick
    # that did not check would land on a held port about half the time.
    monkeypatch.setattr(procs, "_ephemeral_low", lambda: 21000)
    monkeypatch.setattr(procs, "_handed_out", set())
    held = []
    try:
        for port in range(20000, 21000, 2):
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                s.close()  # already held by something else: just as good
                continue
            held.append(s)
        picks = [procs.free_port() for _ in range(200)]
        assert all(p % 2 == 1 for p in picks), picks
    finally:
        for s in held:
            s.close()
