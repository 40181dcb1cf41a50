"""Writes and workflows of the asset mirror: start and resume syncs, ask for actions."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.assets.models import (
    AssetAction,
    AssetStatus,
    AssetSync,
    AssetType,
    MirroredAsset,
    MirroredFolder,
)
from apps.assets.sync import INCREMENTAL_OVERLAP
from apps.audit.context import AuditContext
from apps.audit.services import audit_record
from apps.core import jobs
from apps.core.outages import queue_or_explain
from apps.instances.models import MarketoInstance
from apps.marketo.assets import APPROVABLE, CLONEABLE


class ActionNotAllowed(ValueError):
    """The action does not apply to this asset (say, approving a program)."""


# Marketo refuses a clone whose name is taken (709); the mirror can tell before the call.
NAME_TAKEN = {
    True: "A program with this name already exists in this Marketo instance: program names"
    " are unique across the whole instance. Choose another name.",
    False: "An asset of this type with this name is already in that folder. Choose another"
    " name or folder.",
}


def asset_sync_start(
    *, instance, user=None, mode=AssetSync.Mode.FULL, audit: AuditContext
) -> AssetSync:
    """Queue a sync of `instance`, or hand back the one already queued, running or paused.

    An incremental sync with no earlier successful sync becomes a full one. A sync whose
    worker died is not restarted here: the job sweeper (apps.core.jobs) hands it on.
    """
    active = _active_sync(instance)
    if active is not None:
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
                instance=instance,
                mode=mode,
                requested_by=user,
                updated_since=updated_since,
                heartbeat_at=timezone.now(),
            )
            if audit.user is not None:  # a person asked; the schedule's syncs are not audited
                audit_record(
                    action="assets.sync_requested",
                    audit=audit,
                    instance=instance,
                    target_type="asset_sync",
                    target_id=sync.pk,
                    details={"mode": mode},
                )
            # With the broker down nothing is sent; the sweeper queues it once it is back.
            transaction.on_commit(lambda: jobs.job_publish(AssetSync, sync.pk))
    except IntegrityError:
        # Someone else queued one between our look and our insert: the constraint held.
        active = _active_sync(instance)
        if active is None:
            raise  # another constraint failed, or that sync already ended: not ours to hide
        return active
    return sync


def _active_sync(instance) -> AssetSync | None:
    return AssetSync.objects.filter(instance=instance, status__in=AssetSync.ACTIVE).first()


def asset_syncs_scheduled(*, mode: str) -> int:
    """The schedule's entry point: sync every enabled instance that has no live sync."""
    started = 0
    for instance in MarketoInstance.objects.filter(enabled=True):
        if _active_sync(instance) is None:
            asset_sync_start(instance=instance, mode=mode, audit=AuditContext.system())
            started += 1
    return started


def last_successful_sync(instance) -> AssetSync | None:
    return (
        AssetSync.objects.filter(instance=instance, status=AssetSync.Status.SUCCEEDED)
        .order_by("-finished_at")
        .first()
    )


# What Marketo accepts in each approval state (assets.md "Approval", emails.md "Unapprove"):
# approve needs a draft, unapprove an approved version. An unknown state offers both.
APPROVAL_ACTIONS = {
    AssetStatus.DRAFT: (AssetAction.Kind.APPROVE,),
    AssetStatus.APPROVED: (AssetAction.Kind.UNAPPROVE,),
    AssetStatus.APPROVED_WITH_DRAFT: (AssetAction.Kind.APPROVE, AssetAction.Kind.UNAPPROVE),
}
APPROVAL_ACTIONS_ALL = (AssetAction.Kind.APPROVE, AssetAction.Kind.UNAPPROVE)


def type_actions(asset_type: str) -> list[str]:
    """The actions the product has for a type, whatever the asset's state."""
    kinds: list[str] = [AssetAction.Kind.REFRESH]
    if asset_type in APPROVABLE:
        kinds += APPROVAL_ACTIONS_ALL
    if asset_type in CLONEABLE:
        kinds.append(AssetAction.Kind.CLONE)
    return kinds


def allowed_actions(asset: MirroredAsset) -> list[str]:
    """The actions Marketo would accept on this asset, in the state the mirror knows."""
    offered = APPROVAL_ACTIONS.get(asset.status, APPROVAL_ACTIONS_ALL)  # type: ignore[call-overload]
    return [
        kind
        for kind in type_actions(asset.asset_type)
        if kind not in APPROVAL_ACTIONS_ALL or kind in offered
    ]


# Why an approval action is not offered in a state, in words.
NOT_IN_STATE = {
    AssetAction.Kind.APPROVE: "This asset has no draft to approve: its approved version is"
    " live, and Marketo would refuse (709). Edit it in Marketo to make a draft.",
    AssetAction.Kind.UNAPPROVE: "This asset has never been approved (it is a draft): there is"
    " nothing to unapprove, and Marketo would refuse (709).",
}


def asset_action_refusal(asset: MirroredAsset, kind: str) -> str:
    """Why an action Marketo would not accept is not offered, in words."""
    if kind in type_actions(asset.asset_type):
        return NOT_IN_STATE[AssetAction.Kind(kind)]
    verb = AssetAction.Kind(kind).label.lower()
    return f"“{verb}” does not apply to {AssetType(asset.asset_type).label}s."


def clone_name_taken(asset: MirroredAsset, name: str, folder: MirroredFolder | None) -> bool:
    """Whether the mirror already holds an asset of this name where Marketo wants it unique:
    a program's name in the whole instance (programs.md "Clone"), another type's in the
    target folder."""
    same = MirroredAsset.objects.filter(
        instance=asset.instance, asset_type=asset.asset_type, name__iexact=name
    )
    if asset.asset_type != "program":
        if folder is None:
            return False
        same = same.filter(folder_kind=folder.kind, folder_marketo_id=folder.marketo_id)
    return same.exists()


def asset_action_start(
    *,
    asset: MirroredAsset,
    kind: str,
    user,
    clone_name: str = "",
    clone_folder=None,
) -> AssetAction:
    """Record what the person asked for and queue it on the interactive queue."""
    if kind not in allowed_actions(asset):
        raise ActionNotAllowed(asset_action_refusal(asset, kind))
    fields = {}
    if kind == AssetAction.Kind.CLONE:
        clone_name = (clone_name or "").strip()
        if not clone_name:
            raise ActionNotAllowed("Give the copy a name.")
        if clone_folder is None:
            raise ActionNotAllowed("Choose the folder to put the copy in.")
        if clone_name_taken(asset, clone_name, clone_folder):
            raise ActionNotAllowed(NAME_TAKEN[asset.asset_type == "program"])
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
    # Imported here: apps.assets.tasks imports this module (a task runs a service, a service
    # queues a task), the one cycle Celery's layout makes.
    from apps.assets.tasks import asset_action_run_task

    def explain(message: str) -> None:  # the broker is down: the page shows why, instead of waiting
        AssetAction.objects.filter(pk=action_id).update(
            status=AssetAction.Status.FAILED, message=message, finished_at=timezone.now()
        )

    queue_or_explain(
        lambda: asset_action_run_task.apply_async(args=(action_id,), queue="interactive"),
        explain=explain,
    )
