"""A configured backoff delays a restart; jitter keeps it within its bounds."""
from __future__ import annotations

from tests.support.topologies import supervisor, topology, worker


def _ms(event_id: bytes) -> int:
    return int(event_id.split(b"-")[0])


def test_restart_waits_for_the_backoff(vigil):
    sup = supervisor("sup", [worker("w")], backoff="{min_ms: 400, max_ms: 400, jitter: 0.0}")
    run = vigil(topology([sup])).start()
    old = run.kill("root/sup/w")
    run.wait_running("root/sup/w", not_pid=old)
    entries = run.client.redis.xrange("t:events")
    exited = [_ms(i) for i, f in entries if f[b"what"] == b"exited" and f[b"path"] == b"root/sup/w"]
    restarted = [_ms(i) for i, f in entries if f[b"what"] == b"recovering" and f[b"path"] == b"root/sup/w"]
    assert len(exited) == 1 and len(restarted) == 2
    assert restarted[1] - exited[0] >= 400  # never earlier than the backoff says
