from celery import shared_task

from apps.assets.actions import asset_action_confirm, asset_action_run, asset_actions_confirm_due
from apps.assets.services import asset_syncs_scheduled
from apps.assets.sync import asset_sync_run
from apps.instances.tasks import GovernedTask


@shared_task(name="assets.sync_run", base=GovernedTask)
def asset_sync_run_task(sync_id: int) -> None:
    # Pauses, retries and recovery are the job's own (apps.core.jobs), not Celery retries.
    asset_sync_run(sync_id=sync_id)


@shared_task(name="assets.action_run", base=GovernedTask)
def asset_action_run_task(action_id: int) -> None:
    asset_action_run(action_id=action_id)


@shared_task(name="assets.action_confirm", base=GovernedTask)
def asset_action_confirm_task(action_id: int) -> None:
    # Reads the asset back; a still-pending action queues its next read-back itself, with a
    # longer wait each time (actions.CONFIRM_WAITS), and the beat's sweep catches lost ones.
    asset_action_confirm(action_id=action_id)


@shared_task(name="assets.actions_confirm_due")
def asset_actions_confirm_due_task() -> int:
    return asset_actions_confirm_due()


@shared_task(name="assets.sync_scheduled")
def asset_syncs_scheduled_task(mode: str = "incremental") -> None:
    asset_syncs_scheduled(mode=mode)
