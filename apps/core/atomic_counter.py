"""Counters that many processes and threads can increment at once without losing a count.

Django's cache has `add` and `incr`, but only some backends make `incr` atomic: Redis
(INCRBY) and the in-process memory cache (under its lock) do; the file cache of the embedded
default reads, adds and writes back, so two requests at once would both write the same
number. For that backend the increment runs under an exclusive lock on a file beside the
cache, which every process of the machine shares.
"""

import fcntl
import threading
from contextlib import contextmanager, nullcontext
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

_FILE_CACHE = "django.core.cache.backends.filebased.FileBasedCache"
_thread_lock = threading.Lock()


def increment(key: str, *, ttl: int) -> int:
    """Add one to the counter `key` and return its new value; a new counter lives `ttl` s."""
    with _serialized():
        try:
            return cache.incr(key)
        except ValueError:  # the first count of this key
            if cache.add(key, 1, timeout=ttl):
                return 1
            return cache.incr(key)  # another request made it in between


def _serialized():
    options = settings.CACHES["default"]
    if options["BACKEND"] == _FILE_CACHE:
        return _file_lock(Path(options["LOCATION"]) / "counters.lock")
    return nullcontext()


@contextmanager
def _file_lock(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    # flock excludes other processes; the thread lock keeps this process's threads in line
    # cheaply (flock would too, since each open() is its own lock, but costs a file each).
    with _thread_lock, path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
