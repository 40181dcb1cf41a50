"""Who notices that the worker or beat is dead, when the evaluation of the rules runs on
them: each watches the other.

- Every worker runs a thread that evaluates the heartbeat rule every ALERT_WATCH_SECONDS:
  beat's tick (the `alerts.evaluate` task it sends each minute) gone stale means beat is
  silent.
- Beat runs a thread that does the same: no worker heartbeat means no worker is left.

Both deliver from the thread (no worker may be there to send), and the one-open-alert
constraint makes their racing evaluations one alert. With both dead, nothing here can tell
anyone: that is what the container health checks and /healthz are for.
"""

import logging
import threading

from celery import signals
from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

_stop = threading.Event()


@signals.worker_ready.connect
def _watch_from_worker(**kwargs) -> None:
    _start("alerts-watch-beat")


@signals.beat_init.connect
def _watch_from_beat(**kwargs) -> None:
    _start("alerts-watch-workers")


@signals.worker_shutdown.connect
def _stop_watching(**kwargs) -> None:
    _stop.set()


def _start(name: str) -> None:
    _stop.clear()
    threading.Thread(target=_watch, name=name, daemon=True).start()


def _watch() -> None:
    while not _stop.wait(settings.ALERT_WATCH_SECONDS):
        close_old_connections()  # this thread's own connection, as a request's
        watch_once()


def watch_once() -> dict[str, int] | None:
    from apps.alerts.services import evaluate

    try:
        return evaluate(instances=[], deployment=True, deliver_inline=True)
    except Exception:  # the database is unreachable: the next round tries again
        logger.exception("could not evaluate the heartbeat rule")
        return None
