"""One SQLite file shared by every process on one machine, for state that must be exact
across the web, worker and beat processes of the embedded default, with no server.

Every write runs in one short transaction that holds the file's lock from start to end:
- inside a process, a threading.Lock queues the threads;
- across processes, an exclusive `flock` on a lock file beside the database queues them.
  A waiter wakes the moment the holder lets go, where SQLite's own busy handler would
  poll with sleeps of 1, 2, 5, 10… ms; and the kernel drops the lock of a killed process.
- `BEGIN IMMEDIATE` then takes SQLite's write lock, which is free by then unless some
  other program (a `sqlite3` shell) holds it; the busy timeout covers that case.
WAL with synchronous=OFF: nothing waits for the disk (an fsync at each WAL checkpoint cost
up to 10 ms per call), and a killed process still loses nothing, since its writes are in
the operating system's cache. Only a machine that loses power can lose or damage the
file, whose contents are short-lived: windows and leases of the last seconds, a token to
fetch again, and a daily count that the usage sync raises back to Marketo's own figure.
A damaged file is set aside and started afresh.
"""

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: SQLite's busy timeout alone serialises the processes
    fcntl = None  # type: ignore[assignment]  # None says there is no flock

BUSY_TIMEOUT_SECONDS = 5.0


class SqliteFile:
    def __init__(self, path: str | os.PathLike[str], *, schema: str):
        self.path = Path(path)
        self._schema = schema
        self._pid: int | None = None
        self._open_lock = threading.Lock()

    def _ensure_open(self) -> None:
        # After a fork the child must not share the parent's lock file: flock locks belong
        # to the open file, which a forked child shares with its parent.
        if self._pid == os.getpid():
            return
        with self._open_lock:
            if self._pid == os.getpid():
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock_file = open(f"{self.path}.lock", "a+b")  # noqa: SIM115 (held for life)
            self._thread_lock = threading.Lock()
            with self._held():
                try:
                    self._db = self._connect()
                except sqlite3.DatabaseError as damaged:
                    if "malformed" not in str(damaged) and "not a database" not in str(damaged):
                        raise
                    for part in ("", "-wal", "-shm"):
                        with contextlib.suppress(FileNotFoundError):
                            os.replace(f"{self.path}{part}", f"{self.path}.damaged{part}")
                    self._db = self._connect()
            self._pid = os.getpid()

    def _connect(self) -> sqlite3.Connection:
        # One connection per process, used by one thread at a time under _thread_lock.
        db = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_SECONDS,
            isolation_level=None,  # we issue BEGIN IMMEDIATE ourselves
            check_same_thread=False,
        )
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")
            db.executescript(self._schema)
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    @contextlib.contextmanager
    def _held(self) -> Iterator[None]:
        with self._thread_lock:
            if fcntl is not None:
                fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: commits when the block ends, rolls back if it raises."""
        self._ensure_open()
        try:
            with self._held():
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
        finally:
            # Let a waiter that the unlock woke in another process take the lock before this
            # process's next thread does: without it, a process's threads pass the lock among
            # themselves while the others wait (p95 of an admission and release by 3 x 4
            # callers back to back: 14.3 ms without, 7.6 ms with).
            if fcntl is not None:
                os.sched_yield()
