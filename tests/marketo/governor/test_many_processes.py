"""Many processes, one budget: what a deployment of several workers, and the web, worker and
beat processes of the embedded default, rely on. Run on every backend that processes share:
SQLite, one Redis server and a Redis Cluster."""

import multiprocessing
import os
import signal
import threading
import time

from apps.marketo.governor import Lease, Priority, Wait

from .conftest import make_budget

# fork: the children need nothing but this module's functions, and fork starts them fast.
FORK = multiprocessing.get_context("fork")


def _attempt_admissions(make_governor, budget, attempts, barrier, results):
    governor = make_governor()
    governor.ping()  # connected before the start line, so that all start together
    barrier.wait(timeout=30)
    answers = [governor.try_acquire(budget, Priority.BACKGROUND) for _ in range(attempts)]
    results.put([answer.id for answer in answers if isinstance(answer, Lease)])


def test_1000_simultaneous_attempts_from_4_processes_admit_exactly_the_budget(
    make_shared_governor,
):
    budget = make_budget(calls_per_window=100, interactive_reserve=0, concurrency=10_000)
    barrier, results = FORK.Barrier(4), FORK.Queue()
    workers = [
        FORK.Process(
            target=_attempt_admissions, args=(make_shared_governor, budget, 250, barrier, results)
        )
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    admitted = [lease_id for _ in workers for lease_id in results.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=10)
        assert worker.exitcode == 0
    assert len(admitted) == len(set(admitted)) == 100
    state = make_shared_governor().state(budget)
    assert (state["in_window"], state["in_flight"], state["daily_used"]) == (100, 100, 100)


def _attempt_admissions_from_threads(make_governor, budget, attempts, barrier, results):
    governor = make_governor()
    governor.ping()
    barrier.wait(timeout=30)
    admitted, lock = [], threading.Lock()

    def attempt():
        answers = [governor.try_acquire(budget, Priority.BACKGROUND) for _ in range(attempts)]
        with lock:
            admitted.extend(answer.id for answer in answers if isinstance(answer, Lease))

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(admitted)


def test_1000_attempts_from_4_processes_of_4_threads_admit_exactly_the_budget(
    make_shared_governor,
):
    """As the web and worker processes make them: the embedded backend combines a process's
    threads' admissions into one transaction, and each must still count the ones before."""
    budget = make_budget(calls_per_window=100, interactive_reserve=0, concurrency=10_000)
    barrier, results = FORK.Barrier(4), FORK.Queue()
    workers = [
        FORK.Process(
            target=_attempt_admissions_from_threads,
            args=(make_shared_governor, budget, 63, barrier, results),
        )
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    admitted = [lease_id for _ in workers for lease_id in results.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=10)
        assert worker.exitcode == 0
    assert len(admitted) == len(set(admitted)) == 100
    state = make_shared_governor().state(budget)
    assert (state["in_window"], state["in_flight"], state["daily_used"]) == (100, 100, 100)


def _hold_leases_and_hang(make_governor, budget, count, ready):
    governor = make_governor()
    leases = [governor.try_acquire(budget, Priority.INTERACTIVE) for _ in range(count)]
    ready.put([lease.admitted_at for lease in leases if isinstance(lease, Lease)])
    time.sleep(60)  # a worker stuck in a call, until it is killed


def test_a_sigkilled_processes_slots_come_back_after_the_lease_time(make_shared_governor):
    budget = make_budget(concurrency=3, lease_seconds=1.0)
    ready = FORK.Queue()
    worker = FORK.Process(
        target=_hold_leases_and_hang, args=(make_shared_governor, budget, 3, ready)
    )
    worker.start()
    admitted_at = ready.get(timeout=30)
    assert len(admitted_at) == 3
    os.kill(worker.pid, signal.SIGKILL)
    worker.join(timeout=10)
    assert worker.exitcode == -signal.SIGKILL

    governor = make_shared_governor()
    assert governor.try_acquire(budget, Priority.INTERACTIVE).reason == "concurrency"
    answer, deadline = None, time.monotonic() + 5
    while not isinstance(answer, Lease) and time.monotonic() < deadline:
        answer = governor.try_acquire(budget, Priority.INTERACTIVE)
        if isinstance(answer, Wait):
            time.sleep(0.02)
    assert isinstance(answer, Lease)
    # Not before the lease time (one clock on both sides), and soon after it.
    assert 1.0 <= answer.admitted_at - min(admitted_at) < 1.3
    time.sleep(max(0.0, max(admitted_at) + 1.01 - answer.admitted_at))
    others = [governor.try_acquire(budget, Priority.INTERACTIVE) for _ in range(2)]
    assert all(isinstance(other, Lease) for other in others), "every dead slot came back"
    assert governor.state(budget)["in_flight"] == 3
