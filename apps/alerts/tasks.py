from celery import shared_task


@shared_task(name="alerts.deliver")
def deliver_task(delivery_id: int) -> None:
    from apps.alerts.delivery import deliver

    deliver(delivery_id=delivery_id)
