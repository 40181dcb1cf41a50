"""Telling people: an alert event becomes one Delivery per channel that should hear of it.

The rows are the record: a delivery is sent by a task queued once the event is committed,
and one whose message was lost (the broker was down) or that failed is retried from its row
(apps.alerts.delivery), so no event is told twice or not at all.
"""

import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.alerts.models import Alert, AlertRule, Channel, Delivery

logger = logging.getLogger(__name__)


def channels_for(alert: Alert) -> list[Channel]:
    """The enabled channels of the alert's instance (or of every instance), narrowed to the
    ones its rule names when an admin chose some."""
    channels = Channel.objects.filter(enabled=True).filter(
        Q(instance__isnull=True) | Q(instance=alert.instance_id)
    )
    rule = AlertRule.objects.filter(instance=alert.instance_id, kind=alert.kind).first()
    if rule is not None and rule.channels.exists():
        channels = channels.filter(rules=rule)
    return list(channels)


def notify(alert: Alert, event: str) -> list[Delivery]:
    """Queue one delivery of `event` (an AlertEvent.Kind) of `alert` to each of its
    channels. Call it inside the transaction that records the event."""
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        Delivery(channel=channel, alert=alert, event=event, next_attempt_at=now)
        for channel in channels_for(alert)
    )
    ids = [delivery.pk for delivery in deliveries]
    if ids:
        transaction.on_commit(lambda: send_soon(ids))
    return deliveries


def send_soon(delivery_ids: list[int]) -> None:
    """Hand the deliveries to a worker. A broker that is down loses nothing: the sweep of
    due deliveries sends them."""
    from apps.alerts.tasks import deliver_task

    for delivery_id in delivery_ids:
        try:
            deliver_task.delay(delivery_id)
        except Exception:  # the broker is down: the row stays due
            logger.warning("could not queue delivery %s; the sweep will send it", delivery_id)
