"""The production governor: one set of keys per instance in Redis, shared by every web and
worker process on every machine, so the whole deployment stays inside Marketo's limits
(100 calls per 20 s, 10 in flight, the daily quota: help/rest-api/rest-api.md).

Each operation is one round trip: a cached Lua script (EVALSHA) or a single command.
When Redis cannot be reached no call is admitted (fail closed).

The same code runs on one Redis server or on a Redis Cluster (a `redis+cluster://` URL):
every key of one instance carries the hash tag {i<id>}, so each script's keys live in one
slot, on one node, and every script runs there atomically, timed by that node's clock.
"""

import math
import time
import uuid
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import unquote

import redis
from redis.backoff import NoBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.exceptions import ClusterDownError, RedisClusterException
from redis.retry import Retry

from . import lua, policy
from .blocking import BlockingAcquire
from .contract import (
    Budget,
    GovernorState,
    GovernorUnavailable,
    Lease,
    Priority,
    Wait,
    lease_length,
    penalty_kind,
)
from .quota_day import quota_day

# Short, so that a Redis that is down or unreachable costs a caller half a second, not the
# default of waiting forever. One retry reconnects after Redis restarted (the pooled
# connection is dead); a retried admission can at worst be counted twice, never missed.
SOCKET_TIMEOUT_SECONDS = 0.5
DAY_SECONDS = 86_400

P = ParamSpec("P")
R = TypeVar("R")


CLUSTER_SCHEMES = {"redis+cluster": False, "rediss+cluster": True}  # scheme: TLS or not
# What "unreachable" looks like: the server, or the cluster (no node answers, a node is
# down, slots are not covered). RedisClusterException is how redis-py says it found no
# reachable node; it also covers a command whose keys span slots, which ours never do
# (tests/marketo/governor/test_redis_cluster.py checks every key of an instance).
UNREACHABLE = (redis.ConnectionError, redis.TimeoutError, ClusterDownError, RedisClusterException)


def is_cluster_url(url: str) -> bool:
    return url.split("://", 1)[0].lower() in CLUSTER_SCHEMES


def connect(
    url: str, *, timeout: float = SOCKET_TIMEOUT_SECONDS, health_check_interval: int = 0
) -> redis.Redis | RedisCluster:
    """A client for the governor's Redis: `redis://`, `rediss://`, `unix://`, or a cluster,
    `redis+cluster://[user:password@]host:port[,host:port...]` (`rediss+cluster://` for
    TLS), whose hosts are startup nodes: any reachable one reveals the whole cluster.

    A cluster client asks for the topology at once, so an unreachable cluster raises
    GovernorUnavailable here; a server's client connects on its first command.
    """
    options: dict[str, Any] = {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "health_check_interval": health_check_interval,
        "retry": Retry(NoBackoff(), 1),
    }
    if not is_cluster_url(url):
        return redis.Redis.from_url(url, **options)
    nodes, credentials = parse_cluster_url(url)
    try:
        return RedisCluster(startup_nodes=nodes, **credentials, **options)
    except UNREACHABLE as error:
        where = ",".join(node.name for node in nodes)
        raise GovernorUnavailable(
            f"the rate governor (Redis Cluster at {where}) is unreachable; "
            f"no call to Marketo was made ({error})"
        ) from error


def parse_cluster_url(url: str) -> tuple[list[ClusterNode], dict[str, Any]]:
    """The startup nodes and the connection options (credentials, TLS) of a cluster URL."""
    scheme, _, rest = url.partition("://")
    netloc, _, path = rest.partition("/")
    if path.split("?", 1)[0] not in ("", "0"):
        raise ValueError(f"a Redis Cluster has only database 0, not /{path} ({scheme} URL)")
    credentials: dict[str, Any] = {"ssl": CLUSTER_SCHEMES[scheme.lower()]}
    if "@" in netloc:
        userinfo, netloc = netloc.rsplit("@", 1)
        username, _, password = userinfo.partition(":")
        credentials |= {"username": unquote(username) or None, "password": unquote(password)}
    nodes = []
    for address in filter(None, netloc.split(",")):
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"{address!r} in the {scheme} URL is not host:port")
        nodes.append(ClusterNode(host.strip("[]"), int(port)))
    if not nodes:
        raise ValueError(f"the {scheme} URL names no host:port")
    return nodes, credentials


def instance_keys(instance_id: int, day: str) -> list[str]:
    """The keys of one instance, in the order the scripts expect them."""
    tag = f"mka:{{i{instance_id}}}"
    return [
        f"{tag}:window",
        f"{tag}:inflight",
        f"{tag}:daily:{day}",
        f"{tag}:cooldown",
        f"{tag}:blocked",
        f"{tag}:penalty",
    ]


def stats_key(instance_id: int) -> str:
    """The hash of the instance's counters (governor/stats.py), in the instance's slot."""
    return f"mka:{{i{instance_id}}}:stats"


def _where(client: redis.Redis | RedisCluster) -> str:
    if isinstance(client, RedisCluster):
        return "Redis Cluster at " + ",".join(sorted(node.name for node in client.get_nodes()))
    kwargs = getattr(getattr(client, "connection_pool", None), "connection_kwargs", {})
    if "path" in kwargs:
        return f"Redis at {kwargs['path']}"
    return f"Redis at {kwargs.get('host', '?')}:{kwargs.get('port', '?')}"


def _fail_closed(
    method: Callable[Concatenate["RedisGovernor", P], R],
) -> Callable[Concatenate["RedisGovernor", P], R]:
    @wraps(method)
    def guarded(self: "RedisGovernor", /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except UNREACHABLE as error:
            raise GovernorUnavailable(
                f"the rate governor ({_where(self._redis)}) is unreachable; "
                f"no call to Marketo was made ({error})"
            ) from error

    return guarded


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisGovernor(BlockingAcquire):
    def __init__(
        self, client: redis.Redis | RedisCluster, *, wall_clock: Callable[[], float] = time.time
    ):
        self._redis = client
        # wall_clock only decides the Chicago quota day; every interval is timed by Redis TIME.
        self._wall_clock = wall_clock
        self._admit = client.register_script(lua.ADMIT)
        self._refund = client.register_script(lua.REFUND)
        self._hold = client.register_script(lua.HOLD)
        self._penalize = client.register_script(lua.PENALIZE)
        self._state = client.register_script(lua.STATE)
        self._raise_daily = client.register_script(lua.RAISE_DAILY)
        self._count = client.register_script(lua.COUNT)

    @_fail_closed
    def try_acquire(
        self, budget: Budget, priority: Priority, *, lease_seconds: float | None = None
    ) -> Lease | Wait:
        priority = Priority(priority)
        lease_seconds = lease_length(budget, lease_seconds)
        day = quota_day(self._wall_clock())
        lease_id = uuid.uuid4().hex
        answer = self._admit(
            keys=instance_keys(budget.instance_id, day.key),
            args=[
                lease_id,
                1 if priority is Priority.INTERACTIVE else 0,
                budget.calls_per_window,
                budget.interactive_reserve,
                policy.concurrency_limit(budget, priority),
                repr(budget.window_seconds),
                repr(budget.window_span),
                repr(lease_seconds),
                budget.daily_limit,
                repr(day.seconds_left),
                math.ceil(day.seconds_left) + DAY_SECONDS,
                policy.recovery_step(budget),
                repr(policy.CONCURRENCY_RECHECK_SECONDS),
            ],
        )
        if answer[0] == 1:
            admitted_at = float(_text(answer[1]))
            return Lease(lease_id, budget.instance_id, priority, admitted_at, day.key)
        return Wait(float(_text(answer[1])), _text(answer[2]))

    @_fail_closed
    def release(self, lease: Lease, *, counted: bool = True) -> None:
        day = lease.quota_day or quota_day(lease.admitted_at).key
        window, inflight, daily, *_ = instance_keys(lease.instance_id, day)
        if counted:
            self._redis.zrem(inflight, lease.id)
        else:
            self._refund(keys=[window, inflight, daily], args=[lease.id])

    @_fail_closed
    def hold(self, lease: Lease, seconds: float) -> None:
        day = lease.quota_day or quota_day(lease.admitted_at).key
        _, inflight, *_ = instance_keys(lease.instance_id, day)
        self._hold(keys=[inflight], args=[lease.id, repr(float(seconds))])

    @_fail_closed
    def penalize(self, budget: Budget, code: str) -> None:
        kind = penalty_kind(code)
        _, _, _, cooldown, blocked, penalty = instance_keys(budget.instance_id, "-")
        self._penalize(
            keys=[cooldown, blocked, penalty],
            args=[
                kind,
                repr(budget.cooldown_seconds),
                budget.calls_per_window,
                repr(budget.window_seconds),
                policy.recovery_step(budget),
                repr(quota_day(self._wall_clock()).seconds_left),
            ],
        )

    @_fail_closed
    def state(self, budget: Budget) -> GovernorState:
        day = quota_day(self._wall_clock())
        in_window, in_flight, daily_used, cooldown, blocked, window_budget = self._state(
            keys=instance_keys(budget.instance_id, day.key),
            args=[
                repr(budget.window_span),
                budget.calls_per_window,
                repr(budget.window_seconds),
                policy.recovery_step(budget),
            ],
        )
        blocked = _text(blocked)
        return {
            "in_window": int(in_window),
            "in_flight": int(in_flight),
            "daily_used": int(daily_used),
            "daily_limit": budget.daily_limit,
            "cooldown_seconds": float(_text(cooldown)),
            "blocked_until": float(blocked) if blocked else None,
            "window_budget": int(window_budget),
        }

    @_fail_closed
    def set_daily_used(self, budget: Budget, count: int) -> None:
        day = quota_day(self._wall_clock())
        daily = instance_keys(budget.instance_id, day.key)[2]
        self._raise_daily(
            keys=[daily], args=[int(count), math.ceil(day.seconds_left) + DAY_SECONDS]
        )

    @_fail_closed
    def count(self, instance_id: int, amounts: Mapping[str, float]) -> None:
        args: list[str] = []
        for name, amount in amounts.items():
            args += [name, repr(float(amount))]
        if args:
            self._count(keys=[stats_key(instance_id)], args=args)

    @_fail_closed
    def counters(self, instance_id: int) -> dict[str, float]:
        raw: dict[Any, Any] = self._redis.hgetall(stats_key(instance_id))
        return {_text(name): float(_text(value)) for name, value in raw.items()}

    @_fail_closed
    def ping(self) -> None:
        if isinstance(self._redis, RedisCluster):
            # Every primary, not one at random: each holds the keys of some instances.
            self._redis.ping(target_nodes=RedisCluster.PRIMARIES)
        else:
            self._redis.ping()
