from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per Celery worker, touched every few seconds while it runs (see /healthz)."""

    hostname = models.CharField(max_length=255, unique=True)
    queues = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return self.hostname
