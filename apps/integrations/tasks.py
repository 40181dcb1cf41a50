from celery import shared_task

from apps.instances.tasks import GovernedTask
from apps.integrations.services import user_sync_due, user_sync_run


@shared_task(name="integrations.user_sync_due")
def user_sync_due_task() -> None:
    """Scheduled (a django-celery-beat row, editable in the admin site): one run per instance."""
    user_sync_due()


@shared_task(name="integrations.user_sync_run", base=GovernedTask)
def user_sync_run_task(sync_id: int) -> None:
    user_sync_run(sync_id=sync_id)
