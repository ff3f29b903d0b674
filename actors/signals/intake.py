"""The signal intake: research processes' signals in, orders of the named strategies out.

Research processes connect a ZeroMQ DEALER (or REQ) socket to the intake's ROUTER on `endpoint` and
send one JSON signal per message (the schema: actors/signals/validation.py, README "External
signals"). Each signal is answered once, with one JSON object on the same socket: refused (with its
reason code and reason) at once; a good one once the OMS has answered its order (accepted, with the
ClOrdID, or denied, with why), or after answer_timeout_s as `sent`. A process that speaks Vigil's
messages may send a vocabulary.signals.SubmitSignal instead; it is answered with a SignalAnswer.

A good signal becomes an order of the strategy it names: a SubmitOrder to the OMS with that strategy,
its book (what its host advertises) and client_id `signal:<id>`. It is logged (an `accepted` event)
before its order is sent, so a restarted intake sends again whatever the OMS has not answered; the OMS
takes an order it has seen under the same strategy and client_id as that order, so neither a restart
nor a signal sent twice makes a second order. A signal sent again under its id is answered as the first
was; the same id with a different signal is refused (`id_reused`).

A target position needs the strategy's position: the intake asks the OMS (GetBookPosition: what is
filled, and the signed leaves of the strategy's open orders in that symbol and book) and orders the
difference between the target and the position its open orders would make. Targets of one strategy and
symbol are worked one at a time: the next one's position is asked only after the order before it was
sent, and the OMS handles the intake's messages in order, so it counts that order as working. Nothing
is cached between two targets, so fills and the strategy's own orders in between count too.

A bad signal is refused, counted per reason and kept (the newest `recent`, with when and why); nothing a
signal says can crash the intake, and it reads at most READ_BURST signals a turn so that heartbeats are
answered during a flood.
"""
from __future__ import annotations

import json
import logging
from collections import deque
from datetime import timedelta
from decimal import Decimal
from typing import Any

from opentelemetry.trace import SpanKind

from actors.signals.config import SignalIntakeConfig
from actors.signals.log import ACCEPTED, DENIED, PENDING, REFUSED, SENT, SETTLED, SignalLog
from actors.signals.validation import Rejection, Signal, SignalRules, StrategyInfo, order_of
from vigil import telemetry
from vigil.component import Component, Refused
from vocabulary import roles
from vocabulary.oms import BookPosition, GetBookPosition
from vocabulary.orders import OrderAccepted, OrderDenied
from vocabulary.signals import (
    CLIENT_ID_PREFIX,
    SIGNAL_ENDPOINT,
    STRATEGY_BOOK,
    STRATEGY_SYMBOLS,
    GetSignals,
    SignalAnswer,
    SignalsStatus,
    SubmitSignal,
)

log = logging.getLogger("vigil.signals")
CHASE = timedelta(milliseconds=250)
READ_BURST = 100
"""Signals read from the socket in one turn; the rest on the next (through the wake-up pipe)."""
MAX_MESSAGE = 1 << 20
"""ZeroMQ drops a peer that sends more in one message (a signal is refused beyond max_bytes already)."""


class SignalIntake(Component):
    role = roles.SIGNALS
    config_class = SignalIntakeConfig
    fast_lane = True  # its orders go to the OMS as a strategy's do
    snapshot_every = 200

    def on_start(self, config: SignalIntakeConfig) -> None:
        self.config = config
        self.rules = SignalRules(config.instruments(self.topology_dir), self._strategy, max_size=config.max_size,
                                 max_position=config.max_position, max_bytes=config.max_bytes)
        self.log = SignalLog(recent=config.recent, remember=config.remember)
        self.endpoint = ""
        # each signal's handling is a consumer span (ZeroMQ), continuing the research process's trace if it sent
        # its traceparent: the order to the OMS goes inside it
        self._span_attrs = {"vigil.actor": self.path, **telemetry.messaging_attributes("zeromq", self.path)}
        self._strategies: dict[str, StrategyInfo] = {}
        self._askers: dict[str, list[tuple[Any, bool, float]]] = {}
        """Signal id -> who waits for its answer: (asker, sent again?, since when)."""
        self._asked: dict[str, float] = {}
        """Signal id -> when its order was last sent, or its position last asked for (monotonic)."""
        self._targets: dict[tuple[str, str, str], deque[str]] = {}
        """(strategy, book, symbol) -> target signals in the order they came; the first one's position is asked."""
        self._socket = self._zmq = self._again = None
        self._in_turn = False
        self._outgoing: list[list[bytes]] = []
        """Answers for the socket, sent at the start or end of the socket's turn: an answer decided inside a
        batch of lane messages leaves only once the batch's events are in Redis (vigil.actor)."""

    # ---- state -------------------------------------------------------------------
    def apply(self, event: Any, seq: int) -> None:
        self.log.apply(event, seq)

    def snapshot(self) -> Any:
        return self.log.snapshot()

    def restore(self, snapshot: Any) -> None:
        self.log.restore(snapshot)

    def on_running(self) -> None:
        if self.runtime.sockets:
            self._listen()
        for record in self.log.outstanding():  # what the intake was doing when it stopped: carry on
            if record["status"] == SENT:
                self._send_order(record)
            else:
                self._queue_target(record)
        self.wakeup_after(CHASE, "chase")

    def on_stop(self) -> None:
        if self._socket is not None:
            self._flush()
            self._socket.close(0)
            self._zmq.term()
            self._again.close()
            self._socket = None

    # ---- the socket ----------------------------------------------------------------
    def _listen(self) -> None:
        import zmq  # here: only a live intake has a socket

        from vigil.wakeup import WakeupPipe

        self._zmq = zmq.Context()
        sock = self._zmq.socket(zmq.ROUTER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE)
        sock.bind(self.config.endpoint)
        self._socket, self._again = sock, WakeupPipe()
        self.endpoint = sock.getsockopt_string(zmq.LAST_ENDPOINT)
        self.advertise(**{SIGNAL_ENDPOINT: self.endpoint})

    def watched_fds(self) -> list[int]:
        if self._socket is None:
            return []
        import zmq

        return [self._socket.getsockopt(zmq.FD), self._again.fd]

    def on_ready_fds(self, fds: list[int]) -> None:
        if self._socket is None:
            return
        import zmq

        if self._again.fd in fds:
            self._again.clear()
        self._flush()
        self._in_turn = True
        try:
            for _ in range(READ_BURST):  # the fd is edge-triggered: read until ZeroMQ says there is no more
                try:
                    frames = self._socket.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    return
                self._take_frames(frames)
            self._again.ring()  # more may wait: another turn, after Thespian's
        finally:
            self._in_turn = False
            self._flush()  # what was decided here is logged already (no batch on this path)

    def _take_frames(self, frames: list[bytes]) -> None:
        """[identity, payload] from a DEALER, [identity, b"", payload] from a REQ: answered the same way."""
        envelope, body = (frames[:2], frames[2:]) if len(frames) >= 3 and frames[1] == b"" else (frames[:1], frames[1:])
        asker = ("zmq", tuple(envelope))
        if len(body) != 1:
            self._refuse(Rejection("malformed", f"a signal is one message frame of JSON, got {len(body)} frames"), asker)
        else:
            self._take(body[0], asker)

    def _answer(self, asker: Any, answer: SignalAnswer) -> None:
        kind, where = asker
        if kind != "zmq":
            self.reply(where, answer)
            return
        if self._socket is None:
            return  # stopped, or restarted since: the research process asks again
        self._outgoing.append([*where, json.dumps(answer.as_dict()).encode()])
        if not self._in_turn:
            self._again.ring()  # sent on the socket's next turn (this one's end sends it otherwise)

    def _flush(self) -> None:
        if not self._outgoing:
            return
        import zmq

        outgoing, self._outgoing = self._outgoing, []
        for frames in outgoing:
            try:
                self._socket.send_multipart(frames, zmq.NOBLOCK)
            except zmq.ZMQError as err:  # the peer is gone, or not reading: it can ask again
                log.info("%s: an answer was not sent: %s", self.path, err)
        if self._socket.getsockopt(zmq.EVENTS) & zmq.POLLIN:
            self._again.ring()  # a send can use up the fd's edge: what arrived meanwhile is read next turn

    # ---- signals in -------------------------------------------------------------------
    def _take(self, raw: bytes, asker: Any) -> None:
        verdict = self.rules.parse(raw)
        traceparent = verdict.traceparent if isinstance(verdict, Signal) else None
        with telemetry.span("signal", traceparent, kind=SpanKind.CONSUMER, **self._span_attrs,
                            **{"messaging.message.id": verdict.id or "", "vigil.signal": verdict.id or ""}) as span:
            self._judge(verdict, asker)
            if isinstance(verdict, Rejection):
                span.set_attribute("signal.refused", verdict.code)

    def _judge(self, verdict: Signal | Rejection, asker: Any) -> None:
        if isinstance(verdict, Rejection):
            self._refuse(verdict, asker)
            return
        first = self.log.records.get(verdict.id)
        if first is not None:
            self._again_under(verdict, first, asker)
            return
        if verdict.side is not None:
            event = {"event": "accepted", "at_ns": self.clock.now_ns(), "id": verdict.id, "terms": verdict.terms(),
                     "order": {"side": verdict.side, "qty": str(verdict.size)}}
        else:
            event = {"event": "accepted", "at_ns": self.clock.now_ns(), "id": verdict.id, "terms": verdict.terms()}
        self.persist(event)  # before its order goes: a restart in between sends it then
        record = self.log.records[verdict.id]
        self._wait(record, asker, again=False)
        if record["status"] == SENT:
            self._send_order(record)
        else:
            self._queue_target(record)

    def _refuse(self, rejection: Rejection, asker: Any) -> None:
        self.persist({"event": "refused", "at_ns": self.clock.now_ns(), "id": rejection.id, "code": rejection.code,
                      "reason": rejection.reason, "fields": rejection.fields})
        self._answer(asker, SignalAnswer(rejection.id, REFUSED, rejection.code, rejection.reason))

    def _again_under(self, signal: Signal, first: dict[str, Any], asker: Any) -> None:
        """A signal under an id already taken: the same signal is answered as the first; another is refused."""
        terms = {k: first.get(k) for k in signal.terms()}
        if terms != signal.terms():
            differs = ", ".join(k for k, v in signal.terms().items() if terms[k] != v)
            self._refuse(Rejection("id_reused", f"id {signal.id!r} was taken by another signal (it differs in "
                                                f"{differs}): a new signal needs a new id", signal.id), asker)
            return
        self.persist({"event": "duplicate", "at_ns": self.clock.now_ns(), "id": signal.id})
        self._wait(first, asker, again=True)

    def _wait(self, record: dict[str, Any], asker: Any, *, again: bool) -> None:
        if record["status"] in SETTLED:
            self._answer(asker, _answer(record, again))
        else:
            self._askers.setdefault(record["id"], []).append((asker, again, self.clock.monotonic()))

    def _settled(self, record: dict[str, Any]) -> None:
        for asker, again, _ in self._askers.pop(record["id"], []):
            self._answer(asker, _answer(record, again))

    # ---- the strategies -----------------------------------------------------------------
    def _strategy(self, name: str) -> StrategyInfo | None:
        """What the strategy's host advertises: its book and symbols (kept once known: a topology's
        strategies and their books do not change during a run)."""
        info = self._strategies.get(name)
        if info is None and name:
            book = self.runtime.advertised(name, STRATEGY_BOOK)
            if book:
                symbols = self.runtime.advertised(name, STRATEGY_SYMBOLS) or ""
                info = self._strategies[name] = StrategyInfo(name, book, frozenset(filter(None, symbols.split(","))))
        return info

    # ---- the OMS -----------------------------------------------------------------------
    def _to_oms(self, msg: Any, sig_id: str) -> None:
        self._asked[sig_id] = self.clock.monotonic()
        try:
            address = self.address_of(self.config.oms)
        except Refused as why:  # not started (yet): asked again after resend_after_s
            log.warning("%s: %s for signal %s not sent: %s", self.path, type(msg).__name__, sig_id, why)
            return
        self.tell(address, msg, on_refused=lambda why: log.warning(
            "%s: %s for signal %s not delivered: %s", self.path, type(msg).__name__, sig_id, why))

    def _send_order(self, record: dict[str, Any]) -> None:
        self._to_oms(order_of(record["id"], record, record["order_side"], record["order_qty"]), record["id"])

    def _queue_target(self, record: dict[str, Any]) -> None:
        queue = self._targets.setdefault((record["strategy"], record["book"], record["symbol"]), deque())
        queue.append(record["id"])
        if len(queue) == 1:
            self._ask_position(record)

    def _ask_position(self, record: dict[str, Any]) -> None:
        self._to_oms(GetBookPosition(record["strategy"], record["book"], record["symbol"], ref=record["id"]),
                     record["id"])

    def _position(self, answer: BookPosition) -> None:
        record = self.log.records.get(answer.ref)
        key = (answer.strategy, answer.account, answer.symbol)
        queue = self._targets.get(key)
        if record is None or record["status"] != PENDING or not queue or queue[0] != answer.ref:
            return  # an answer to a question asked twice, answered already
        position, working = Decimal(answer.qty), Decimal(answer.working)
        verdict = self.rules.target_order(record["id"], record, position, working)
        now = self.clock.now_ns()
        if isinstance(verdict, Rejection):
            self.persist({"event": "target_refused", "at_ns": now, "id": record["id"], "code": verdict.code,
                          "reason": verdict.reason, "position": answer.qty, "working": answer.working})
            self._asked.pop(record["id"], None)
            self._settled(record)
        else:
            side, qty = verdict
            self.persist({"event": "ordered", "at_ns": now, "id": record["id"], "order": {"side": side, "qty": str(qty)},
                          "position": answer.qty, "working": answer.working})
            self._send_order(record)
        queue.popleft()
        if queue:  # the next target of this strategy and symbol: asked after this one's order, so it counts
            self._ask_position(self.log.records[queue[0]])
        else:
            del self._targets[key]

    def _answered(self, client_id: str | None, status: str, cl_ord_id: str | None, reason: str | None) -> None:
        if not client_id or not client_id.startswith(CLIENT_ID_PREFIX):
            return
        record = self.log.records.get(client_id[len(CLIENT_ID_PREFIX):])
        if record is None or record["status"] != SENT:
            return  # an answer to an order sent twice, recorded already
        self.persist({"event": "answered", "at_ns": self.clock.now_ns(), "id": record["id"], "status": status,
                      "cl_ord_id": cl_ord_id, "reason": reason})
        self._asked.pop(record["id"], None)
        self._settled(record)

    # ---- messages and timers -----------------------------------------------------------------
    def on_message(self, msg: Any, sender: Any) -> None:
        if isinstance(msg, OrderAccepted):
            self._answered(msg.client_id, ACCEPTED, msg.cl_ord_id, None)
        elif isinstance(msg, OrderDenied):
            self._answered(msg.client_id, DENIED, None, msg.reason)
        elif isinstance(msg, BookPosition):
            self._position(msg)
        elif isinstance(msg, SubmitSignal):
            self._take(msg.text.encode("utf-8", "surrogatepass"), ("msg", sender))
        elif isinstance(msg, GetSignals):
            self.reply(sender, self.status(msg.limit))
        else:
            super().on_message(msg, sender)

    def on_wakeup(self, payload: Any) -> None:
        if payload != "chase":
            return
        now = self.clock.monotonic()
        for sig_id, since in list(self._asked.items()):
            record = self.log.records.get(sig_id)
            if record is None or record["status"] not in (PENDING, SENT):
                del self._asked[sig_id]
            elif now - since >= self.config.resend_after_s:  # lost with an OMS that restarted, or refused
                if record["status"] == SENT:
                    self._send_order(record)
                else:
                    self._ask_position(record)
        for sig_id, waiting in list(self._askers.items()):  # those not answered in time hear how it stands
            record = self.log.records[sig_id]  # outstanding: still there (settled ones have no askers left)
            late = [w for w in waiting if now - w[2] >= self.config.answer_timeout_s]
            for asker, again, _ in late:
                self._answer(asker, _answer(record, again))
            if len(late) == len(waiting):
                del self._askers[sig_id]
            else:
                self._askers[sig_id] = [w for w in waiting if w not in late]
        self.wakeup_after(CHASE, "chase")

    def status(self, limit: int = 100) -> SignalsStatus:
        counts = self.log.counts()
        recent = list(self.log.recent)[-limit:] if limit else list(self.log.recent)
        return SignalsStatus(intake=self.id, endpoint=self.endpoint, received=counts["received"],
                             accepted=counts["accepted"], refused=counts["refused"], duplicates=counts["duplicates"],
                             pending=counts["pending"], oms=counts["oms"],
                             recent=tuple({k: v for k, v in r.items() if k != "seq"} for r in recent))


def _answer(record: dict[str, Any], again: bool) -> SignalAnswer:
    status = record["status"]
    reason = record.get("reason")
    if status == SENT:
        reason = "logged and sent to the OMS, which has not answered yet: see `vigil signals`"
    elif status == PENDING:
        reason = "waiting for the strategy's position from the OMS: see `vigil signals`"
    client_id = None if status == REFUSED else record.get("client_id")  # a target refused made no order
    return SignalAnswer(record["id"], status, record.get("code"), reason, client_id, record.get("cl_ord_id"), again)
