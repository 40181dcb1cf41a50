"""Fixtures for the governor: every backend (memory, SQLite, Redis: one server or a cluster
of three primaries, tests/plugins/redis_cluster.py), a clean slate, budgets in one line."""

import os
import time

import pytest
import redis

from apps.marketo.governor import Budget, memory_governor, redis_governor, sqlite_governor
from tests.plugins.services import service_missing

INSTANCE_ID = 42


def make_budget(**overrides) -> Budget:
    settings = {
        "instance_id": INSTANCE_ID,
        "calls_per_window": 50,
        "concurrency": 100,
        "daily_limit": 10_000,
    }
    return Budget(**(settings | overrides))


def forget_governor_keys(client: redis.Redis) -> None:
    """Delete the governor's keys only: the database may hold other tests' data."""
    keys = list(client.scan_iter(match="mka:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        service_missing("the Redis backend needs REDIS_URL")
    client = redis.Redis.from_url(url)
    forget_governor_keys(client)
    yield url
    forget_governor_keys(client)
    client.close()


@pytest.fixture
def sqlite_path(tmp_path):
    return tmp_path / "governor.sqlite3"


def _redis_url_of(request) -> str:
    """An empty Redis for the "redis" or "redis-cluster" parameter."""
    return request.getfixturevalue("redis_url" if request.param == "redis" else "redis_cluster_url")


# How finely the backends tell times: Redis formats them to the microsecond (lua.py), and an
# epoch time as a float is exact to a quarter of one. A sleep lasts this much longer than
# asked, so that it ends after the moment a backend named, not a rounding before it.
RESOLUTION_SECONDS = 1e-6


class FakeClock:
    """The governor's interval clock, standing still until a sleep moves it on: the memory
    and SQLite backends take it, so their tests wait no real time and their figures are
    exact. It starts at the real epoch time, as the SQLite backend's times are epochs."""

    def __init__(self):
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds) + RESOLUTION_SECONDS


class RedisClock:
    """Real time: the Redis backend times every interval by Redis TIME, the one clock of
    every process of a deployment, which no test can move."""

    def __call__(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds) + RESOLUTION_SECONDS)


@pytest.fixture(params=["memory", "sqlite", "redis", "redis-cluster"])
def make_governor(request):
    """make_governor(wall_clock=time.time, real_time=False): a fresh governor of the backend
    under test; `make_governor.clock` is the clock it times intervals by (a FakeClock for
    memory and SQLite unless real_time is asked for, e.g. by tests of threads that wait)."""
    if request.param in ("memory", "sqlite"):
        clock = FakeClock()
        if request.param == "memory":
            backend = memory_governor
        else:
            path = request.getfixturevalue("sqlite_path")

            def backend(**options):
                return sqlite_governor(path, **options)

        def make(wall_clock=time.time, real_time=False):
            timing = {} if real_time else {"clock": clock, "sleep": clock.sleep}
            return backend(wall_clock=wall_clock, **timing)

    else:
        url = _redis_url_of(request)
        clock = RedisClock()

        def make(wall_clock=time.time, real_time=False):
            return redis_governor(url, wall_clock=wall_clock)

    make.clock = clock
    return make


@pytest.fixture
def clock(make_governor):
    """The clock of the `governor` fixture: clock() reads it, clock.sleep(s) lets s pass."""
    return make_governor.clock


@pytest.fixture(params=["sqlite", "redis", "redis-cluster"])
def make_shared_governor(request):
    """make_shared_governor(): a governor of a backend that several processes share; call it
    in each (forked) process."""
    if request.param == "sqlite":
        path = request.getfixturevalue("sqlite_path")
        return lambda: sqlite_governor(path)
    url = _redis_url_of(request)
    return lambda: redis_governor(url)


@pytest.fixture
def governor(make_governor):
    return make_governor()
