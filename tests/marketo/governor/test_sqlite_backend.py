"""What only the embedded backend has: a file, its lock, and processes that share both."""

import multiprocessing
import os
import signal
import sqlite3
import time

import pytest

from apps.marketo.governor import GovernorUnavailable, Lease, Priority, sqlite_governor

from .conftest import make_budget

FORK = multiprocessing.get_context("fork")


def _die_inside_a_transaction(path, ready):
    def hold(db):
        ready.put("holding the lock")
        time.sleep(60)

    sqlite_governor(path)._file.run(hold)


def test_a_process_killed_inside_a_transaction_leaves_the_file_usable(sqlite_path):
    ready = FORK.Queue()
    doomed = FORK.Process(target=_die_inside_a_transaction, args=(sqlite_path, ready))
    doomed.start()
    assert ready.get(timeout=10) == "holding the lock"
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.join(timeout=10)
    started = time.monotonic()
    lease = sqlite_governor(sqlite_path).try_acquire(make_budget(), Priority.INTERACTIVE)
    assert isinstance(lease, Lease)
    assert time.monotonic() - started < 1  # the kernel dropped the dead process's lock


def test_the_count_outlives_the_process_that_made_it(sqlite_path):
    budget = make_budget(calls_per_window=3)
    first = sqlite_governor(sqlite_path)
    for _ in range(3):
        first.release(first.try_acquire(budget, Priority.INTERACTIVE))
    restarted = sqlite_governor(sqlite_path)
    assert restarted.try_acquire(budget, Priority.INTERACTIVE).reason == "window"
    assert restarted.state(budget)["daily_used"] == 3


def test_a_file_that_cannot_be_written_fails_closed_with_a_clear_message(tmp_path):
    (tmp_path / "not-a-folder").write_text("")
    governor = sqlite_governor(tmp_path / "not-a-folder" / "governor.sqlite3")
    with pytest.raises(GovernorUnavailable, match=r"SQLite file .* no call to Marketo was made"):
        governor.try_acquire(make_budget(), Priority.INTERACTIVE)
    with pytest.raises(GovernorUnavailable):
        governor.ping()


def test_a_damaged_file_is_set_aside_and_started_afresh(sqlite_path):
    sqlite_path.write_bytes(b"this is not a database" * 100)
    governor = sqlite_governor(sqlite_path)
    assert isinstance(governor.try_acquire(make_budget(), Priority.INTERACTIVE), Lease)
    assert (sqlite_path.parent / "governor.sqlite3.damaged").exists()


def test_a_file_from_before_the_admission_count_counts_its_window_once_opened(sqlite_path):
    budget = make_budget(calls_per_window=3)
    governor = sqlite_governor(sqlite_path)
    for _ in range(2):
        governor.release(governor.try_acquire(budget, Priority.INTERACTIVE))
    with sqlite3.connect(sqlite_path) as db:  # as an earlier version left the file
        db.executescript(
            "DROP TRIGGER governor_admission_counted; DROP TRIGGER governor_admission_uncounted;"
            "DROP TABLE governor_admission_count;"
        )
    reopened = sqlite_governor(sqlite_path)
    assert reopened.state(budget)["in_window"] == 2
    assert isinstance(reopened.try_acquire(budget, Priority.INTERACTIVE), Lease)
    assert reopened.try_acquire(budget, Priority.INTERACTIVE).reason == "window"
    assert reopened.state(budget)["in_window"] == 3
