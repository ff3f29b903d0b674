"""Fixtures shared by the engine tests: an exchange and two participants on it."""
import pytest

from tests.unit.venues.engine.engine_helpers import Session, make_exchange


@pytest.fixture
def ex():
    return make_exchange()


@pytest.fixture
def a(ex):
    return Session(ex, "A")


@pytest.fixture
def b(ex):
    return Session(ex, "B")
