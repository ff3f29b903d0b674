"""The actor lifecycle transition table: what is allowed, what is refused, and when side effects may run."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from vigil.lifecycle import InvalidTransition, Lifecycle, State

S = State
TERMINAL = {S.STOPPED, S.FAILED}

# The design, written out independently of the module's table.
ALLOWED = {
    S.STARTING: {S.RECOVERING, S.STOPPING, S.FAILED},
    S.RECOVERING: {S.RUNNING, S.STOPPING, S.FAILED},
    S.RUNNING: {S.DEGRADED, S.STOPPING, S.FAILED},
    S.DEGRADED: {S.RUNNING, S.STOPPING, S.FAILED},
    S.STOPPING: {S.STOPPED, S.FAILED},
    S.STOPPED: set(),
    S.FAILED: set(),
}

# A legal way to reach every state from a fresh lifecycle.
PATH_TO = {
    S.STARTING: [],
    S.RECOVERING: [S.RECOVERING],
    S.RUNNING: [S.RECOVERING, S.RUNNING],
    S.DEGRADED: [S.RECOVERING, S.RUNNING, S.DEGRADED],
    S.STOPPING: [S.RECOVERING, S.RUNNING, S.STOPPING],
    S.STOPPED: [S.RECOVERING, S.RUNNING, S.STOPPING, S.STOPPED],
    S.FAILED: [S.FAILED],
}


def lifecycle_in(state: State) -> Lifecycle:
    lc = Lifecycle()
    for step in PATH_TO[state]:
        lc.to(step)
    assert lc.state is state
    return lc


def test_a_new_lifecycle_is_starting_and_not_active():
    lc = Lifecycle()
    assert lc.state is S.STARTING
    assert lc.active is False


def test_the_whole_happy_path_including_degrading_and_recovering_twice():
    lc = Lifecycle()
    seen = []
    for target in (S.RECOVERING, S.RUNNING, S.DEGRADED, S.RUNNING, S.DEGRADED, S.STOPPING, S.STOPPED):
        lc.to(target)
        seen.append((lc.state, lc.active))
    assert seen == [
        (S.RECOVERING, False), (S.RUNNING, True), (S.DEGRADED, True), (S.RUNNING, True),
        (S.DEGRADED, True), (S.STOPPING, False), (S.STOPPED, False),
    ]


@pytest.mark.parametrize("current", [s for s in S if s not in TERMINAL])
def test_failed_is_reachable_from_every_non_terminal_state(current):
    lc = lifecycle_in(current)
    lc.to(S.FAILED)
    assert lc.state is S.FAILED
    assert lc.active is False


@pytest.mark.parametrize(("current", "target"), [
    (c, t) for c, t in itertools.product(S, S) if t in ALLOWED[c]
])
def test_allowed_transition_moves_the_state(current, target):
    lc = lifecycle_in(current)
    lc.to(target)
    assert lc.state is target


@pytest.mark.parametrize(("current", "target"), [
    (c, t) for c, t in itertools.product(S, S) if t not in ALLOWED[c]
])
def test_rejected_transition_raises_names_both_states_and_leaves_state_unchanged(current, target):
    lc = lifecycle_in(current)
    with pytest.raises(InvalidTransition) as info:
        lc.to(target)
    message = str(info.value)
    assert f"from {current.value} to {target.value}" in message, message
    assert lc.state is current


@pytest.mark.parametrize("current", list(S))
def test_rejection_message_lists_exactly_the_allowed_targets(current):
    forbidden = next(t for t in [S.RUNNING, S.STARTING] if t not in ALLOWED[current])
    lc = lifecycle_in(current)
    with pytest.raises(InvalidTransition) as info:
        lc.to(forbidden)
    message = str(info.value)
    assert "allowed:" in message
    listed = message.split("allowed:", 1)[1].strip(" )")
    if ALLOWED[current]:
        assert set(listed.split(", ")) == {s.value for s in ALLOWED[current]}
    else:
        assert listed == "none"


@pytest.mark.parametrize("target", [S.RUNNING, S.DEGRADED])
def test_cannot_skip_recovery(target):
    lc = Lifecycle()
    with pytest.raises(InvalidTransition, match="cannot go from starting to"):
        lc.to(target)
    assert lc.active is False


def test_cannot_go_back_to_recovering_once_running():
    lc = lifecycle_in(S.RUNNING)
    with pytest.raises(InvalidTransition):
        lc.to(S.RECOVERING)


@pytest.mark.parametrize("state", list(S))
def test_active_only_in_running_and_degraded(state):
    assert lifecycle_in(state).active is (state in (S.RUNNING, S.DEGRADED))


@pytest.mark.parametrize("terminal", sorted(TERMINAL))
def test_terminal_states_refuse_everything(terminal):
    lc = lifecycle_in(terminal)
    for target in S:
        with pytest.raises(InvalidTransition):
            lc.to(target)
    assert lc.state is terminal


def test_invalid_transition_is_an_exception():
    assert issubclass(InvalidTransition, Exception)


@settings(max_examples=300)
@given(st.lists(st.sampled_from(list(S)), max_size=30))
def test_random_walk_never_becomes_active_without_recovering(targets):
    lc = Lifecycle()
    recovered = False
    for target in targets:
        before = lc.state
        try:
            lc.to(target)
        except InvalidTransition:
            assert target not in ALLOWED[before]
            assert lc.state is before
            continue
        assert target in ALLOWED[before]
        recovered = recovered or lc.state is S.RECOVERING
        if lc.active:
            assert recovered, "side effects allowed before recovery completed"


class LifecycleMachine(RuleBasedStateMachine):
    """Drive a Lifecycle with arbitrary requests; model which ones must succeed."""

    def __init__(self) -> None:
        super().__init__()
        self.lc = Lifecycle()
        self.model = S.STARTING
        self.history = [S.STARTING]

    @rule(wanted=st.sampled_from(list(S)))
    def request(self, wanted):
        if wanted in ALLOWED[self.model]:
            self.lc.to(wanted)
            self.model = wanted
            self.history.append(wanted)
        else:
            with pytest.raises(InvalidTransition):
                self.lc.to(wanted)

    @invariant()
    def state_matches_model(self):
        assert self.lc.state is self.model

    @invariant()
    def running_only_after_recovering(self):
        if self.lc.state in (S.RUNNING, S.DEGRADED):
            assert S.RECOVERING in self.history
            first_active = next(i for i, s in enumerate(self.history) if s in (S.RUNNING, S.DEGRADED))
            assert self.history[first_active - 1] is S.RECOVERING

    @invariant()
    def active_iff_running_or_degraded(self):
        assert self.lc.active is (self.lc.state in (S.RUNNING, S.DEGRADED))


TestLifecycleMachine = LifecycleMachine.TestCase
