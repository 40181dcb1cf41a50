"""A person's action on one asset, as an interactive call: refresh, approve, unapprove, clone.

Before changing anything, the asset is read by id: if Marketo's copy changed since the
mirror saw it, the row is refreshed and the person is asked to look again.
"""

from django.db.models.functions import Now
from django.utils import timezone

from apps.assets.mirror import asset_upsert_one, marketo_time
from apps.assets.models import AssetAction, AssetStatus, MirroredAsset
from apps.audit.services import audit_record
from apps.instances.client import marketo_client
from apps.marketo import assets as marketo_assets
from apps.marketo.errors import (
    AccessDenied,
    CallProblem,
    InvalidRequest,
    MarketoError,
    RetryLater,
)
from apps.marketo.governor import Priority
from apps.marketo.wording import call_problem_message


def asset_action_run(*, action_id: int) -> AssetAction | None:
    claimed = AssetAction.objects.filter(pk=action_id, status=AssetAction.Status.QUEUED).update(
        status=AssetAction.Status.RUNNING
    )
    if not claimed:
        return None
    action = AssetAction.objects.select_related("instance", "requested_by").get(pk=action_id)
    try:
        client = marketo_client(
            action.instance,
            priority=Priority.INTERACTIVE,
            feature=f"asset_{action.kind}",
            user=action.requested_by,
            job=f"asset_action:{action.pk}",
        )
        status, message = _perform(action, client)
    except CallProblem as exc:
        status, message = _outcome(action, exc)
    action.status = status
    action.message = message
    action.finished_at = timezone.now()
    action.save(
        update_fields=["status", "message", "finished_at", "error_code", "result_marketo_id"]
    )
    audit_record(
        action=f"assets.{action.kind}",
        actor=action.requested_by,
        instance=action.instance,
        target_type=action.asset_type,
        target_id=action.marketo_id,
        details={
            "name": action.asset_name,
            "outcome": status,
            "message": message[:500],
            **({"clone_name": action.clone_name} if action.clone_name else {}),
            **({"clone_id": action.result_marketo_id} if action.result_marketo_id else {}),
        },
    )
    return action


def _outcome(action: AssetAction, exc: CallProblem) -> tuple[str, str]:
    """A refusal (Marketo will not do it as asked) or a failure, in words."""
    needs_by_kind: dict[str, tuple[str, ...]] = {
        AssetAction.Kind.APPROVE: marketo_assets.APPROVE_PERMISSIONS,
        AssetAction.Kind.UNAPPROVE: marketo_assets.APPROVE_PERMISSIONS,
        AssetAction.Kind.CLONE: marketo_assets.WRITE_PERMISSIONS,
    }
    needs = needs_by_kind.get(action.kind, marketo_assets.READ_PERMISSIONS)
    message = call_problem_message(exc, needs=needs)
    if isinstance(exc, MarketoError) and not isinstance(exc, RetryLater):
        action.error_code = exc.code
    refused = isinstance(exc, InvalidRequest | AccessDenied)
    return (AssetAction.Status.REFUSED if refused else AssetAction.Status.FAILED), message


def _perform(action: AssetAction, client) -> tuple[str, str]:
    instance = action.instance
    current = marketo_assets.asset_get(client, action.asset_type, action.marketo_id)
    if current is None:
        MirroredAsset.objects.filter(
            instance=instance, asset_type=action.asset_type, marketo_id=action.marketo_id
        ).delete()
        return (
            AssetAction.Status.CONFLICT,
            "This asset no longer exists in Marketo; it is removed from the mirror.",
        )
    row = asset_upsert_one(instance, action.asset_type, current)
    if action.asset_type == "program" and action.kind == AssetAction.Kind.REFRESH:
        tokens = marketo_assets.folder_tokens(client, action.marketo_id, folder_type="Program")
        MirroredAsset.objects.filter(pk=row.pk).update(tokens=tokens, tokens_synced_at=Now())
    if action.kind == AssetAction.Kind.REFRESH:
        return AssetAction.Status.SUCCEEDED, "Refreshed from Marketo."
    seen = marketo_time(current.get("updatedAt"))
    if action.expected_updated_at and seen and seen != action.expected_updated_at:
        return (
            AssetAction.Status.CONFLICT,
            f"This asset changed in Marketo since the mirror last saw it (updated "
            f"{seen:%Y-%m-%d %H:%M} UTC). Its row is refreshed: check it and try again.",
        )
    if action.kind == AssetAction.Kind.APPROVE:
        answer = marketo_assets.asset_approve(client, action.asset_type, action.marketo_id)
        _apply(row, answer, AssetStatus.APPROVED)
        return AssetAction.Status.SUCCEEDED, "Approved: the draft is now the live version."
    if action.kind == AssetAction.Kind.UNAPPROVE:
        answer = marketo_assets.asset_unapprove(client, action.asset_type, action.marketo_id)
        _apply(row, answer, AssetStatus.DRAFT)
        return AssetAction.Status.SUCCEEDED, "Unapproved: the asset is a draft again."
    answer = marketo_assets.asset_clone(
        client,
        action.asset_type,
        action.marketo_id,
        name=action.clone_name,
        folder={"id": action.clone_folder_id, "type": action.clone_folder_kind},
    )
    if not answer.get("id"):
        return AssetAction.Status.FAILED, "Marketo answered without the new asset's id."
    copy = asset_upsert_one(instance, action.asset_type, answer)
    # A cloned program is also a folder (folders.md): the tree shows it after the next sync.
    action.result_marketo_id = copy.marketo_id
    return AssetAction.Status.SUCCEEDED, f"Cloned as “{copy.name}” (id {copy.marketo_id})."


def _apply(row: MirroredAsset, answer: dict, status: str) -> None:
    """Some actions answer the whole asset (snippets.md), others only its id (emails.md)."""
    if answer.get("name"):
        asset_upsert_one(row.instance, row.asset_type, answer)
        return
    raw = {**row.raw, "status": status}
    MirroredAsset.objects.filter(pk=row.pk).update(status=status, raw=raw, synced_at=Now())
