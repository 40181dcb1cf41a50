"""Deliveries through a real Celery worker (issue 16): an alert event's delivery queued when
its transaction commits, and one whose message was lost, sent by the sweep's task."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.alerts.delivery import LOST_AFTER
from apps.alerts.models import Delivery
from apps.alerts.notify import notify
from apps.alerts.tasks import deliveries_sweep_task
from tests.alerts.factories import make_alert, make_channel, make_delivery
from tests.conftest import needs_shared_services, wait_for
from tests.factories import make_instance

pytestmark = needs_shared_services


def _sent(delivery_id):
    return Delivery.objects.get(pk=delivery_id).status == Delivery.Status.SENT


def test_an_alert_event_is_delivered_by_a_worker_once_committed(receiver, celery_worker_process):
    _, secret = make_channel(url=receiver.url)
    receiver.secret = secret
    alert = make_alert(make_instance("Production"))
    with transaction.atomic():
        (delivery,) = notify(alert, "fired")
    assert wait_for(lambda: _sent(delivery.pk))
    (message,) = receiver.received
    assert message.signature_ok and message.json()["alert"]["id"] == alert.pk


def test_the_sweep_sends_a_delivery_whose_message_was_lost(receiver, celery_worker_process):
    channel, _ = make_channel(url=receiver.url)
    lost = make_delivery(
        channel, event="test", at=timezone.now() - LOST_AFTER - timedelta(seconds=1)
    )
    deliveries_sweep_task.delay()
    assert wait_for(lambda: _sent(lost.pk))
    assert len(receiver.received) == 1
