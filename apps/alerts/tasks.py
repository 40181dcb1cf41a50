from celery import shared_task


@shared_task(name="alerts.deliver")
def deliver_task(delivery_id: int) -> None:
    from apps.alerts.delivery import deliver

    deliver(delivery_id=delivery_id)


@shared_task(name="alerts.evaluate")
def evaluate_task() -> dict[str, int]:
    """Beat's every-minute tick (see apps.alerts.rules.heartbeat: the tick is what tells the
    workers' watchers that beat is alive)."""
    from django.utils import timezone

    from apps.alerts.rules.heartbeat import record_tick
    from apps.alerts.services import evaluate

    now = timezone.now()
    record_tick(now)
    return evaluate(now=now)


@shared_task(name="alerts.deliveries_sweep")
def deliveries_sweep_task() -> int:
    """Beat, every minute: the retries that are due, and deliveries whose message was lost."""
    from apps.alerts.delivery import sweep

    return sweep()
