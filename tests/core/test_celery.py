import datetime as dt

import pytest
from django.utils import timezone

from apps.core.models import WorkerHeartbeat
from apps.core.tasks import worker_heartbeat_prune
from marketo_admin.celery import app
from tests.conftest import needs_shared_services, wait_for


def test_tasks_are_json_only_acked_late_and_one_at_a_time():
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert [q.name for q in conf.task_queues] == ["interactive", "background"]
    assert conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def test_a_task_a_person_waits_for_goes_to_the_interactive_queue():
    assert app.amqp.router.route({}, "instances.connection_test_run")["queue"].name == "interactive"
    assert app.amqp.router.route({}, "core.worker_heartbeat_prune")["queue"].name == "background"


@needs_shared_services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_reports_its_heartbeat_and_runs_tasks(client, celery_worker_process):
    assert wait_for(
        lambda: WorkerHeartbeat.objects.filter(hostname__startswith="test-worker@").exists()
    ), "no heartbeat"
    assert client.get("/healthz").status_code == 200

    long_gone = timezone.now() - dt.timedelta(days=3)
    WorkerHeartbeat.objects.create(
        hostname="old@gone", started_at=long_gone, last_seen_at=long_gone
    )
    worker_heartbeat_prune.delay()
    assert wait_for(lambda: not WorkerHeartbeat.objects.filter(hostname="old@gone").exists())
