from celery import shared_task

from apps.instances.tasks import GovernedTask
from apps.leads.services import LookupPaused, lead_lookup_prune, lead_lookup_run

# A paused job (Marketo failing, quota spent) tries again this many times at most.
MAX_PAUSES = 200


@shared_task(name="leads.lead_lookup_run", base=GovernedTask, bind=True, acks_late=True)
def lead_lookup_run_task(self, lookup_id: int) -> None:
    try:
        lead_lookup_run(lookup_id=lookup_id)
    except LookupPaused as exc:
        raise self.retry(exc=exc, countdown=exc.seconds, max_retries=MAX_PAUSES) from exc


@shared_task(name="leads.lead_lookup_prune")
def lead_lookup_prune_task() -> int:
    return lead_lookup_prune()
