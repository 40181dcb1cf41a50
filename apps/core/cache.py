"""Django's Redis cache, made to degrade instead of fail.

What the cache holds can be had again (lead field lists, activity types, asset statuses) or
counted again (the API throttle's request history), so losing Redis must not fail a request.
While Redis cannot be reached, each process answers from a small cache in its own memory:
pages keep working, cached Marketo metadata is fetched again when needed, and the API throttle
keeps counting, per process, instead of refusing everything. Redis is tried again every few
seconds, so one outage costs a request the connect timeout at most once per process and
retry interval. Going down and coming back are each logged once.
"""

import logging
import threading
import time

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5
FALLBACK_MAX_ENTRIES = 2000
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class DegradingRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._fallback = LocMemCache(
            f"degraded-{id(self)}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES},
            },
        )
        self._lock = threading.Lock()
        self._retry_at = 0.0  # while in the future, Redis is taken to be down
        self._degraded = False

    def _either(self, operation: str, *args, **kwargs):
        if time.monotonic() >= self._retry_at:
            try:
                result = getattr(super(), operation)(*args, **kwargs)
            except UNREACHABLE as exc:
                self._went_down(exc)
            else:
                self._came_back()
                return result
        return getattr(self._fallback, operation)(*args, **kwargs)

    def _went_down(self, exc) -> None:
        with self._lock:
            self._retry_at = time.monotonic() + RETRY_SECONDS
            first = not self._degraded
            self._degraded = True
        if first:
            logger.warning(
                "the cache (Redis) cannot be reached (%s); this process answers from its own "
                "memory until it is back, and the API throttle counts per process",
                exc,
            )

    def _came_back(self) -> None:
        if self._degraded:
            with self._lock:
                was, self._degraded = self._degraded, False
            if was:
                logger.warning("the cache (Redis) is reachable again")

    # The operations every other cache method is built on.
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._either("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._either("delete", key, version)

    def get_many(self, keys, version=None):
        return self._either("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._either("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._either("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._either("delete_many", keys, version)

    def clear(self):
        self._fallback.clear()
        return self._either("clear")
