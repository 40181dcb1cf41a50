"""The embedded governor: one SQLite file shared by every process of one machine (the web,
worker and beat of `make run`), so that together they stay inside the instance's limits
exactly as a Redis-backed deployment does, with no server to run.

Each operation runs under the file's lock (apps.marketo.sqlite_file), alone or with other
threads' operations of its process in one transaction, each in a savepoint of its own and
after the one before: an admission is as atomic as the Redis backend's Lua script. Times
come from this machine's wall clock, which every process on it shares, as every process of
a deployment shares Redis TIME.
"""

import sqlite3
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from functools import wraps
from os import PathLike
from typing import Concatenate, ParamSpec, TypeVar

from apps.marketo.sqlite_file import SqliteFile

from . import policy
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

# One row per admission, kept while it counts in the window or holds a slot in flight.
# `lease_until` is 0 once the call ended: it still counts in the window, no longer in flight.
SCHEMA = """
CREATE TABLE IF NOT EXISTS governor_admission (
    instance_id INTEGER NOT NULL,
    lease_id TEXT NOT NULL,
    admitted_at REAL NOT NULL,
    lease_until REAL NOT NULL,
    PRIMARY KEY (instance_id, lease_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS governor_admission_by_time
    ON governor_admission (instance_id, admitted_at);
CREATE INDEX IF NOT EXISTS governor_admission_by_expiry
    ON governor_admission (instance_id, lease_until);
CREATE TABLE IF NOT EXISTS governor_daily (
    instance_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    used INTEGER NOT NULL,
    PRIMARY KEY (instance_id, day)
) WITHOUT ROWID;
-- How many rows each instance has in governor_admission, kept by the triggers below in the
-- same transaction as every insert and delete, whatever code made it. Counting the window
-- is then "all rows, less the few before it" (rows still in flight), where counting the
-- window's rows themselves took a read of each (1 ms for 8,000 rows).
CREATE TABLE IF NOT EXISTS governor_admission_count (
    instance_id INTEGER PRIMARY KEY,
    admissions INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS governor_admission_counted
AFTER INSERT ON governor_admission BEGIN
    INSERT OR IGNORE INTO governor_admission_count VALUES (NEW.instance_id, 0);
    UPDATE governor_admission_count SET admissions = admissions + 1
        WHERE instance_id = NEW.instance_id;
END;
CREATE TRIGGER IF NOT EXISTS governor_admission_uncounted
AFTER DELETE ON governor_admission BEGIN
    UPDATE governor_admission_count SET admissions = admissions - 1
        WHERE instance_id = OLD.instance_id;
END;
-- A file written before the count existed (the rows are counted once, when it is added).
INSERT OR IGNORE INTO governor_admission_count
    SELECT instance_id, count(*) FROM governor_admission GROUP BY instance_id;
-- Named counters that only grow (governor/stats.py): admissions, refusals, waits, tokens.
CREATE TABLE IF NOT EXISTS governor_counter (
    instance_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (instance_id, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS governor_instance (
    instance_id INTEGER PRIMARY KEY,
    cooldown_until REAL NOT NULL DEFAULT 0,
    blocked_until REAL NOT NULL DEFAULT 0,
    shrunk_to INTEGER,
    penalized_at REAL
);
"""
# Daily counters are kept this many days: a refund may come back to yesterday's counter.
DAILY_DAYS_KEPT = 2

P = ParamSpec("P")
R = TypeVar("R")


def _fail_closed(
    method: Callable[Concatenate["SqliteGovernor", P], R],
) -> Callable[Concatenate["SqliteGovernor", P], R]:
    @wraps(method)
    def guarded(self: "SqliteGovernor", /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.Error, OSError) as error:
            raise GovernorUnavailable(
                f"the rate governor (SQLite file {self._file.path}) cannot be used; "
                f"no call to Marketo was made ({error})"
            ) from error

    return guarded


class _Instance:
    """One instance's rows, read inside a transaction."""

    cooldown_until: float
    blocked_until: float
    shrunk_to: int | None
    penalized_at: float | None

    def __init__(self, db: sqlite3.Connection, instance_id: int):
        self.db, self.id = db, instance_id
        row = db.execute(
            "SELECT cooldown_until, blocked_until, shrunk_to, penalized_at "
            "FROM governor_instance WHERE instance_id = ?",
            (instance_id,),
        ).fetchone()
        self.cooldown_until, self.blocked_until, self.shrunk_to, self.penalized_at = row or (
            0.0,
            0.0,
            None,
            None,
        )

    def effective_window_budget(self, budget: Budget, now: float) -> int:
        return policy.effective_window_budget(budget, self.shrunk_to, self.penalized_at, now)

    def daily_used(self, day: str) -> int:
        row = self.db.execute(
            "SELECT used FROM governor_daily WHERE instance_id = ? AND day = ?", (self.id, day)
        ).fetchone()
        return int(row[0]) if row else 0

    def in_flight(self, now: float) -> int:
        return self._count("lease_until > ?", now)

    def in_window(self, budget: Budget, now: float) -> int:
        # All the instance's rows less those before the window: once an admission has
        # forgotten the calls long over, these are only calls still in flight.
        row = self.db.execute(
            "SELECT admissions FROM governor_admission_count WHERE instance_id = ?", (self.id,)
        ).fetchone()
        before = self._count("admitted_at <= ?", now - budget.window_span)
        return (row[0] if row else 0) - before

    def nth_lease_expiry(self, now: float, n: int) -> float:
        """When the n-th (from 0) lease still in flight expires, soonest first."""
        return self._nth("lease_until", "lease_until > ?", now, n)

    def nth_admission(self, budget: Budget, now: float, n: int) -> float:
        """When the n-th (from 0) call still counting in the window was admitted."""
        return self._nth("admitted_at", "admitted_at > ?", now - budget.window_span, n)

    # Each count, and each pick of one row by OFFSET, walks a short range of an index that
    # starts with instance_id: the calls in flight, the rows before the window, or (only
    # when refusing) the calls over the limit; never every call the window holds.
    def _count(self, condition: str, value: float) -> int:
        sql = f"SELECT count(*) FROM governor_admission WHERE instance_id = ? AND {condition}"  # noqa: S608
        return int(self.db.execute(sql, (self.id, value)).fetchone()[0])

    def _nth(self, column: str, condition: str, value: float, n: int) -> float:
        sql = (
            f"SELECT {column} FROM governor_admission WHERE instance_id = ? AND {condition} "  # noqa: S608
            f"ORDER BY {column} LIMIT 1 OFFSET ?"
        )
        return float(self.db.execute(sql, (self.id, value, n)).fetchone()[0])

    def save(self) -> None:
        self.db.execute(
            "INSERT INTO governor_instance "
            "(instance_id, cooldown_until, blocked_until, shrunk_to, penalized_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (instance_id) DO UPDATE SET "
            "cooldown_until = excluded.cooldown_until, blocked_until = excluded.blocked_until, "
            "shrunk_to = excluded.shrunk_to, penalized_at = excluded.penalized_at",
            (self.id, self.cooldown_until, self.blocked_until, self.shrunk_to, self.penalized_at),
        )


class SqliteGovernor(BlockingAcquire):
    def __init__(
        self,
        path: str | PathLike[str],
        *,
        wall_clock: Callable[[], float] = time.time,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._file = SqliteFile(path, schema=SCHEMA)
        # wall_clock only decides the Chicago quota day (tests inject daylight-saving days);
        # intervals are timed by `clock`, time.time(): the clock every process of the machine
        # shares (tests inject one that their sleep moves on).
        self._wall_clock = wall_clock
        self._clock = clock
        self._sleep = sleep

    @_fail_closed
    def try_acquire(
        self, budget: Budget, priority: Priority, *, lease_seconds: float | None = None
    ) -> Lease | Wait:
        priority = Priority(priority)
        lease_seconds = lease_length(budget, lease_seconds)
        day = quota_day(self._wall_clock())

        def admit(db: sqlite3.Connection) -> Lease | Wait:
            now = self._clock()
            instance = _Instance(db, budget.instance_id)
            if instance.blocked_until > now:
                return Wait(instance.blocked_until - now, "blocked")
            if instance.cooldown_until > now:
                return Wait(instance.cooldown_until - now, "cooldown")
            if instance.daily_used(day.key) >= budget.daily_limit:
                return Wait(day.seconds_left, "daily")
            # A row neither in the window nor in flight belongs to a call long over, or to a
            # process that died holding it.
            # By admission time: the rows to forget are the oldest, a short range at the
            # start of that index. The planner, left alone, picks the expiry index, where every
            # finished call of the window (lease_until 0) matches and must be read (0.35 ms).
            db.execute(
                "DELETE FROM governor_admission INDEXED BY governor_admission_by_time "
                "WHERE instance_id = ? AND admitted_at <= ? AND lease_until <= ?",
                (budget.instance_id, now - budget.window_span, now),
            )
            in_flight = instance.in_flight(now)
            slots = policy.concurrency_limit(budget, priority)
            if in_flight >= slots:
                soonest = instance.nth_lease_expiry(now, in_flight - slots) - now
                return Wait(min(soonest, policy.CONCURRENCY_RECHECK_SECONDS), "concurrency")
            in_window = instance.in_window(budget, now)
            allowed = policy.window_limit(
                budget, instance.effective_window_budget(budget, now), priority
            )
            if in_window >= allowed:
                # Enough of the oldest must fall out to bring the count under `allowed`.
                oldest = instance.nth_admission(budget, now, in_window - allowed)
                return Wait(oldest + budget.window_span - now, "window")
            lease_id = uuid.uuid4().hex
            db.execute(
                "INSERT INTO governor_admission VALUES (?, ?, ?, ?)",
                (budget.instance_id, lease_id, now, now + lease_seconds),
            )
            db.execute(
                "INSERT INTO governor_daily VALUES (?, ?, 1) ON CONFLICT (instance_id, day) "
                "DO UPDATE SET used = used + 1",
                (budget.instance_id, day.key),
            )
            oldest_kept = date.fromisoformat(day.key) - timedelta(days=DAILY_DAYS_KEPT)
            db.execute(
                "DELETE FROM governor_daily WHERE instance_id = ? AND day < ?",
                (budget.instance_id, oldest_kept.isoformat()),
            )
            return Lease(lease_id, budget.instance_id, priority, now, day.key)

        return self._file.run(admit)

    @_fail_closed
    def release(self, lease: Lease, *, counted: bool = True) -> None:
        day = lease.quota_day or quota_day(lease.admitted_at).key

        def end(db: sqlite3.Connection) -> None:
            if counted:
                db.execute(
                    "UPDATE governor_admission SET lease_until = 0 "
                    "WHERE instance_id = ? AND lease_id = ?",
                    (lease.instance_id, lease.id),
                )
                return
            removed = db.execute(
                "DELETE FROM governor_admission WHERE instance_id = ? AND lease_id = ?",
                (lease.instance_id, lease.id),
            ).rowcount
            if removed:
                db.execute(
                    "UPDATE governor_daily SET used = used - 1 "
                    "WHERE instance_id = ? AND day = ? AND used > 0",
                    (lease.instance_id, day),
                )

        self._file.run(end)

    @_fail_closed
    def hold(self, lease: Lease, seconds: float) -> None:
        until = self._clock() + seconds

        def shorten(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE governor_admission SET lease_until = ? "
                "WHERE instance_id = ? AND lease_id = ? AND lease_until > ?",
                (until, lease.instance_id, lease.id, until),
            )

        self._file.run(shorten)

    @_fail_closed
    def penalize(self, budget: Budget, code: str) -> None:
        kind = penalty_kind(code)
        day = quota_day(self._wall_clock())

        def record(db: sqlite3.Connection) -> None:
            now = self._clock()
            instance = _Instance(db, budget.instance_id)
            if kind == "quota":
                instance.blocked_until = now + day.seconds_left
            else:
                if instance.cooldown_until <= now:
                    # One shrink per cool-down: the calls in flight when Marketo first said
                    # 606 may all come back 606, and that is one signal, not several.
                    effective = instance.effective_window_budget(budget, now)
                    instance.shrunk_to, instance.penalized_at = policy.shrunk(effective), now
                instance.cooldown_until = now + budget.cooldown_seconds
            instance.save()

        self._file.run(record)

    @_fail_closed
    def state(self, budget: Budget) -> GovernorState:
        day = quota_day(self._wall_clock())

        def read(db: sqlite3.Connection) -> GovernorState:
            now = self._clock()
            instance = _Instance(db, budget.instance_id)
            return {
                "in_window": instance.in_window(budget, now),
                "in_flight": instance.in_flight(now),
                "daily_used": instance.daily_used(day.key),
                "daily_limit": budget.daily_limit,
                "cooldown_seconds": max(0.0, instance.cooldown_until - now),
                "blocked_until": (instance.blocked_until if instance.blocked_until > now else None),
                "window_budget": instance.effective_window_budget(budget, now),
            }

        return self._file.run(read)

    @_fail_closed
    def set_daily_used(self, budget: Budget, count: int) -> None:
        day = quota_day(self._wall_clock())

        def raise_count(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO governor_daily VALUES (?, ?, ?) ON CONFLICT (instance_id, day) "
                "DO UPDATE SET used = max(used, excluded.used)",
                (budget.instance_id, day.key, int(count)),
            )

        self._file.run(raise_count)

    @_fail_closed
    def count(self, instance_id: int, amounts: Mapping[str, float]) -> None:
        rows = [(instance_id, name, float(amount)) for name, amount in amounts.items()]

        def add(db: sqlite3.Connection) -> None:
            db.executemany(
                "INSERT INTO governor_counter VALUES (?, ?, ?) ON CONFLICT (instance_id, name) "
                "DO UPDATE SET value = value + excluded.value",
                rows,
            )

        self._file.run(add)

    @_fail_closed
    def counters(self, instance_id: int) -> dict[str, float]:
        def read(db: sqlite3.Connection) -> dict[str, float]:
            rows = db.execute(
                "SELECT name, value FROM governor_counter WHERE instance_id = ?", (instance_id,)
            )
            return {name: float(value) for name, value in rows}

        return self._file.run(read)

    @_fail_closed
    def ping(self) -> None:
        def touch(db: sqlite3.Connection) -> None:
            db.execute("SELECT 1")

        self._file.run(touch)
