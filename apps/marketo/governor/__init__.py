"""The per-instance governor: every call to Marketo, from any process of the deployment,
asks it first, so that together they stay inside the instance's limits (docs/architecture.md,
"The governor"; docs/marketo.md, "Limits").

    governor = redis_governor(redis_url)     # or sqlite_governor(path) when embedded
                                             # (a redis+cluster:// URL for Redis Cluster)
    limits = Timeouts().for_call("GET", "/rest/v1/leads.json")   # apps/marketo/timeouts.py
    lease = governor.acquire(budget, Priority.INTERACTIVE, timeout=5, lease_seconds=limits.lease)
    try:
        ...  # the HTTP call, with timeout=limits.http: the lease outlives it
    finally:
        governor.release(lease, counted=code not in UNCOUNTED_CODES)
"""

import os
import time
from collections.abc import Callable

import redis
from redis.cluster import RedisCluster

from . import stats
from .contract import (
    BUSY_CODES,
    QUOTA_CODE,
    UNCOUNTED_CODES,
    WAIT_REASONS,
    AdmissionTimeout,
    Budget,
    Governor,
    GovernorState,
    GovernorUnavailable,
    Lease,
    Priority,
    Wait,
    interactive_reserve,
)
from .memory_backend import MemoryGovernor
from .quota_day import CHICAGO, QuotaDay, quota_day
from .redis_backend import RedisGovernor, connect, is_cluster_url
from .sqlite_backend import SqliteGovernor


def redis_governor(
    url_or_client: str | redis.Redis | RedisCluster,
    *,
    wall_clock: Callable[[], float] = time.time,
) -> Governor:
    """The production backend, on one Redis or a Redis Cluster (`redis+cluster://` URL).
    A URL gets a client with short timeouts (fail fast, fail closed); a client you pass in
    is used as it is, so give it short socket timeouts."""
    client = connect(url_or_client) if isinstance(url_or_client, str) else url_or_client
    return RedisGovernor(client, wall_clock=wall_clock)


def sqlite_governor(
    path: str | os.PathLike[str],
    *,
    wall_clock: Callable[[], float] = time.time,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> Governor:
    """The embedded backend: every process of one machine, through one SQLite file.
    `clock` times every interval and `sleep` lets it pass: tests inject both."""
    return SqliteGovernor(path, wall_clock=wall_clock, clock=clock, sleep=sleep)


def memory_governor(
    *,
    wall_clock: Callable[[], float] = time.time,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Governor:
    """One process only (any number of threads): tests and single-process tools. Two
    processes with a memory governor each would each spend the whole budget.
    `clock` times every interval and `sleep` lets it pass: tests inject both."""
    return MemoryGovernor(wall_clock=wall_clock, clock=clock, sleep=sleep)


__all__ = [
    "BUSY_CODES",
    "CHICAGO",
    "QUOTA_CODE",
    "UNCOUNTED_CODES",
    "WAIT_REASONS",
    "AdmissionTimeout",
    "Budget",
    "Governor",
    "GovernorState",
    "GovernorUnavailable",
    "Lease",
    "MemoryGovernor",
    "Priority",
    "QuotaDay",
    "RedisGovernor",
    "SqliteGovernor",
    "Wait",
    "connect",
    "interactive_reserve",
    "is_cluster_url",
    "memory_governor",
    "quota_day",
    "redis_governor",
    "sqlite_governor",
    "stats",
]
