from celery import shared_task

from apps.assets.actions import asset_action_run
from apps.assets.services import asset_syncs_scheduled
from apps.assets.sync import SyncPaused, asset_sync_give_up, asset_sync_run
from apps.instances.tasks import GovernedTask

# A sync that keeps meeting transient failures (604, 608, 611, 502 ...) tries this often.
MAX_TRANSIENT_RETRIES = 8


@shared_task(name="assets.sync_run", base=GovernedTask, bind=True)
def asset_sync_run_task(self, sync_id: int) -> None:
    try:
        asset_sync_run(sync_id=sync_id)
    except SyncPaused as paused:
        if self.request.retries >= MAX_TRANSIENT_RETRIES:
            asset_sync_give_up(sync_id=sync_id, reason=f"Marketo kept failing: {paused}")
            return
        raise self.retry(countdown=paused.seconds, max_retries=MAX_TRANSIENT_RETRIES) from paused


@shared_task(name="assets.action_run", base=GovernedTask)
def asset_action_run_task(action_id: int) -> None:
    asset_action_run(action_id=action_id)


@shared_task(name="assets.sync_scheduled")
def asset_syncs_scheduled_task(mode: str = "incremental") -> None:
    asset_syncs_scheduled(mode=mode)
