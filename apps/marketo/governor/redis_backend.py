"""The production governor: one set of keys per instance in Redis, shared by every web and
worker process on every machine, so the whole deployment stays inside Marketo's limits
(100 calls per 20 s, 10 in flight, the daily quota: help/rest-api/rest-api.md).

Each operation is one round trip: a cached Lua script (EVALSHA) or a single command.
When Redis cannot be reached no call is admitted (fail closed).
"""

import math
import time
import uuid
from collections.abc import Callable
from functools import wraps

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from . import lua, policy
from .blocking import BlockingAcquire
from .contract import (
    BUSY_CODES,
    QUOTA_CODE,
    Budget,
    GovernorUnavailable,
    Lease,
    Priority,
    Wait,
)
from .quota_day import quota_day

# Short, so that a Redis that is down or unreachable costs a caller half a second, not the
# default of waiting forever. One retry reconnects after Redis restarted (the pooled
# connection is dead); a retried admission can at worst be counted twice, never missed.
SOCKET_TIMEOUT_SECONDS = 0.5
DAY_SECONDS = 86_400


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 1),
    )


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


def _where(client) -> str:
    kwargs = getattr(getattr(client, "connection_pool", None), "connection_kwargs", {})
    if "path" in kwargs:
        return kwargs["path"]
    return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}"


def _fail_closed(method):
    @wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise GovernorUnavailable(
                f"the rate governor (Redis at {_where(self._redis)}) is unreachable; "
                f"no call to Marketo was made ({error})"
            ) from error

    return guarded


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisGovernor(BlockingAcquire):
    def __init__(self, client: redis.Redis, *, wall_clock: Callable[[], float] = time.time):
        self._redis = client
        # wall_clock only decides the Chicago quota day; every interval is timed by Redis TIME.
        self._wall_clock = wall_clock
        self._admit = client.register_script(lua.ADMIT)
        self._refund = client.register_script(lua.REFUND)
        self._penalize = client.register_script(lua.PENALIZE)
        self._state = client.register_script(lua.STATE)
        self._raise_daily = client.register_script(lua.RAISE_DAILY)

    @_fail_closed
    def try_acquire(self, budget: Budget, priority: Priority) -> Lease | Wait:
        priority = Priority(priority)
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
                repr(budget.lease_seconds),
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
    def penalize(self, budget: Budget, code: str) -> None:
        code = str(code)
        if code in BUSY_CODES:
            kind = "busy"
        elif code == QUOTA_CODE:
            kind = "quota"
        else:
            raise ValueError(f"penalize() takes 606, 615 or 607, not {code!r}")
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
    def state(self, budget: Budget) -> dict:
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
    def ping(self) -> None:
        self._redis.ping()
