import pytest
import redis
from django.conf import settings

from apps.marketo.client import MarketoClient
from apps.marketo.config import InstanceConfig
from apps.marketo.governor import (
    Budget,
    Priority,
    connect,
    memory_governor,
    redis_governor,
    sqlite_governor,
)
from apps.marketo.outbound import OutboundPolicy
from apps.marketo.token_broker import (
    MemoryTokenStore,
    RedisTokenStore,
    SqliteTokenStore,
    TokenBroker,
)
from tests.plugins.services import service_missing

# The sandbox listens on 127.0.0.1: the loopback exception of development and the tests.
SANDBOX_POLICY = OutboundPolicy(loopback_allowed=True)


@pytest.fixture(params=["memory", "sqlite", "redis", "redis-cluster"])
def backend(request, tmp_path):
    """The governor and token store of one kind: memory (one process), SQLite (the embedded
    default's processes) or Redis (a deployment: one server, or a cluster of three)."""
    identity = lambda value: value  # noqa: E731  (the vault's encryption is tested on its own)
    if request.param == "memory":
        return memory_governor(), MemoryTokenStore()
    if request.param == "sqlite":
        path = tmp_path / "governor.sqlite3"
        return sqlite_governor(path), SqliteTokenStore(path, encrypt=identity, decrypt=identity)
    if request.param == "redis":
        if not settings.REDIS_URL:
            service_missing("the Redis governor and token store need REDIS_URL")
        client = redis.Redis.from_url(settings.REDIS_URL)
        client.flushdb()
    else:
        client = connect(request.getfixturevalue("redis_cluster_url"))
    return redis_governor(client), RedisTokenStore(client, encrypt=identity, decrypt=identity)


@pytest.fixture
def make_client(sandbox, backend):
    """make_client(priority=..., budget=..., **kwargs): a client of the sandbox instance."""
    governor, store = backend
    broker = TokenBroker(store)
    ledger = []
    config = InstanceConfig(
        instance_id=1,
        name="Sandbox",
        rest_url=sandbox.rest_url,
        identity_url=sandbox.identity_url,
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
        outbound=SANDBOX_POLICY,
    )

    def build(priority=Priority.INTERACTIVE, budget=None, **kwargs):
        client = MarketoClient(
            config,
            budget=budget
            or Budget(instance_id=1, calls_per_window=50, concurrency=5, daily_limit=25_000),
            governor=governor,
            broker=broker,
            ledger=ledger.append,
            priority=priority,
            **kwargs,
        )
        client.ledger_rows = ledger
        return client

    return build
