"""The file every process of the embedded default shares (apps.marketo.sqlite_file): the
operations of a process's threads combined into one transaction, each still on its own, and
the lock handed to the process that waits for it."""

import multiprocessing
import os
import signal
import sqlite3
import threading
import time

import pytest

from apps.marketo.sqlite_file import SqliteFile

FORK = multiprocessing.get_context("fork")
SCHEMA = """
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS note (text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS parent (id INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS child (
    parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED
);
"""


@pytest.fixture
def path(tmp_path):
    return tmp_path / "shared.sqlite3"


def _notes(path) -> list[str]:
    with sqlite3.connect(path) as db:
        return sorted(text for (text,) in db.execute("SELECT text FROM note"))


def _write(text: str, *, then_raise: bool = False):
    def operation(db):
        db.execute("INSERT INTO note VALUES (?)", (text,))
        if then_raise:
            raise ValueError(f"{text} failed")
        return text, threading.get_ident()

    return operation


def _orphan(db):
    """Checked only at COMMIT: the whole transaction fails there."""
    db.execute("INSERT INTO child VALUES (404)")


def _in_one_batch(shared: SqliteFile, operations: dict) -> dict:
    """Run the operations from threads of their own while another thread holds the file, so
    that they queue and the next thread to combine runs them in one transaction. Returns
    each one's result, or the error it raised."""
    holding, go_on, outcomes = threading.Event(), threading.Event(), {}

    def hold(db):
        holding.set()
        assert go_on.wait(10)

    def call(name, operation):
        try:
            outcomes[name] = shared.run(operation)
        except Exception as error:
            outcomes[name] = error

    holder = threading.Thread(target=call, args=("holder", hold))
    holder.start()
    assert holding.wait(10)
    callers = [threading.Thread(target=call, args=item) for item in operations.items()]
    for caller in callers:
        caller.start()
    deadline = time.monotonic() + 10
    while len(shared._queued) < len(operations):
        assert time.monotonic() < deadline, "the operations never queued"
        time.sleep(0.005)
    go_on.set()
    for thread in [holder, *callers]:
        thread.join(10)
    del outcomes["holder"]
    return outcomes


def test_operations_queued_meanwhile_run_in_one_batch_where_one_that_raises_undoes_only_itself(
    path,
):
    shared = SqliteFile(path, schema=SCHEMA)
    outcomes = _in_one_batch(
        shared, {name: _write(name, then_raise=name == "c") for name in ("b", "c", "d")}
    )
    assert isinstance(outcomes["c"], ValueError) and str(outcomes["c"]) == "c failed"
    assert outcomes["b"][0] == "b" and outcomes["d"][0] == "d"
    assert outcomes["b"][1] == outcomes["d"][1], "one thread ran the batch"
    assert _notes(path) == ["b", "d"]


def test_a_batch_that_cannot_commit_fails_for_every_caller_and_writes_nothing(path):
    shared = SqliteFile(path, schema=SCHEMA)
    outcomes = _in_one_batch(shared, {"b": _write("b"), "orphan": _orphan})
    assert all(isinstance(outcome, sqlite3.IntegrityError) for outcome in outcomes.values())
    assert _notes(path) == []
    assert shared.run(_write("after"))[0] == "after"  # the connection is usable again
    assert _notes(path) == ["after"]


def test_an_operation_alone_that_raises_writes_nothing(path):
    shared = SqliteFile(path, schema=SCHEMA)
    with pytest.raises(ValueError, match="a failed"):
        shared.run(_write("a", then_raise=True))
    with pytest.raises(sqlite3.IntegrityError):
        shared.run(_orphan)
    assert shared.run(_write("b"))[0] == "b"
    assert _notes(path) == ["b"]


def test_a_caller_interrupted_while_queued_withdraws_its_operation(path):
    shared = SqliteFile(path, schema=SCHEMA)
    holding, go_on = threading.Event(), threading.Event()

    def hold(db):
        holding.set()
        assert go_on.wait(10)

    holder = threading.Thread(target=shared.run, args=(hold,))
    holder.start()
    assert holding.wait(10)

    class Interrupted(Exception):
        pass

    def interrupt(signum, frame):
        raise Interrupted

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.2)  # while this thread waits in the queue
    try:
        with pytest.raises(Interrupted):
            shared.run(_write("withdrawn"))
    finally:
        signal.signal(signal.SIGALRM, previous)
    go_on.set()
    holder.join(10)
    shared.run(_write("after"))
    assert _notes(path) == ["after"]


def _until_blocked_on(lock_path: str) -> None:
    """Until some process waits for an flock on the file (Linux lists waiters with "->")."""
    inode = f":{os.stat(lock_path).st_ino} "
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with open("/proc/locks") as locks:
            if any("->" in line and inode in line for line in locks):
                return
        time.sleep(0.005)
    raise AssertionError("no process waited for the lock")


def _wait_for_the_lock_then_write(path, opened, go):
    shared = SqliteFile(path, schema=SCHEMA)
    shared.run(lambda db: None)
    opened.set()
    assert go.wait(10)
    shared.run(_write("the waiting process"))


def test_a_process_waiting_for_the_lock_gets_it_before_the_holder_takes_it_again(path):
    opened, go = FORK.Event(), FORK.Event()
    waiter = FORK.Process(target=_wait_for_the_lock_then_write, args=(path, opened, go))
    waiter.start()  # before this process opens the file: SQLite must not be forked open
    assert opened.wait(10)
    shared = SqliteFile(path, schema=SCHEMA)

    def hold_until_the_other_process_waits(db):
        go.set()
        _until_blocked_on(f"{path}.lock")

    shared.run(hold_until_the_other_process_waits)
    seen_next = shared.run(lambda db: [text for (text,) in db.execute("SELECT text FROM note")])
    waiter.join(10)
    assert waiter.exitcode == 0
    assert seen_next == ["the waiting process"]
