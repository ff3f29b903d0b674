"""Market-data feeds end to end: a real feed actor on the simulated venue's two market-data lines
(or on a publisher the test controls), validating, quarantining, failing over and back."""
from __future__ import annotations

import json
import math
import time
from datetime import datetime, timezone

import pytest
import zmq

from actors.feed.recording import read_csv_quotes
from tests.support.harness import wait_for
from tests.support.market_files import corrupted_copy, eurusd_quotes, write_usdjpy_day
from vigil.procs import free_port
from vocabulary.feeds import GetFeedStatus
from vocabulary.market_data import QUOTE, Quote, Trade, decode, encode
from vocabulary.venue import VenueCommand

FEED = "root/market/feed"


def feed_topology(primary: str, backup: str | None = None, venue: dict | None = None, failback: str = "auto",
                  stale_ms: int = 400, extra: str = "") -> str:
    venue_node = ""
    if venue:
        venue_node = f"""
    - id: venue
      start: venues.actor:SimulatedVenue
      config:
        port: {venue['fix']}
        md_endpoint: "{primary}"
        md_backup_endpoint: "{backup}"
        clients: [{{comp_id: VIGIL_A}}]
        symbols: {{EURUSD: {{tick_size: 0.00001, lot_size: 1000, reference_price: 1.1}}}}
        flow: {{seed: 11, rate_per_s: 400}}"""
    backup_line = f'\n            backup: "{backup}"' if backup else ""
    return f"""
vigil: {{name: feeds}}
root:
  strategy: one_for_one
  children:{venue_node}
    - id: market
      type: supervisor
      children:
        - id: feed
          start: actors.feed.actor:Feed
          config:
            primary: "{primary}"{backup_line}
            symbols: [EURUSD]
            failover: {{stale_ms: {stale_ms}, healthy_for_s: 1.0, failback: {failback}, bad_min: 10, bad_rate: 0.3}}
            {extra}
"""


def status(run) -> GetFeedStatus:
    return run.client.ask(FEED, GetFeedStatus())


class Tap:
    """Reads everything a feed publishes, undecoded order kept: what a strategy would see."""

    def __init__(self, endpoint: str) -> None:
        self._ctx = zmq.Context()
        self._sock = self._ctx.socket(zmq.SUB)
        self._sock.setsockopt(zmq.SUBSCRIBE, b"")
        self._sock.setsockopt(zmq.LINGER, 0)
        self._sock.connect(endpoint)
        self.messages: list[Quote | Trade] = []

    def read(self) -> list[Quote | Trade]:
        while self._sock.poll(0):
            topic, payload = self._sock.recv_multipart()[:2]  # a third frame: the feed's traceparent
            if topic[:1] == b"q":  # a batch (actors/feed/batch.py): its quotes one by one
                self.messages += [Quote(topic[1:].decode(), *r) for r in QUOTE.iter_unpack(payload)]
            else:
                self.messages.append(decode([topic, payload]))
        return self.messages

    def close(self) -> None:
        self._sock.close(0)
        self._ctx.term()


@pytest.fixture
def tap():
    taps: list[Tap] = []

    def make(run) -> Tap:
        endpoint = wait_for(lambda: run.client.registry.get(FEED).get("md"), what="the feed's publish endpoint")
        taps.append(Tap(endpoint))
        return taps[-1]
    yield make
    for t in taps:
        t.close()


def assert_one_clean_stream(messages: list[Quote | Trade]) -> None:
    seqs = [m.seq for m in messages if m.symbol == "EURUSD"]
    assert seqs, "nothing delivered"
    repeated = [b for a, b in zip(seqs, seqs[1:]) if b <= a]
    assert not repeated, f"sequence numbers repeated or went back: {repeated[:5]}"


def test_failover_to_the_backup_line_when_the_primary_goes_silent_and_back_when_it_is_healthy(vigil, tap):
    primary, backup = f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}"
    run = vigil(feed_topology(primary, backup, venue={"fix": free_port()})).start()
    reader = tap(run)
    wait_for(lambda: len(reader.read()) > 20, what="quotes from the venue through the feed")
    assert status(run).active == "primary" and status(run).quarantined == {}

    run.client.ask("root/venue", VenueCommand("md_silent", {"line": "primary"}))
    switched = wait_for(lambda: (s := status(run)).active == "backup" and s, what="a switch to the backup")
    assert switched.failovers == 1 and "stale" in switched.last_switch
    events = run.events("feed_switch")
    assert events and events[-1]["to"] == "backup" and "stale" in events[-1]["reason"]
    flowing = len(reader.read())
    wait_for(lambda: len(reader.read()) > flowing + 20, what="quotes from the backup line")

    run.client.ask("root/venue", VenueCommand("md_silent", {"line": "primary", "on": False}))
    back = wait_for(lambda: (s := status(run)).active == "primary" and s, timeout=20, what="failback to primary")
    assert back.failovers == 2 and "failback" in back.last_switch
    flowing = len(reader.read())
    wait_for(lambda: len(reader.read()) > flowing + 20, what="quotes from the primary again")
    assert_one_clean_stream(reader.read())
    assert status(run).quarantined == {}, "the venue's own quotes are clean"


def test_switch_by_hand_stays_put_with_manual_failback_and_survives_a_restart(vigil, tap):
    primary, backup = f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}"
    run = vigil(feed_topology(primary, backup, venue={"fix": free_port()}, failback="manual")).start()
    reader = tap(run)
    wait_for(lambda: len(reader.read()) > 10, what="quotes through the feed")

    out = run.cli("feed", "switch", "feed", "--to", "backup", "--run-dir", str(run.run_dir))
    assert out.returncode == 0 and "switched to its backup" in out.stdout, out.stderr
    old = run.kill(FEED)
    run.wait_running(FEED, not_pid=old)
    assert status(run).active == "backup", "a switch by hand is durable"
    wait_for(lambda: status(run).delivered > 0, what="delivery after the restart")

    feeds = json.loads(run.cli("feeds", "--json", "--run-dir", str(run.run_dir)).stdout)["feeds"]
    assert feeds[0]["active"] == "backup" and feeds[0]["sources"]["backup"] == backup

    bad = run.cli("feed", "switch", "nosuch", "--to", "primary", "--run-dir", str(run.run_dir))
    assert bad.returncode == 1 and "no feed 'nosuch'" in bad.stderr
    bad = run.cli("feed", "switch", "feed", "--to", "sideways", "--run-dir", str(run.run_dir))
    assert bad.returncode == 2 and "sideways" in bad.stderr


def good_quote(seq: int, now_ns: int, bid: float = 1.10000) -> list[bytes]:
    return encode(Quote("EURUSD", seq, now_ns, bid, 1e6, round(bid + 0.00002, 5), 1e6))


def test_bad_messages_are_quarantined_with_their_bytes_never_delivered_and_a_storm_degrades_the_feed(vigil, tap):
    ctx = zmq.Context()
    pub = ctx.socket(zmq.PUB)
    port = pub.bind_to_random_port("tcp://127.0.0.1")
    try:
        run = vigil(feed_topology(f"tcp://127.0.0.1:{port}", stale_ms=600_000)).start()
        reader = tap(run)
        seq = 0

        def publish(frames):
            pub.send_multipart(frames)

        def probe():  # PUB/SUB joins late: publish good quotes until one comes through
            nonlocal seq
            seq += 1
            publish(good_quote(seq, time.time_ns()))
            return reader.read()
        wait_for(probe, what="the feed to subscribe")
        for _ in range(60):  # enough good ones that six bad ones are no storm yet (bad_rate 0.3)
            seq += 1
            publish(good_quote(seq, time.time_ns()))
        wait_for(lambda: any(m.seq == seq for m in reader.read()), what="the good quotes")
        now = time.time_ns()
        corrupt = {
            "non_positive": encode(Quote("EURUSD", seq + 1, now, -1.1, 1e6, 1.10002, 1e6)),
            "non_finite": encode(Quote("EURUSD", seq + 2, now, math.nan, 1e6, 1.10002, 1e6)),
            "crossed": encode(Quote("EURUSD", seq + 3, now, 1.10010, 1e6, 1.10000, 1e6)),
            "unparseable": [b"QEURUSD", b"\x00garbage"],
            "unknown_symbol": encode(Trade("XXXYYY", 1, now, 1.0, 5.0, 1)),
            "price_band": encode(Quote("EURUSD", seq + 4, now, 2.2, 1e6, 2.20002, 1e6)),
        }
        for frames in corrupt.values():
            publish(frames)
        publish(good_quote(seq + 5, now))
        wait_for(lambda: any(m.seq == seq + 5 for m in reader.read()), what="the good quote after the bad ones")
        assert all(m.bid_px > 0 and m.bid_px < m.ask_px and m.symbol == "EURUSD" for m in reader.read())

        shown = json.loads(run.cli("quarantine", "feed", "--json", "--run-dir", str(run.run_dir)).stdout)
        by_rule = {m["rule"]: m for m in shown["messages"]}
        assert set(by_rule) == set(corrupt)
        for rule, frames in corrupt.items():
            assert by_rule[rule]["raw_hex"] == [f.hex() for f in frames], rule
        assert "EURUSD" in by_rule["crossed"]["reason"] and "garbage" not in by_rule["unparseable"]["reason"]
        assert status(run).quarantined == dict.fromkeys(corrupt, 1)
        assert status(run).state == "running"

        storm = 0

        def bad_storm():  # every message bad, until the bad ones outweigh the good ones of the window
            nonlocal storm
            for _ in range(50):
                storm += 1
                publish(encode(Quote("EURUSD", seq + 5 + storm, time.time_ns(), -1.0, 1e6, 1.1, 1e6)))
            return status(run).state == "degraded"
        wait_for(bad_storm, what="the feed to degrade")
        alerts = run.events("alert")
        assert alerts and "bad_storm" in alerts[-1]["reason"] and alerts[-1]["feed"] == "feed"
        assert {a["path"]: a["state"] for a in run.client.actors()}[FEED] == "degraded"

        wait_for(lambda: status(run).quarantined["non_positive"] == storm + 1, what="every bad message counted")
        table = run.cli("feeds", "--run-dir", str(run.run_dir))
        assert table.returncode == 0 and "degraded" in table.stdout and f"non_positive {storm + 1}" in table.stdout
    finally:
        pub.close(0)
        ctx.term()


def test_vigil_quarantine_shows_each_message_decoded_where_its_frames_decode_batched_ones_too(vigil, tap):
    import numpy as np

    from vocabulary.market_batch import QUOTES, encode_batch

    ctx = zmq.Context()
    pub = ctx.socket(zmq.PUB)
    port = pub.bind_to_random_port("tcp://127.0.0.1")
    try:
        run = vigil(feed_topology(f"tcp://127.0.0.1:{port}", stale_ms=600_000)).start()
        reader = tap(run)
        seq = 0

        def probe():
            nonlocal seq
            seq += 1
            pub.send_multipart(good_quote(seq, time.time_ns()))
            return reader.read()
        wait_for(probe, what="the feed to subscribe")
        now = time.time_ns()
        records = np.array([(seq + 2, now, 1.10000, 1e6, 1.10002, 1e6), (seq + 3, now, 1.10010, 2e6, 1.10000, 3e6),
                            (seq + 4, now, 1.10001, 1e6, 1.10003, 1e6)], dtype=QUOTES)
        sent = {
            "crossed": encode(Quote("EURUSD", seq + 1, now, 1.10010, 1e6, 1.10000, 5e5)),
            "batched crossed": encode_batch("EURUSD", records),  # its second record is bad
            "non_finite": encode(Quote("EURUSD", seq + 5, now, math.nan, 1e6, 1.10002, 1e6)),
            "unknown_symbol": encode(Trade("XXXYYY", 7, now, 1.5, 5.0, -1)),
            "unknown batch": encode_batch("ZZZ", records[:2]),
            "unparseable": [b"QEURUSD", b"\x00garbage"],
            "cut batch": [b"qEURUSD", records.tobytes()[:50]],
        }
        for frames in sent.values():
            pub.send_multipart(frames)
        pub.send_multipart(good_quote(seq + 6, now))
        wait_for(lambda: any(m.seq == seq + 6 for m in reader.read()), what="the good quote after the bad ones")
        shown = wait_for(lambda: len(m := quarantined_messages(run)) == 7 and m, what="every bad one in quarantine")
        at = datetime.fromtimestamp(now // 10**9, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        iso = f"{at}.{now % 10**9:09d}Z"

        crossed, batched, nan, unknown, unknown_batch, garbage, cut = shown
        assert crossed["rule"] == "crossed" and crossed["raw_hex"] == [f.hex() for f in sent["crossed"]]
        assert crossed["decoded"] == {"kind": "quote", "symbol": "EURUSD", "seq": seq + 1, "ts_ns": now, "ts": iso,
                                      "bid_px": 1.1001, "bid_qty": 1e6, "ask_px": 1.1, "ask_qty": 5e5}
        assert crossed["decode_error"] is None
        assert batched["rule"] == "crossed" and batched["decoded"] == {
            "kind": "quote", "batched": True, "symbol": "EURUSD", "seq": seq + 3, "ts_ns": now, "ts": iso,
            "bid_px": 1.1001, "bid_qty": 2e6, "ask_px": 1.1, "ask_qty": 3e6}
        assert nan["rule"] == "non_finite" and nan["decoded"]["bid_px"] == "nan"  # JSON has no NaN
        assert unknown["rule"] == "unknown_symbol" and unknown["decoded"] == {
            "kind": "trade", "symbol": "XXXYYY", "seq": 7, "ts_ns": now, "ts": iso, "px": 1.5, "qty": 5.0,
            "aggressor": -1}
        assert unknown_batch["rule"] == "unknown_symbol" and unknown_batch["decoded"]["kind"] == "quote_batch"
        assert [q["seq"] for q in unknown_batch["decoded"]["quotes"]] == [seq + 2, seq + 3]
        for entry, rule in ((garbage, "unparseable"), (cut, "unparseable")):
            assert entry["rule"] == rule and entry["decoded"] is None, entry
            assert entry["decode_error"] and entry["raw_hex"], entry
        assert "8-byte payload" in garbage["decode_error"] and "50 bytes" in cut["decode_error"]

        table = run.cli("quarantine", "feed", "--run-dir", str(run.run_dir))
        assert table.returncode == 0, table.stderr
        lines = table.stdout.splitlines()
        assert "MESSAGE" in lines[0] and "RAW (hex)" in lines[0]
        assert f"EURUSD #{seq + 1} 1.1001/1.1" in lines[1]
        assert f"EURUSD #{seq + 3} 1.1001/1.1 (batched)" in lines[2]
        assert "XXXYYY #7 trade 1.5 x 5" in lines[4]
        assert "ZZZ batch of 2" in lines[5]
        assert "does not decode" in lines[6] and "does not decode" in lines[7]
    finally:
        pub.close(0)
        ctx.term()


def test_a_feed_with_a_bad_config_does_not_start_and_says_what_is_wrong(vigil):
    run = vigil(feed_topology(f"tcp://127.0.0.1:{free_port()}", extra="validation: {band_pct: -3}"))
    out = run.up()
    assert out.returncode == 2 and "root/market/feed: config.validation.band_pct: must be > 0, got -3" in out.stderr


# ---- a feed on a recorded file --------------------------------------------------------------------

def file_feed_topology(primary: str, symbols: str = "[EURUSD]", extra: str = "") -> str:
    return f"""
vigil: {{name: feeds}}
root:
  strategy: one_for_one
  children:
    - id: market
      type: supervisor
      children:
        - id: feed
          start: actors.feed.actor:Feed
          config:
            primary: {primary}
            symbols: {symbols}
            {extra}
"""


def quarantined_messages(run) -> list[dict]:
    out = run.cli("quarantine", "feed", "--json", "--limit", "0", "--run-dir", str(run.run_dir))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["messages"]


def test_a_feed_replays_the_shared_eurusd_day_from_its_file_clean_on_the_recorded_clock(vigil, tap):
    """2020 quotes, judged on the wall clock, would all be stale_ts: on the recording's clock none is."""
    path = eurusd_quotes()
    run = vigil(file_feed_topology(f'{{file: "{path}", speed: max, symbol: EURUSD}}')).start()
    reader = tap(run)  # the feed plays the file once its first subscriber is in
    done = wait_for(lambda: (s := status(run)).source_state == "finished" and s, timeout=60, what="the whole file")
    expected = [decode(f.parts) for f in read_csv_quotes(path, "EURUSD")]
    wait_for(lambda: len(reader.read()) >= len(expected), what="every quote at the subscriber")
    assert reader.read() == expected  # every quote, in order, as the file has it
    assert (done.read, done.delivered, done.quarantined, done.gaps) == (9_500, 9_500, {}, 0)
    assert done.state == "running" and done.sources["primary"].endswith("as fast as possible")
    table = run.cli("feeds", "--run-dir", str(run.run_dir)).stdout
    assert "finished (9500 read, at 2020-01-01T23:00:52.125Z)" in table, table
    assert run.events("replay_finished")[-1]["read"] == "9500"


def test_corruption_injected_into_the_shared_day_is_quarantined_line_by_line_with_its_bytes(vigil, tap, tmp_path):
    corrupt = tmp_path / "corrupt.csv"
    injected = corrupted_copy(eurusd_quotes(), corrupt)
    run = vigil(file_feed_topology(f'{{file: "{corrupt}", speed: max, symbol: EURUSD}}',
                                   extra="failover: {bad_min: 1000000}")).start()
    reader = tap(run)
    done = wait_for(lambda: (s := status(run)).source_state == "finished" and s, timeout=60, what="the whole file")
    frames = list(read_csv_quotes(corrupt, "EURUSD"))
    bad = {i.line: i for i in injected if i.rule}
    good = [decode(f.parts) for seq, f in enumerate(frames, start=1) if seq not in bad]
    wait_for(lambda: len(reader.read()) >= len(good), what="every good quote at the subscriber")
    assert reader.read() == good  # the repeated line too: a CSV numbers lines, so it is no duplicate

    shown = quarantined_messages(run)
    assert [m["rule"] for m in shown] == [i.rule for i in bad.values()]
    for message, (line, i) in zip(shown, bad.items()):
        assert message["raw_hex"] == [part.hex() for part in frames[line - 1].parts], i
        if i.rule == "unparseable":
            assert bytes.fromhex(message["raw_hex"][1]) == i.text.encode()  # the line itself
            assert message["decoded"] is None and "neither a quote nor a trade" in message["decode_error"]
        else:
            assert "EURUSD" in message["reason"], message
            stamp, bid, ask, _ = i.text.split(",")
            decoded = message["decoded"]
            assert (decoded["symbol"], decoded["seq"], decoded["bid_px"], decoded["ask_px"]) == (
                "EURUSD", line, float(bid), float(ask)), message
            d, t = stamp.split()  # HistData's yyyymmdd hhmmssmmm, read as UTC
            assert decoded["ts"] == f"{d[:4]}-{d[4:6]}-{d[6:]}T{t[:2]}:{t[2:4]}:{t[4:6]}.{t[6:]}000000Z", message
    assert done.quarantined == {i.rule: 1 for i in bad.values()}
    assert done.delivered == len(good) and done.read == len(frames)


def test_a_paced_file_feed_waits_for_its_subscriber_then_plays_at_recorded_speed(vigil, tap, tmp_path):
    rows = [f"20200101 1700{i // 10:02d}{i % 10}00,1.12120,1.12130,0" for i in range(16)]  # 1.5 s, 100 ms apart
    (tmp_path / "q.csv").write_text("\n".join(rows) + "\n")
    run = vigil(file_feed_topology(f'{{file: "{tmp_path / "q.csv"}", speed: 1, symbol: EURUSD}}')).start()
    waiting = status(run)
    assert (waiting.source_state, waiting.read, waiting.delivered) == ("waiting", 0, 0)
    reader = tap(run)
    arrivals: list[float] = []
    states = set()

    def all_in() -> bool:
        before = len(reader.messages)
        arrivals.extend([time.monotonic()] * (len(reader.read()) - before))
        states.add(status(run).source_state)
        return len(reader.messages) == len(rows)
    wait_for(all_in, timeout=20, what="the paced quotes")
    assert arrivals[-1] - arrivals[0] >= 1.2, "1.5 s of quotes at 1x came faster than recorded"
    assert "replaying" in states
    done = wait_for(lambda: (s := status(run)).source_state == "finished" and s, what="the end of the file")
    assert done.read == len(rows) and done.quarantined == {}
    assert done.recorded_time_ns == 1_577_898_001_500_000_000  # 2020-01-01 17:00:01.500, the last stamp


def test_a_split_in_the_corporate_actions_file_rescales_a_file_feeds_band(vigil, tap, tmp_path):
    stamps = [f"20200101 1700{s:02d}000" for s in range(10)]
    prices = ["100.00,100.02"] * 5 + ["50.00,50.01", "50.01,50.02", "100.00,100.02", "50.02,50.03", "50.00,50.02"]
    (tmp_path / "acme.csv").write_text("".join(f"{t},{p},0\n" for t, p in zip(stamps, prices)))
    (tmp_path / "actions.yaml").write_text(
        "actions:\n  - {id: ACME-split, symbol: ACME, type: split, ratio: '2:1', effective: 2020-01-01T17:00:05Z}\n"
        "  - {id: GBP-div, symbol: GBPUSD, type: dividend, amount: 0.01, effective: 2020-01-01T17:00:05Z}\n")
    run = vigil(file_feed_topology(f'{{file: "{tmp_path / "acme.csv"}", speed: max, symbol: ACME}}',
                                   symbols="[ACME]", extra=f'corporate_actions: "{tmp_path / "actions.yaml"}"')).start()
    reader = tap(run)
    done = wait_for(lambda: (s := status(run)).source_state == "finished" and s, what="the whole file")
    assert done.quarantined == {"price_band": 1}  # the old price after the split; the new ones are no jump
    wait_for(lambda: len(reader.read()) == 9, what="the good quotes")
    assert [m.seq for m in reader.read()] == [1, 2, 3, 4, 5, 6, 7, 9, 10]
    event = run.events("corporate_action")[-1]
    assert (event["action"], event["symbol"], event["band"]) == ("ACME-split", "ACME", "rescaled")


def test_a_usdjpy_day_from_years_ago_is_delivered_though_the_symbol_master_says_150(vigil, tap, tmp_path):
    """A 2019 day around 108.5 against the master's reference_price of today, 150: the first 20 agreeing
    quotes (validation.adopt_after, its default) replace the master's price; the 20th and every one after
    it reach the strategy side, the 19 before stay in quarantine, and an alert names the prices."""
    rows = write_usdjpy_day(tmp_path / "usdjpy-20190806.csv", n=2_000)
    run = vigil(file_feed_topology(f'{{file: "{tmp_path / "usdjpy-20190806.csv"}", speed: max, symbol: USDJPY}}',
                                   symbols="[USDJPY]")).start()
    reader = tap(run)
    done = wait_for(lambda: (s := status(run)).source_state == "finished" and s, timeout=60, what="the whole file")
    assert (done.delivered, done.quarantined) == (len(rows) - 19, {"price_band": 19})
    wait_for(lambda: len(reader.read()) >= len(rows) - 19, what="the quotes at the subscriber")
    assert [(m.seq, m.bid_px, m.ask_px) for m in reader.read()] == [
        (seq, bid, ask) for seq, (_, bid, ask) in enumerate(rows, start=1) if seq >= 20]
    shown = quarantined_messages(run)
    assert len(shown) == 19 and all("symbol master's reference_price" in m["reason"] for m in shown)

    [alert] = [e for e in run.events("alert") if e.get("symbol") == "USDJPY"]
    assert (alert["feed"], alert["source"], alert["configured"]) == ("feed", "primary", "150.0")
    mids = [(bid + ask) / 2 for _, bid, ask in rows[:20]]
    assert min(mids) <= float(alert["observed"]) <= max(mids)
    assert alert["reason"].startswith("reference_adopted: ") and "150" in alert["reason"]


def test_with_locked_deliver_a_feed_delivers_the_locked_quotes_of_real_fx_data_and_still_quarantines_crossed(
        vigil, tap, tmp_path):
    """Aggregated FX quotes are locked (bid = ask) now and then: with validation.locked: deliver they reach
    the strategy side like any good quote; a crossed one does not."""
    prices = ["1.12120,1.12130", "1.12125,1.12125", "1.12126,1.12131", "1.12130,1.12130", "1.12131,1.12130",
              "1.12128,1.12133", "1.12133,1.12133", "1.12130,1.12135"]
    (tmp_path / "q.csv").write_text("".join(f"20200101 1700{i:02d}000,{p},0\n" for i, p in enumerate(prices)))
    run = vigil(file_feed_topology(f'{{file: "{tmp_path / "q.csv"}", speed: max, symbol: EURUSD}}',
                                   extra="validation: {locked: deliver}")).start()
    reader = tap(run)
    done = wait_for(lambda: (s := status(run)).source_state == "finished" and s, what="the whole file")
    assert (done.delivered, done.quarantined) == (7, {"crossed": 1})
    wait_for(lambda: len(reader.read()) == 7, what="the good quotes")
    assert [m.seq for m in reader.read()] == [1, 2, 3, 4, 6, 7, 8]
    assert [m.seq for m in reader.read() if m.bid_px == m.ask_px] == [2, 4, 7]
    assert [m["rule"] for m in quarantined_messages(run)] == ["crossed"]


@pytest.mark.parametrize("primary, extra, says", [
    ('{file: nowhere.csv, symbol: EURUSD}', "", "root/market/feed: config.primary.file: no such file {dir}/nowhere.csv"),
    ('{file: q.csv, symbol: EURUSD, speed: fast}', "", "root/market/feed: config.primary.speed: unknown value 'fast'; "
                                                       "allowed: a number or max"),
    ('{file: q.csv, symbol: EURUSD}', 'backup: "tcp://127.0.0.1:1"',
     "root/market/feed: config.backup: a feed replaying a file has no backup"),
    ('"tcp://127.0.0.1:1"', "corporate_actions: nowhere.yaml", "root/market/feed: config.corporate_actions: corporate "
                                                                 "actions {dir}/nowhere.yaml: No such file"),
], ids=["missing-file", "bad-speed", "file-with-backup", "missing-actions-file"])
def test_a_file_feed_with_a_bad_config_does_not_start_and_names_the_setting(vigil, primary, extra, says):
    run = vigil(file_feed_topology(primary, extra=extra))
    (run.topology.parent / "q.csv").write_text("20200101 170000000,1.12120,1.12130,0\n")
    out = run.up()
    assert out.returncode == 2 and says.format(dir=run.topology.parent) in out.stderr, out.stderr
