"""Celery hooks: worker heartbeats for /healthz and beat's heartbeat file.

The request id is carried into tasks by django-guid's Celery integration (settings.DJANGO_GUID).
"""

import logging
import threading

from celery import signals
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from apps.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)
_stop_heartbeat = threading.Event()


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
