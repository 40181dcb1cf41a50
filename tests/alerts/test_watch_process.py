"""A real worker process watches beat: with beat's tick stale and the worker alive, the
worker's own thread fires the deployment's heartbeat alert and creates its delivery, with
no beat and no task involved."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.alerts.models import Alert, Channel, Delivery, RuleKind
from apps.alerts.rules.heartbeat import record_tick
from apps.core.models import WorkerHeartbeat
from tests.conftest import wait_for


@pytest.fixture
def watching_worker(transactional_db, monkeypatch, request):
    monkeypatch.setenv("ALERT_WATCH_SECONDS", "1")
    return request.getfixturevalue("celery_worker_process")


@pytest.mark.usefixtures("shared_services")
def test_a_worker_notices_that_beat_is_silent(watching_worker):
    Channel.objects.create(name="Ops", kind="email", recipients="ops@corp.example")
    record_tick(timezone.now() - timedelta(minutes=10))
    assert wait_for(lambda: WorkerHeartbeat.objects.exists())
    assert wait_for(lambda: Alert.objects.filter(kind=RuleKind.HEARTBEAT).exists())
    (alert,) = Alert.objects.filter(kind=RuleKind.HEARTBEAT)
    assert (alert.subject, alert.instance, alert.state) == ("beat", None, "firing")
    assert Delivery.objects.filter(alert=alert, event="fired").count() == 1
    record_tick(timezone.now())  # beat is back
    assert wait_for(lambda: Alert.objects.filter(pk=alert.pk, state=Alert.State.RESOLVED).exists())
