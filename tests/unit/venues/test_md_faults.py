"""Market-data faults of the venue's publisher (VenueCommand md_corrupt, md_gap), as a feed sees them:
each corrupted message is rejected by the feed's own Validator under the rule its kind names, on both
lines, and makes no gap; md_gap makes a gap of exactly n.

The venue publishes what its book does (orders over a real FIX session) on two ZeroMQ lines on free
ports. One venue for the module (each takes seconds to stop), each test in a symbol of its own.
"""
from __future__ import annotations

import time

import pytest

from actors.feed.validation import RULES, Validator
from tests.unit.venues.test_md_lines import _endpoint, _join, _subscribers, _take
from tests.unit.venues.test_venue_bulk_work import Inbox, _turns_until, running_venue
from venues.engine import VenueError
from venues.faults import MD_CORRUPT_RULES
from vigil.reference import Instrument
from vocabulary.market_data import decode
from vocabulary.venue import VenueCommand

SYMBOLS = ("GARB", "CROSS", "NEG", "GAP")
LINES = ("primary", "backup")


@pytest.fixture(scope="module")
def venue(tmp_path_factory):
    """(venue, client, inbox) with a backup line; every symbol ticks 0.01 around 100."""
    symbols = {s: {"tick_size": 0.01, "reference_price": 100} for s in SYMBOLS}
    work_dir = tmp_path_factory.mktemp("venue")
    with running_venue(work_dir, md_backup_endpoint=_endpoint(), symbols=symbols) as (core, client):
        yield core, client, Inbox(client)


@pytest.fixture
def lines(venue):
    """A joined subscriber on each market-data line."""
    core, _, _ = venue
    with _subscribers(core.publisher.endpoint, core.publisher.backup_endpoint) as subs:
        _join(core.publisher, *subs)  # before any md_corrupt: a probe would use one up
        yield subs


def _validator() -> Validator:
    return Validator({s: Instrument(s, 0.01, reference_price=100.0) for s in SYMBOLS})


class _Orders:
    """Orders of the venue's one client, each waited for until the venue has answered it."""

    def __init__(self, venue) -> None:
        self.core, self.client, self.inbox = venue
        self.expected = len(self.inbox())

    def __call__(self, symbol: str, side: str, price: str, answers: int = 1) -> None:
        self.client.new_order(symbol, side, 1, price)
        self.expected += answers
        _turns_until(self.core, lambda: len(self.inbox()) >= self.expected, f"the answer to {side} {symbol} {price}")


@pytest.mark.parametrize("kind,symbol", [("garbage", "GARB"), ("crossed", "CROSS"), ("negative", "NEG")])
def test_each_corrupted_message_is_rejected_by_the_feed_under_its_rule_and_makes_no_gap(venue, lines, kind, symbol):
    core, _, _ = venue
    order = _Orders(venue)
    order(symbol, "1", "99.00")  # a good quote first: the feed knows the symbol's sequence
    core.command(VenueCommand("md_corrupt", {"n": 3, "kind": kind}))
    assert f"market-data messages to corrupt: 3 {kind}" in core.command(VenueCommand("status"))
    order(symbol, "1", "99.50")  # a quote with one side
    order(symbol, "2", "101.00")  # a quote with two
    order(symbol, "1", "101.00", answers=3)  # a trade (the third corrupted), then a good quote
    assert "to corrupt" not in core.command(VenueCommand("status"))

    validator, now = _validator(), time.time_ns()
    on = {line: _take(sub, 5) for line, sub in zip(LINES, lines)}
    assert on["primary"] == on["backup"]  # corrupted on every line, alike
    for line, messages in on.items():
        verdicts = [validator.check(m, line, now) for m in messages]
        assert verdicts[0].ok
        assert [v.rejection.rule for v in verdicts[1:4]] == [MD_CORRUPT_RULES[kind]] * 3, line
        assert verdicts[4].ok and verdicts[4].gap is None, (line, verdicts[4])  # bad messages, not lost ones
        assert decode(messages[4]).bid_px == pytest.approx(99.5)
    if kind == "garbage":
        assert all(m[0] == b"Q" + symbol.encode() for m in on["primary"][1:4])  # under a valid quote topic
    else:
        assert [decode(m).seq for m in on["primary"]] == [1, 2, 3, 4, 5]


def test_each_kind_hits_a_rule_of_its_own_that_the_feed_has():
    assert set(MD_CORRUPT_RULES) == {"garbage", "crossed", "negative"}
    assert len(set(MD_CORRUPT_RULES.values())) == 3 and set(MD_CORRUPT_RULES.values()) <= set(RULES)


def test_md_gap_makes_the_feed_see_a_gap_of_exactly_n_on_every_line(venue, lines):
    core, _, _ = venue
    order = _Orders(venue)
    order("GAP", "1", "99.00")
    core.command(VenueCommand("md_gap", {"n": 3}))
    order("GAP", "1", "99.50")
    order("GAP", "1", "99.75")

    validator, now = _validator(), time.time_ns()
    for line, sub in zip(LINES, lines):
        messages = _take(sub, 3)
        assert [decode(m).seq for m in messages] == [1, 5, 6], line
        verdicts = [validator.check(m, line, now) for m in messages]
        assert all(v.ok for v in verdicts)
        assert verdicts[1].gap is not None and (verdicts[1].gap.first, verdicts[1].gap.size) == (2, 3)
        assert verdicts[2].gap is None


@pytest.mark.parametrize("kind,args,problem", [
    ("md_corrupt", {"kind": "zeros"}, "md_corrupt: kind is one of garbage, crossed, negative, not 'zeros'"),
    ("md_corrupt", {"n": 0}, "md_corrupt: n is a positive integer, not 0"),
    ("md_corrupt", {"n": "2"}, "md_corrupt: n is a positive integer, not '2'"),
    ("md_corrupt", {"n": True}, "md_corrupt: n is a positive integer, not True"),
    ("md_gap", {}, "md_gap needs n (a positive integer)"),
    ("md_gap", {"n": -1}, "md_gap: n is a positive integer, not -1"),
    ("md_gap", {"n": 1.5}, "md_gap: n is a positive integer, not 1.5"),
])
def test_bad_arguments_are_refused_naming_the_problem_and_change_nothing(venue, kind, args, problem):
    core, _, _ = venue
    with pytest.raises(VenueError) as err:
        core.command(VenueCommand(kind, args))
    assert str(err.value) == problem
    assert core.publisher.corruption is None and core.publisher.skip_next == 0
