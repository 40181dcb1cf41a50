"""`celery worker --stop-grace=SECONDS`: a warm shutdown that ends within that time.

A warm shutdown waits for every running task, and a sync or a batch lookup can run for
minutes (the threads pool cannot cancel a task: Celery's cold shutdown fails on it). With
this option the worker waits `SECONDS` for running tasks to finish; then it closes its
broker connection, which puts every message it took and did not acknowledge (tasks are
acks_late) back in the queue, and exits. When a message comes back, lead lookups and usage
syncs go on from their last stored batch or day; an asset sync's row still holds the
stopped worker's claim, so it resumes when that claim goes stale (assets.sync.STALE_AFTER),
or at once when `run_embedded` starts again. A task stopped this way may have made a call
whose answer it never stored; every task here is safe to run again.

Without the option the worker shuts down as Celery does by default. `run_embedded` uses
it; a production worker can too (keep it below the orchestrator's kill timeout).
"""

import logging
import os
import sys
import threading
import time

from celery import bootsteps, signals
from click import Option

logger = logging.getLogger(__name__)

OPTION = Option(
    ["--stop-grace"],
    type=float,
    default=None,
    help="On a warm shutdown, wait this many seconds for running tasks, then hand them "
    "back to the broker and exit.",
)


class StopGrace(bootsteps.Step):
    """Arms a timer when the worker is asked to stop (SIGTERM, or Ctrl-C in a terminal)."""

    def __init__(self, worker, stop_grace=None, **options) -> None:
        super().__init__(worker, **options)
        self.grace = stop_grace
        if stop_grace is not None:
            self.worker = worker
            signals.worker_shutting_down.connect(self._arm, weak=False)

    def _arm(self, **kwargs) -> None:
        # Called in the signal handler: the timer thread does the waiting.
        watchdog = threading.Thread(
            target=_hand_back_and_exit, args=(self.worker, self.grace), daemon=True
        )
        watchdog.start()


def _hand_back_and_exit(worker, grace) -> None:
    # Imported here, not at the top: this module is loaded by every process (with the Celery
    # app), and celery.worker costs the web and the commands 59 modules, about 85 ms.
    from celery.worker.state import active_requests

    # Until the consumer's loop has ended, the main thread may be taking a message off the
    # queue: closing the connection then could lose it. The blueprint leaves RUN only after.
    # bootsteps.RUN is missing from celery-types.
    while worker.blueprint.state == bootsteps.RUN:  # type: ignore[attr-defined]
        time.sleep(0.05)
    time.sleep(grace)
    # Still here: tasks are running, or Celery is winding down (its timer thread alone
    # takes up to a second). Either way the rest is closing the connection, and exiting.
    if active_requests:
        logger.warning(
            "%d task(s) still running %.1f s after the stop request: their messages go "
            "back to the queue, and they resume from their checkpoints on the next start",
            len(active_requests),
            grace,
        )
    connection = getattr(worker.consumer, "connection", None)
    exit_code = 0
    try:
        if connection is not None:
            # kombu restores the channel's unacknowledged messages when it closes.
            connection.close()
    except Exception:
        logger.exception("could not hand the running tasks back to the broker")
        exit_code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    # The task threads cannot be stopped; ending the process is the only way out of them.
    os._exit(exit_code)
