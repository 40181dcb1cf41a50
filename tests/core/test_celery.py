import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from apps.core.models import WorkerHeartbeat
from apps.core.tasks import worker_heartbeat_prune
from marketo_admin.celery import app

ROOT = Path(__file__).resolve().parents[2]


def test_tasks_are_json_only_acked_late_and_one_at_a_time():
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert [q.name for q in conf.task_queues] == ["interactive", "background"]
    assert conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def _database_url():
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _wait_for(predicate, timeout=45):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL") or connection.vendor != "postgresql",
    reason="a worker in another process needs the shared PostgreSQL and Redis",
)
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_reports_its_heartbeat_and_runs_tasks(client):
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "marketo_admin",
            "worker",
            "--pool=threads",
            "--concurrency=2",
            "--queues=interactive,background",
            "--without-mingle",
            "--without-gossip",
            "--hostname=test-worker@%h",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": _database_url(),
            "DJANGO_SETTINGS_MODULE": "marketo_admin.settings.test",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert _wait_for(
            lambda: WorkerHeartbeat.objects.filter(hostname__startswith="test-worker@").exists()
        ), "no heartbeat"
        assert client.get("/healthz").status_code == 200

        long_gone = timezone.now() - dt.timedelta(days=3)
        WorkerHeartbeat.objects.create(
            hostname="old@gone", started_at=long_gone, last_seen_at=long_gone
        )
        worker_heartbeat_prune.delay()
        assert _wait_for(lambda: not WorkerHeartbeat.objects.filter(hostname="old@gone").exists())
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
