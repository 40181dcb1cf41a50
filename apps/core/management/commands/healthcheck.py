"""The container health checks of docker/compose.yaml: exit 0 when the role is healthy."""

import os
import socket
import time
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.core.models import WorkerHeartbeat


class Command(BaseCommand):
    help = "Check one process of this container: web, worker or beat."

    def add_arguments(self, parser) -> None:
        parser.add_argument("role", choices=["web", "worker", "beat"])

    def handle(self, *args, role, **options) -> None:
        getattr(self, f"check_{role}")()
        self.stdout.write(f"{role}: ok")

    def check_web(self):
        url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz/live"
        try:
            with urllib.request.urlopen(url, timeout=5):
                pass
        except OSError as exc:
            raise CommandError(f"web: {url} did not answer: {exc}") from exc

    def check_worker(self):
        hostname = f"celery@{socket.gethostname()}"
        beat = WorkerHeartbeat.objects.filter(hostname=hostname).first()
        if beat is None:
            raise CommandError(f"worker: no heartbeat from {hostname} yet")
        age = (timezone.now() - beat.last_seen_at).total_seconds()
        if age > settings.WORKER_HEARTBEAT_STALE_SECONDS:
            raise CommandError(f"worker: last heartbeat {age:.0f} s ago")

    def check_beat(self):
        try:
            age = time.time() - settings.BEAT_HEARTBEAT_FILE.stat().st_mtime
        except FileNotFoundError as exc:
            raise CommandError("beat: it has not sent a task yet") from exc
        if age > 180:
            raise CommandError(f"beat: last task sent {age:.0f} s ago")
