from celery import shared_task


@shared_task(name="alerts.deliver")
def deliver_task(delivery_id: int) -> None:
    from apps.alerts.delivery import deliver

    deliver(delivery_id=delivery_id)


@shared_task(name="alerts.deliveries_sweep")
def deliveries_sweep_task() -> int:
    """Beat, every minute: the retries that are due, and deliveries whose message was lost."""
    from apps.alerts.delivery import sweep

    return sweep()
