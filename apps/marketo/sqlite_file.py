"""One SQLite file shared by every process on one machine, for state that must be exact
across the web, worker and beat processes of the embedded default, with no server.

Every write is an operation, a function of the connection, run in a transaction that holds
the file's lock from start to end:
- across processes, an exclusive `flock` on a lock file beside the database queues them.
  A waiter wakes the moment the holder lets go, where SQLite's own busy handler would
  poll with sleeps of 1, 2, 5, 10… ms; and the kernel drops the lock of a killed process.
  A process first passes a turnstile (a second `flock`) and holds it while it waits for
  the lock, so a holder that wants the lock again right after letting go waits behind the
  process already waiting, instead of taking it back before that one has woken up.
- inside a process, the threads combine their operations: the thread that finds none of
  its siblings at the lock takes it for all of them and runs, in one transaction, every
  operation queued by then, each in its own savepoint, so that one that raises rolls back
  only itself and raises in its own caller. The operations still run one after another
  under the file's lock, reading one clock, so each is as exact as if it ran alone; but
  the lock changes hands once per batch, not once per operation, and on two cores a hand-
  over costs more than an operation. (An admission and release by 3 processes x 4 threads
  back to back, p95 in alternating runs on two cores other work kept busy: 4.6-9.7 ms with
  a transaction and a hand-over each, 2.8-4.4 ms combined; one caller: 0.10-0.16 ms.)
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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

try:
    import fcntl
except ImportError:  # Windows: SQLite's busy timeout alone serialises the processes
    fcntl = None  # type: ignore[assignment]  # None says there is no flock

BUSY_TIMEOUT_SECONDS = 5.0

Result = TypeVar("Result")


class _Operation:
    """One caller's operation, and what came of it once its batch has committed."""

    __slots__ = ("done", "error", "result", "run")

    def __init__(self, run: Callable[[sqlite3.Connection], Any]):
        self.run = run
        self.done = False
        self.result: Any = None
        self.error: Exception | None = None


class SqliteFile:
    def __init__(self, path: str | os.PathLike[str], *, schema: str):
        self.path = Path(path)
        self._schema = schema
        self._pid: int | None = None
        self._open_lock = threading.Lock()

    def _ensure_open(self) -> None:
        # After a fork the child must not share the parent's lock files: flock locks belong
        # to the open file, which a forked child shares with its parent. Nor its queue: the
        # parent's threads, and any batch they were running, are not in the child.
        if self._pid == os.getpid():
            return
        with self._open_lock:
            if self._pid == os.getpid():
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock_file = open(f"{self.path}.lock", "a+b")  # noqa: SIM115 (held for life)
            self._turnstile = open(f"{self.path}.turnstile", "a+b")  # noqa: SIM115 (same)
            self._queued: list[_Operation] = []
            self._combining = False
            self._queue_changed = threading.Condition(threading.Lock())
            with self._file_locked():
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
        # One connection per process, used by one combining thread at a time.
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
    def _file_locked(self) -> Iterator[None]:
        if fcntl is None:
            yield
            return
        fcntl.flock(self._turnstile.fileno(), fcntl.LOCK_EX)
        try:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX)
        finally:
            fcntl.flock(self._turnstile.fileno(), fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)

    def run(self, operation: Callable[[sqlite3.Connection], Result]) -> Result:
        """operation(connection) in a write transaction: returns what it returns, or raises
        what it raised, its writes rolled back. It may run in another thread of this
        process, so it must touch nothing but the connection and what it closes over."""
        self._ensure_open()
        mine = _Operation(operation)
        try:
            with self._queue_changed:
                self._queued.append(mine)
                while self._combining and not mine.done:
                    self._queue_changed.wait()
                combine = not mine.done
                if combine:
                    self._combining = True
            if combine:
                try:
                    self._combine(mine)
                finally:
                    with self._queue_changed:
                        self._combining = False
                        self._queue_changed.notify_all()
        except BaseException:
            # Interrupted (Ctrl-C), or the file could not be locked: the caller gives up, and
            # its operation is withdrawn unless a batch has taken it already.
            with self._queue_changed, contextlib.suppress(ValueError):
                self._queued.remove(mine)
            raise
        if mine.error is not None:
            raise mine.error
        result: Result = mine.result
        return result

    def _combine(self, mine: _Operation) -> None:
        with self._file_locked():
            # Taken once the file is ours: whatever was queued while we waited joins in.
            with self._queue_changed:
                batch, self._queued = self._queued, []
            try:
                self._run_batch(batch)
            except Exception as error:  # BEGIN, a savepoint or COMMIT: nothing was written
                self._roll_back()
                for operation in batch:
                    operation.result, operation.error = None, operation.error or error
            except BaseException:
                # This thread was interrupted (Ctrl-C): the other callers' operations go back
                # to the queue, undone, for the next batch.
                self._roll_back()
                others = [operation for operation in batch if operation is not mine]
                for operation in others:
                    operation.result = operation.error = None
                with self._queue_changed:
                    self._queued[:0] = others
                raise
            for operation in batch:
                operation.done = True

    def _run_batch(self, batch: list[_Operation]) -> None:
        # Alone in its transaction, an operation needs no savepoint: if it raises, the whole
        # transaction rolls back.
        db, alone = self._db, len(batch) == 1
        db.execute("BEGIN IMMEDIATE")
        for operation in batch:
            if not alone:
                db.execute("SAVEPOINT operation")
            try:
                operation.result = operation.run(db)
            except Exception as error:
                operation.error = error
                if not alone:
                    db.execute("ROLLBACK TO operation")
            if not alone:
                db.execute("RELEASE operation")
        db.execute("ROLLBACK" if alone and batch[0].error is not None else "COMMIT")

    def _roll_back(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
