"""Driving load through the real client and governor, from several processes.

Used by `manage.py marketo_load` and by the benchmark. Each process runs threads that call
one endpoint in a loop until the time is up, and reports what happened to each call.
"""

import multiprocessing
import statistics
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django import db

from apps.instances import client as instance_clients
from apps.instances.client import marketo_client, shared_token_broker
from apps.instances.models import MarketoInstance
from apps.marketo.errors import MarketoError, RetryLater
from apps.marketo.governor import Priority

ENDPOINTS: dict[str, tuple[str, dict[str, Any]]] = {
    "leads": ("/v1/leads.json", {"filterType": "email", "filterValues": "nobody@example.com"}),
    "assets": ("/asset/v1/folders.json", {"maxReturn": 20}),
    "usage": ("/v1/stats/usage.json", {}),
}


@dataclass
class LoadResult:
    calls: list = field(default_factory=list)  # (finished_at, code) for every call returned
    waits: list = field(default_factory=list)  # seconds each admission took
    identity_calls: int = 0

    def merge(self, other: "LoadResult") -> None:
        self.calls += other.calls
        self.waits += other.waits
        self.identity_calls += other.identity_calls

    def summary(self) -> dict:
        codes = Counter(code or "ok" for _, code in self.calls)
        waits = sorted(self.waits) or [0.0]
        return {
            "calls": len(self.calls),
            "answers": dict(codes),
            "max_calls_in_20s": max_in_window([t for t, _ in self.calls], 20.0),
            "admission_wait_ms": {
                "p50": round(statistics.median(waits) * 1000, 1),
                "p95": round(waits[int(0.95 * (len(waits) - 1))] * 1000, 1),
                "max": round(waits[-1] * 1000, 1),
            },
            "identity_calls": self.identity_calls,
        }


def max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


class _TimedGovernor:
    """Wraps the shared governor to measure how long each admission took."""

    def __init__(self, inner, waits, lock) -> None:
        self._inner, self._waits, self._lock = inner, waits, lock

    def acquire(self, budget, priority, *, timeout, lease_seconds=None):
        started = time.monotonic()
        try:
            return self._inner.acquire(
                budget, priority, timeout=timeout, lease_seconds=lease_seconds
            )
        finally:
            with self._lock:
                self._waits.append(time.monotonic() - started)

    def __getattr__(self, name):
        return getattr(self._inner, name)


@dataclass(frozen=True)
class LoadGroup:
    """`processes` x `threads` callers at one priority; `interval` seconds between a
    thread's calls (0: as fast as the governor admits them)."""

    processes: int
    threads: int
    priority: str = "background"
    interval: float = 0.0


def run_process(instance_id: int, group: LoadGroup, seconds: float, endpoint: str) -> LoadResult:
    # A forked child must open its own Redis connections, not reuse its parent's sockets.
    for cached in (
        instance_clients._redis_client,
        instance_clients.shared_governor,
        shared_token_broker,
    ):
        cached.cache_clear()
    threads, priority = group.threads, group.priority
    path, params = ENDPOINTS[endpoint]
    instance = MarketoInstance.objects.get(pk=instance_id)
    result, lock = LoadResult(), threading.Lock()
    deadline = time.monotonic() + seconds
    broker = shared_token_broker()
    identity_before = broker.identity_calls

    def worker() -> None:
        client = marketo_client(
            instance, priority=Priority(priority), feature="load_test", job="marketo_load"
        )
        client.governor = _TimedGovernor(client.governor, result.waits, lock)
        while time.monotonic() < deadline:
            code = ""
            began = time.monotonic()
            try:
                client.get(path, params)
            except RetryLater as exc:
                # No call was made: the governor asks this caller to come back later.
                time.sleep(min(exc.seconds, max(0.0, deadline - time.monotonic())))
                continue
            except MarketoError as exc:
                code = exc.code
            with lock:
                result.calls.append((time.time(), code))
            if group.interval:
                time.sleep(max(0.0, group.interval - (time.monotonic() - began)))

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    result.identity_calls = broker.identity_calls - identity_before
    db.connections.close_all()
    return result


class ChildFailed(RuntimeError):
    """A load process failed: its traceback, as the child printed it."""


def _child(queue, *args) -> None:
    # The parent waits on the queue: a child that failed says so with its traceback, rather
    # than leaving the parent to wait out its timeout and report an empty queue.
    try:
        queue.put(("ok", run_process(*args)))
    except BaseException:
        queue.put(("failed", traceback.format_exc()))
        raise


def run_load(
    *, instance_id: int, groups: list[LoadGroup], seconds: float, endpoint: str
) -> list[LoadResult]:
    """Run every group at once, each process forked; returns one merged result per group."""
    db.connections.close_all()  # a forked child must not share the parent's connections
    context = multiprocessing.get_context("fork")
    queues = [context.Queue() for _ in groups]
    children = [
        (
            index,
            context.Process(
                target=_child, args=(queues[index], instance_id, group, seconds, endpoint)
            ),
        )
        for index, group in enumerate(groups)
        for _ in range(group.processes)
    ]
    for _, child in children:
        child.start()
    results = [LoadResult() for _ in groups]
    try:
        for index, _ in children:
            outcome, value = queues[index].get(timeout=seconds + 120)
            if outcome == "failed":
                raise ChildFailed(f"a load process failed:\n{value}")
            results[index].merge(value)
    finally:
        for _, child in children:
            child.join(timeout=30)
            if child.is_alive():
                child.kill()
    return results
