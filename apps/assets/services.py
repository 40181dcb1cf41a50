"""Writes and workflows of the asset mirror: start syncs, resume dead ones, ask for actions."""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from apps.assets.models import AssetAction, AssetSync, AssetType, MirroredAsset
from apps.assets.sync import INCREMENTAL_OVERLAP, STALE_AFTER
from apps.audit.services import audit_record
from apps.instances.models import MarketoInstance
from apps.marketo.assets import APPROVABLE, CLONEABLE


class ActionNotAllowed(ValueError):
    """The action does not apply to this asset (say, approving a program)."""


def asset_sync_start(*, instance, user=None, mode=AssetSync.Mode.FULL, request=None) -> AssetSync:
    """Queue a sync of `instance`, or hand back the one already queued or running.

    An incremental sync with no earlier successful sync becomes a full one.
    """
    active = _active_sync(instance)
    if active is not None:
        if _is_stale(active):
            asset_sync_requeue(sync=active)
        return active
    updated_since = None
    if mode == AssetSync.Mode.INCREMENTAL:
        last = last_successful_sync(instance)
        if last is None or last.started_at is None:
            mode = AssetSync.Mode.FULL
        else:
            updated_since = last.started_at - INCREMENTAL_OVERLAP
    try:
        with transaction.atomic():
            sync = AssetSync.objects.create(
                instance=instance, mode=mode, requested_by=user, updated_since=updated_since
            )
            if request is not None:
                audit_record(
                    action="assets.sync_requested",
                    request=request,
                    instance=instance,
                    target_type="asset_sync",
                    target_id=sync.pk,
                    details={"mode": mode},
                )
            transaction.on_commit(lambda: _queue_sync(sync.pk))
    except IntegrityError:
        # Someone else queued one between our look and our insert: the constraint held.
        return _active_sync(instance)
    return sync


def _queue_sync(sync_id: int) -> None:
    from apps.assets.tasks import asset_sync_run_task

    asset_sync_run_task.delay(sync_id)


def _active_sync(instance) -> AssetSync | None:
    return AssetSync.objects.filter(instance=instance, status__in=AssetSync.ACTIVE).first()


def _is_stale(sync: AssetSync) -> bool:
    moment = sync.heartbeat_at or sync.requested_at
    return moment is not None and moment < timezone.now() - STALE_AFTER


def asset_sync_requeue(*, sync: AssetSync) -> bool:
    """Hand a dead sync (its worker was killed) to a new task; it resumes at its checkpoint."""
    cutoff = timezone.now() - STALE_AFTER
    updated = (
        AssetSync.objects.filter(pk=sync.pk, status__in=AssetSync.ACTIVE)
        .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, requested_at__lt=cutoff))
        .update(status=AssetSync.Status.QUEUED, claim="", heartbeat_at=Now())
    )
    if updated:
        transaction.on_commit(lambda: _queue_sync(sync.pk))
    return bool(updated)


def asset_syncs_resume_stale() -> int:
    cutoff = timezone.now() - STALE_AFTER
    stale = AssetSync.objects.filter(status__in=AssetSync.ACTIVE).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, requested_at__lt=cutoff)
    )
    return sum(asset_sync_requeue(sync=sync) for sync in stale)


def asset_syncs_resume_interrupted() -> int:
    """Queue again, at once, every sync marked running. Only for a start when no worker
    runs (the embedded default's single worker): such a sync was cut off when the last
    worker stopped, and its claim would turn away the task it left in the queue."""
    resumed = 0
    for pk in AssetSync.objects.filter(status=AssetSync.Status.RUNNING).values_list(
        "pk", flat=True
    ):
        if AssetSync.objects.filter(pk=pk, status=AssetSync.Status.RUNNING).update(
            status=AssetSync.Status.QUEUED, claim="", heartbeat_at=Now()
        ):
            transaction.on_commit(lambda pk=pk: _queue_sync(pk))
            resumed += 1
    return resumed


def asset_syncs_scheduled(*, mode: str) -> int:
    """The schedule's entry point: resume dead syncs, then sync every enabled instance."""
    asset_syncs_resume_stale()
    started = 0
    for instance in MarketoInstance.objects.filter(enabled=True):
        if _active_sync(instance) is None:
            asset_sync_start(instance=instance, mode=mode)
            started += 1
    return started


def last_successful_sync(instance) -> AssetSync | None:
    return (
        AssetSync.objects.filter(instance=instance, status=AssetSync.Status.SUCCEEDED)
        .order_by("-finished_at")
        .first()
    )


def allowed_actions(asset_type: str) -> list[str]:
    kinds = [AssetAction.Kind.REFRESH]
    if asset_type in APPROVABLE:
        kinds += [AssetAction.Kind.APPROVE, AssetAction.Kind.UNAPPROVE]
    if asset_type in CLONEABLE:
        kinds.append(AssetAction.Kind.CLONE)
    return kinds


def asset_action_start(
    *,
    asset: MirroredAsset,
    kind: str,
    user,
    clone_name: str = "",
    clone_folder=None,
) -> AssetAction:
    """Record what the person asked for and queue it on the interactive queue."""
    if kind not in allowed_actions(asset.asset_type):
        verb = AssetAction.Kind(kind).label.lower()
        raise ActionNotAllowed(f"“{verb}” does not apply to {AssetType(asset.asset_type).label}s.")
    fields = {}
    if kind == AssetAction.Kind.CLONE:
        clone_name = (clone_name or "").strip()
        if not clone_name:
            raise ActionNotAllowed("Give the copy a name.")
        if clone_folder is None:
            raise ActionNotAllowed("Choose the folder to put the copy in.")
        fields = {
            "clone_name": clone_name[:255],
            "clone_folder_kind": clone_folder.kind,
            "clone_folder_id": clone_folder.marketo_id,
        }
    with transaction.atomic():
        action = AssetAction.objects.create(
            instance=asset.instance,
            asset_type=asset.asset_type,
            marketo_id=asset.marketo_id,
            asset_name=asset.name,
            kind=kind,
            requested_by=user,
            expected_updated_at=asset.updated_at,
            **fields,
        )
        transaction.on_commit(lambda: _queue_action(action.pk))
    return action


def _queue_action(action_id: int) -> None:
    from apps.assets.tasks import asset_action_run_task

    asset_action_run_task.apply_async(args=[action_id], queue="interactive")
