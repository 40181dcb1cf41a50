from celery import shared_task

from apps.instances.tasks import GovernedTask
from apps.usage.ledger import ledger_prune, ledger_roll_up
from apps.usage.services import usage_sync_due, usage_sync_run


@shared_task(name="usage.ledger_roll_up")
def ledger_roll_up_task() -> None:
    ledger_roll_up()
    ledger_prune()


@shared_task(name="usage.sync_due")
def usage_sync_due_task(kind: str = "today") -> None:
    """Scheduled (django-celery-beat rows, editable in the admin site): one run per instance."""
    usage_sync_due(kind=kind)


@shared_task(name="usage.sync_run", base=GovernedTask)
def usage_sync_run_task(sync_id: int) -> None:
    usage_sync_run(sync_id=sync_id)
