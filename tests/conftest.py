"""Fixtures every test may use: a private redis-server, and live Vigil runs (tests.support.harness)."""
import pytest
import redis

from tests.support.harness import VigilRun, VigilRuns
from vigil.redis_server import RedisServer


@pytest.fixture
def redis_server(tmp_path):
    """A private redis-server on a free port, stopped after the test."""
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def redis_client(redis_server):
    conn = redis.Redis.from_url(redis_server.url)
    yield conn
    conn.close()


@pytest.fixture
def vigil(tmp_path, redis_server):
    """Start Vigil runs from topology text; every run is stopped and swept after the test."""
    runs = VigilRuns(tmp_path, redis_server.url)
    yield runs
    runs.close_all()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test that ran Vigil carries the end of its logs, so a failure in CI can be read after the fact."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        runs = [v for v in getattr(item, "funcargs", {}).values() if isinstance(v, (VigilRuns, VigilRun))]
        tails = "\n".join(filter(None, (r.log_tails() for r in runs)))
        if tails:
            report.sections.append((f"Vigil logs ({report.when})", tails))
