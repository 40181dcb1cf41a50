"""The Celery app. Every process that sends or runs tasks imports it via marketo_admin/__init__."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketo_admin.settings.local")

app = Celery("marketo_admin")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Two queues, so that a person waiting in the browser is never stuck behind a sync.
# Workers consume both; the governor (apps.marketo) orders the calls themselves.
app.conf.task_queues = (Queue("interactive"), Queue("background"))
app.autodiscover_tasks()

# `worker --stop-grace=SECONDS` (apps.core.worker_stop): a warm shutdown with a time limit.
from apps.core.worker_stop import OPTION as STOP_GRACE_OPTION  # noqa: E402
from apps.core.worker_stop import StopGrace  # noqa: E402

app.user_options["worker"].add(STOP_GRACE_OPTION)
app.steps["worker"].add(StopGrace)
