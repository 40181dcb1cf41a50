from celery import shared_task

from apps.instances.tasks import GovernedTask
from apps.leads.services import lead_lookup_prune, lead_lookup_run


@shared_task(name="leads.lead_lookup_run", base=GovernedTask)
def lead_lookup_run_task(lookup_id: int) -> None:
    # Pauses, retries and recovery are the job's own (apps.core.jobs), not Celery retries.
    lead_lookup_run(lookup_id=lookup_id)


@shared_task(name="leads.lead_lookup_prune")
def lead_lookup_prune_task() -> int:
    return lead_lookup_prune()
