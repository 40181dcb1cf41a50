"""Fixtures for the governor: every backend (memory, SQLite, Redis: one server or a cluster
of three primaries, tests/plugins/redis_cluster.py), a clean slate, budgets in one line."""

import os
import time

import pytest
import redis

from apps.marketo.governor import Budget, memory_governor, redis_governor, sqlite_governor

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
        pytest.skip("the Redis backend needs REDIS_URL")
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


@pytest.fixture(params=["memory", "sqlite", "redis", "redis-cluster"])
def make_governor(request):
    """make_governor(wall_clock=time.time): a fresh governor of the backend under test."""
    if request.param == "memory":
        return lambda wall_clock=time.time: memory_governor(wall_clock=wall_clock)
    if request.param == "sqlite":
        path = request.getfixturevalue("sqlite_path")
        return lambda wall_clock=time.time: sqlite_governor(path, wall_clock=wall_clock)
    url = _redis_url_of(request)
    return lambda wall_clock=time.time: redis_governor(url, wall_clock=wall_clock)


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
