"""The alert rules look again as soon as a usage sync has stored what it read (usage, below
this app, cannot call it: it sends apps.usage.signals.usage_synced)."""

import logging

from django.dispatch import receiver

from apps.usage.signals import usage_synced

logger = logging.getLogger(__name__)


@receiver(usage_synced)
def evaluate_after_usage_sync(sender, *, sync, **kwargs) -> None:
    from apps.alerts.services import evaluate

    try:
        evaluate(instances=[sync.instance], deployment=False)
    except Exception:
        # The sync itself succeeded; the every-minute evaluation tries again.
        logger.exception("could not evaluate the alert rules of instance %s", sync.instance_id)
