from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from apps.core.jobs import jobs_sweep
from apps.core.models import WorkerHeartbeat

# Rows of workers that are gone for good (scaled down, renamed) stop cluttering /healthz.
FORGET_WORKERS_AFTER = timedelta(days=1)


@shared_task(name="core.worker_heartbeat_prune")
def worker_heartbeat_prune() -> None:
    WorkerHeartbeat.objects.filter(last_seen_at__lt=timezone.now() - FORGET_WORKERS_AFTER).delete()


@shared_task(name="core.jobs_sweep")
def jobs_sweep_task() -> dict[str, int]:
    return jobs_sweep()
