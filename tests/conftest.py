import sys
from pathlib import Path

import pytest
import redis

SUPPORT = Path(__file__).parent / "support"
sys.path.insert(0, str(SUPPORT))

from harness import VigilRuns  # noqa: E402

from vigil.redis_server import RedisServer  # noqa: E402


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
