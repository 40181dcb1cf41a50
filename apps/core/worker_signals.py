"""Celery hooks: worker heartbeats for /healthz, and the request id carried into tasks."""

import logging
import threading

from celery import signals
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from apps.core.logging import new_request_id, request_id_var
from apps.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)
_stop_heartbeat = threading.Event()


@signals.before_task_publish.connect
def _attach_request_id(headers=None, **kwargs):
    # The web request that queued the task lends it its id, so both sides' log lines match.
    if headers is not None and request_id_var.get() != "-":
        headers.setdefault("request_id", request_id_var.get())


@signals.task_prerun.connect
def _adopt_request_id(task=None, **kwargs):
    proposed = getattr(task.request, "request_id", None) if task else None
    request_id_var.set(new_request_id(proposed))


@signals.task_postrun.connect
def _forget_request_id(**kwargs):
    request_id_var.set("-")


@signals.worker_ready.connect
def _start_heartbeat(sender=None, **kwargs):
    hostname = getattr(sender, "hostname", None) or "worker"
    queues = ",".join(sorted(q.name for q in sender.app.amqp.queues.consume_from.values()))
    _stop_heartbeat.clear()
    thread = threading.Thread(target=_beat, args=(hostname, queues), name="heartbeat", daemon=True)
    thread.start()


@signals.worker_shutdown.connect
def _stop(**kwargs):
    _stop_heartbeat.set()


def _beat(hostname, queues):
    started_at = timezone.now()
    while True:
        try:
            close_old_connections()
            WorkerHeartbeat.objects.update_or_create(
                hostname=hostname,
                defaults={"queues": queues, "last_seen_at": timezone.now()},
                create_defaults={
                    "queues": queues,
                    "started_at": started_at,
                    "last_seen_at": timezone.now(),
                },
            )
        except Exception:
            # A database hiccup must not kill the worker; /healthz shows the stale beat.
            logger.exception("could not record the worker heartbeat")
        if _stop_heartbeat.wait(settings.WORKER_HEARTBEAT_SECONDS):
            return


# --- beat ---------------------------------------------------------------------------------
# Beat sends `core.worker_heartbeat_prune` every minute (settings.CELERY_BEAT_SCHEDULE); each
# task it sends touches a file, whose age the container's health check reads.
_in_beat = threading.Event()


@signals.beat_init.connect
def _beat_started(**kwargs):
    _in_beat.set()
    _touch_beat_file()


@signals.after_task_publish.connect
def _beat_sent(**kwargs):
    if _in_beat.is_set():
        _touch_beat_file()


def _touch_beat_file():
    try:
        settings.BEAT_HEARTBEAT_FILE.touch()
    except OSError:
        logger.warning("could not touch %s", settings.BEAT_HEARTBEAT_FILE)
