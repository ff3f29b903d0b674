"""External signals over real processes: a research process (this test, with a pyzmq DEALER or REQ socket) sends
signals to the intake in a topology with the simulated venue, the OMS, a broker session, a feed and a strategy
host. A good signal becomes one order of the named strategy in `vigil orders`, sent twice still one; a target
orders what the strategy's position lacks; each bad signal is refused with its reason and counted in `vigil
signals --json`; nothing crashes."""
from __future__ import annotations

import json
from collections import Counter

import pytest
import zmq

from tests.support.harness import wait_for
from vigil.procs import free_port
from vocabulary.oms import GetRouting

STRATEGY = "idle"


def topology(ports: dict[str, int]) -> str:
    return f"""
vigil: {{name: sig, heartbeat: {{interval_ms: 200, timeout_ms: 2000}}}}
root:
  strategy: one_for_one
  intensity: 5
  period: 10
  children:
    - id: venue
      start: venues.actor:SimulatedVenue
      config:
        port: {ports['fix']}
        md_endpoint: tcp://127.0.0.1:{ports['md']}
        clients: [{{comp_id: VIGIL_A}}]
        symbols:
          EURUSD: {{tick_size: 0.00001, lot_size: 1000, reference_price: 1.1}}
        flow: {{seed: 7, rate_per_s: 50}}
    - id: trading
      type: supervisor
      children:
        - id: oms
          start: actors.oms.actor:OrderManager
          config: {{sessions: [{{id: fix-a}}]}}
        - id: fix-a
          start: actors.broker.session:BrokerSession
          config: {{sender_comp_id: VIGIL_A, target_comp_id: VENUE, port: {ports['fix']}, heartbeat_s: 2}}
    - id: market
      type: supervisor
      strategy: rest_for_one
      children:
        - id: feed
          start: actors.feed.actor:Feed
          config: {{primary: "tcp://127.0.0.1:{ports['md']}", symbols: [EURUSD, GBPUSD]}}
        - id: {STRATEGY}
          start: actors.strategy.host:StrategyHost
          config: {{strategy: tests.support.testbed_actors:Idle, symbols: [EURUSD], book: research}}
    - id: signals
      start: actors.signals.intake:SignalIntake
      config: {{endpoint: "tcp://127.0.0.1:{ports['signals']}", max_size: 100000}}
"""


@pytest.fixture
def ports():
    return {"fix": free_port(), "md": free_port(), "signals": free_port()}


@pytest.fixture
def research(ports):
    """A research process's socket to the intake."""
    context = zmq.Context()
    sockets = []

    def connect(kind: int = zmq.DEALER) -> zmq.Socket:
        sock = context.socket(kind)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(f"tcp://127.0.0.1:{ports['signals']}")
        sockets.append(sock)
        return sock
    yield connect
    for sock in sockets:
        sock.close(0)
    context.term()


def ask(sock: zmq.Socket, signal: dict | bytes, timeout_s: float = 10.0) -> dict:
    """Send one signal and wait (with a deadline) for its answer."""
    body = signal if isinstance(signal, bytes) else json.dumps(signal).encode()
    sock.send(body)
    if not sock.poll(timeout_s * 1000):
        raise AssertionError(f"no answer within {timeout_s} s to {body[:80]!r}")
    return json.loads(sock.recv())


def good(id: str, **fields) -> dict:
    return {"id": id, "strategy": STRATEGY, "symbol": "EURUSD", "side": "buy", "size": 2000, "price": 1.0, **fields}


BAD = [
    (b'{"id": "b1", "strategy": "idle", ', "malformed"),
    (good("b2", qty=1000), "unknown_field"),
    ({"id": "b3", "strategy": STRATEGY, "side": "buy", "size": 1000}, "missing_field"),
    (good("b4", strategy="nobody"), "unknown_strategy"),
    (good("b5", strategy="oms"), "unknown_strategy"),
    (good("b6", symbol="ZZZ"), "unknown_symbol"),
    (good("b7", side="hold"), "bad_side"),
    (good("b8", size=10**12), "bad_size"),
    (good("b9", size=-1000), "bad_size"),
    (b'{"id": "b10", "strategy": "idle", "symbol": "EURUSD", "side": "buy", "size": 1000, "price": NaN}', "bad_price"),
    (good("b11", price=-1.0), "bad_price"),
]


def trace_spans(run, trace_id: str) -> dict[str, dict]:
    """The spans of one trace in the run's span file, by name (the first of each)."""
    path = run.run_dir / "spans.jsonl"
    found: dict[str, dict] = {}
    for line in path.read_text().splitlines() if path.exists() else ():
        span = json.loads(line)
        if span["context"]["trace_id"] == f"0x{trace_id}":
            found.setdefault(span["name"], span)
    return found


def orders(run) -> list[dict]:
    result = run.cli("orders", "--json", "--run-dir", str(run.run_dir))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["orders"]


def signals(run) -> dict:
    result = run.cli("signals", "--json", "--limit", "0", "--run-dir", str(run.run_dir))
    assert result.returncode == 0, result.stderr
    [intake] = json.loads(result.stdout)["intakes"]
    return intake


def routing(run) -> None:
    """Until the OMS routes orders (its session logged on and reconciled): an order before is denied."""
    wait_for(lambda: all(r["up"] for r in run.client.ask("root/trading/oms", GetRouting()).rows), timeout=20,
             what="fix-a logged on and reconciled")


def test_signals_become_orders_of_the_strategy_once_and_bad_ones_are_refused_and_counted(vigil, ports, research):
    run = vigil(topology(ports)).start()
    routing(run)
    sock = research()

    research_trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    answer = ask(sock, good("g1", traceparent=f"00-{research_trace}-00f067aa0ba902b7-01"))
    assert (answer["status"], answer["client_id"]) == ("accepted", "signal:g1") and answer["cl_ord_id"]
    hops = {"signal", "SubmitOrder", "NewOrderSingle"}  # each process writes its spans in its own time
    def whole() -> dict | None:
        found = trace_spans(run, research_trace)
        return found if hops <= set(found) else None
    story = wait_for(whole, timeout=10, what="the signal's trace reaching the FIX session")
    assert story["signal"]["parent_id"] == "0x00f067aa0ba902b7" and story["signal"]["kind"] == "SpanKind.CONSUMER"
    assert story["signal"]["attributes"]["messaging.message.id"] == "g1"
    assert story["SubmitOrder"]["parent_id"] == story["signal"]["context"]["span_id"]
    assert story["SubmitOrder"]["attributes"]["messaging.system"] in ("thespian", "zeromq")
    again = ask(sock, good("g1"))
    assert (again["status"], again["cl_ord_id"], again["duplicate"]) == ("accepted", answer["cl_ord_id"], True)
    mine = [o for o in orders(run) if o["client_id"] == "signal:g1"]
    assert len(mine) == 1  # sent twice, one order
    assert (mine[0]["strategy"], mine[0]["account"], mine[0]["side"], mine[0]["qty"]) == \
        (STRATEGY, "research", "Buy", "2000")
    wait_for(lambda: [o for o in orders(run) if o["client_id"] == "signal:g1"][0]["status"] == "New",
             what="the signal's order resting at the venue")

    target = ask(research(zmq.REQ), {"id": "t1", "strategy": STRATEGY, "symbol": "EURUSD", "target": -1000,
                                     "price": "1.2"})
    assert target["status"] == "accepted"  # -1000 from 0 filled and +2000 working: a sell of 3000
    [sell] = [o for o in orders(run) if o["client_id"] == "signal:t1"]
    assert (sell["side"], sell["qty"], sell["strategy"]) == ("Sell", "3000", STRATEGY)

    refused = Counter()
    for signal, code in BAD + [({"id": "t2", "strategy": STRATEGY, "symbol": "EURUSD", "target": -1000},
                                "no_order_needed")]:
        answer = ask(sock, signal)
        assert (answer["status"], answer["code"]) == ("refused", code), answer
        assert answer["reason"]
        refused[code] += 1
    assert ask(sock, good("g1", size=5000))["code"] == "id_reused"
    refused["id_reused"] += 1

    status = signals(run)
    assert status["endpoint"] == f"tcp://127.0.0.1:{ports['signals']}"
    assert status["refused"] == dict(refused)
    assert (status["received"], status["accepted"], status["duplicates"]) == (len(BAD) + 5, 2, 1)
    assert status["oms"] == {"accepted": 2, "denied": 0, "unanswered": 0}
    by_id = {}
    for row in status["recent"]:
        by_id.setdefault(row["id"], []).append(row)
    assert by_id["b7"][0]["reason"] == 'side must be "buy" or "sell", got "hold"' and by_id["b7"][0]["at"]
    assert by_id["t1"][0]["cl_ord_id"] == sell["cl_ord_id"]
    assert len([o for o in orders(run) if o["client_id"].startswith("signal:")]) == 2

    table = run.cli("signals", "--run-dir", str(run.run_dir))
    assert table.returncode == 0 and "bad_side 1" in table.stdout and "target -1000: sell 3000" in table.stdout

    status = json.loads(run.cli("status", "--json", "--run-dir", str(run.run_dir)).stdout)
    assert all(a["state"] == "running" and a["restarts"] == 0 for a in status["actors"]), status["actors"]
    assert not (run.run_dir / "crashes.log").exists()


def test_a_restarted_intake_neither_loses_nor_repeats_a_signal(vigil, ports, research):
    run = vigil(topology(ports)).start()
    routing(run)
    sock = research()
    assert ask(sock, good("k1"))["status"] == "accepted"
    old = run.kill("root/signals")
    run.wait_running("root/signals", not_pid=old)
    sock = research()  # a new connection: the research process carries on
    again = ask(sock, good("k1"))
    assert again["status"] == "accepted" and again["duplicate"]  # remembered across the restart
    assert ask(sock, good("k2"))["status"] == "accepted"
    assert sorted(o["client_id"] for o in orders(run) if o["client_id"].startswith("signal:")) == \
        ["signal:k1", "signal:k2"]
    status = signals(run)
    assert (status["accepted"], status["duplicates"]) == (2, 1)
