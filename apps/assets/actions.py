"""A person's action on one asset, as an interactive call: refresh, approve, unapprove, clone.

Before changing anything, the asset is read by id, in the version the action works on
(emails.md "By ID": the approved version by default, `status=draft` for the draft): if
Marketo's copy changed since the mirror saw it, or its state no longer allows the action,
the row is refreshed and the person is asked to look again.

A write that got no answer (a timeout, a dropped connection: codes.OUTCOME_UNKNOWN) may
have been carried out. It is never sent again: the action becomes "pending" and
`asset_action_confirm` reads the asset back (by id, or a clone by name) until it can say
whether Marketo did it (issue 14, "Per-endpoint timeouts and leases").
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone

from apps.assets.mirror import asset_status, asset_upsert_one
from apps.assets.models import AssetAction, AssetStatus, MirroredAsset
from apps.assets.services import NOT_IN_STATE
from apps.audit.services import audit_record
from apps.instances.client import marketo_client
from apps.marketo import assets as marketo_assets
from apps.marketo.codes import OUTCOME_UNKNOWN
from apps.marketo.errors import (
    AccessDenied,
    CallProblem,
    InvalidRequest,
    MarketoError,
    NotFound,
    RetryLater,
)
from apps.marketo.governor import Priority
from apps.marketo.moments import marketo_time
from apps.marketo.timeouts import DEFAULT_TIMEOUTS
from apps.marketo.wording import call_problem_message

Kind, Status = AssetAction.Kind, AssetAction.Status

NOT_CARRIED_OUT = "Marketo did not carry it out; you can try again."
APPROVED = "Approved: the draft is now the live version."
UNAPPROVED = "Unapproved: the asset is a draft again."
CHECKING = (
    "Marketo did not answer in time, so it may or may not have done it. marketo-admin is "
    "checking by reading the asset back; it never sends the change twice."
)
# Read-backs of a pending action: the waits between them, then it is given up as unknown.
CONFIRM_WAITS = (2, 5, 15, 30, 60, 120)
# How long an asset write may still be running at Marketo after it was sent: assets.md
# ("Timeouts") gives every asset call 300 s, and the governor holds a call without an answer
# for its lease, which outlives our read timeout (apps/marketo/timeouts.py).
WRITE_LEASE_SECONDS = DEFAULT_TIMEOUTS.for_call(
    "POST", "/rest/asset/v1/email/{id}/approveDraft.json"
).lease


def settle_seconds() -> float:
    """After this long, an unanswered write the asset does not show was not carried out."""
    configured = settings.ASSET_ACTION_SETTLE_SECONDS
    return WRITE_LEASE_SECONDS if configured is None else float(configured)


# What a refusal means for the person, beyond Marketo's words (programs.md "Clone",
# error-codes.md): by action, then by code.
REFUSAL_HINTS = {
    Kind.CLONE: {
        "709": "A program's name must be unused in the whole instance (programs.md), an "
        "email's in its folder, and a program is cloned into a folder of its own workspace.",
        "710": "The folder chosen no longer exists in Marketo: sync the mirror and choose again.",
        "711": "A program goes into a folder (not into a program); an email into an email "
        "folder or a program.",
        "702": "The asset to copy no longer exists in Marketo.",
        "610": "The asset to copy no longer exists in Marketo.",
    },
    Kind.APPROVE: {"702": "The asset no longer exists in Marketo."},
    Kind.UNAPPROVE: {"702": "The asset no longer exists in Marketo."},
}


class _OutcomeUnknown(Exception):
    """The write was sent and no answer came: Marketo may have carried it out."""


def _client(action: AssetAction, *, feature: str = ""):
    return marketo_client(
        action.instance,
        priority=Priority.INTERACTIVE,
        feature=feature or f"asset_{action.kind}",
        user=action.requested_by,
        job=f"asset_action:{action.pk}",
    )


def asset_action_run(*, action_id: int) -> AssetAction | None:
    claimed = AssetAction.objects.filter(pk=action_id, status=Status.QUEUED).update(
        status=Status.RUNNING
    )
    if not claimed:
        return None
    action = AssetAction.objects.select_related("instance", "requested_by").get(pk=action_id)
    try:
        status, message = _perform(action, _client(action))
    except _Abandoned:
        action.refresh_from_db()
        return action
    except _OutcomeUnknown:
        action.status, action.message = Status.PENDING, CHECKING
        action.confirm_at = timezone.now() + timedelta(seconds=CONFIRM_WAITS[0])
        AssetAction.objects.filter(pk=action.pk, status=Status.RUNNING).update(
            status=action.status, message=action.message, confirm_at=action.confirm_at
        )
        _queue_confirm(action.pk, CONFIRM_WAITS[0])
        return action
    except CallProblem as exc:
        status, message = _outcome(action, exc)
    _finish(action, status, message)
    return action


def _finish(action: AssetAction, status: str, message: str) -> None:
    """Settle the action, once: a worker that comes back after the sweep confirmed its
    write (or the other way round) finds it settled and records nothing more."""
    action.status = status
    action.message = message
    action.finished_at = timezone.now()
    settled = AssetAction.objects.filter(
        pk=action.pk, status__in=[Status.RUNNING, Status.PENDING]
    ).update(
        status=status,
        message=message,
        finished_at=action.finished_at,
        error_code=action.error_code,
        result_marketo_id=action.result_marketo_id,
    )
    if not settled:
        action.refresh_from_db()
        return
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
            **({"confirmed_by_reading_back": True} if action.write_sent_at else {}),
        },
    )


def _outcome(action: AssetAction, exc: CallProblem) -> tuple[str, str]:
    """A refusal (Marketo will not do it as asked) or a failure, in words."""
    needs_by_kind: dict[str, tuple[str, ...]] = {
        Kind.APPROVE: marketo_assets.APPROVE_PERMISSIONS,
        Kind.UNAPPROVE: marketo_assets.APPROVE_PERMISSIONS,
        Kind.CLONE: marketo_assets.WRITE_PERMISSIONS,
    }
    needs = needs_by_kind.get(action.kind, marketo_assets.READ_PERMISSIONS)
    message = call_problem_message(exc, needs=needs)
    if isinstance(exc, MarketoError) and not isinstance(exc, RetryLater):
        action.error_code = exc.code
        hint = REFUSAL_HINTS.get(Kind(action.kind), {}).get(exc.code)
        if hint:
            message = f"{message} {hint}"
    # NotFound (702, 610) is Marketo refusing the write, not a failure to reach it.
    refused = isinstance(exc, InvalidRequest | AccessDenied | NotFound)
    return (Status.REFUSED if refused else Status.FAILED), message


def _state(client, action: AssetAction, live: dict[str, Any]) -> str:
    """The approval state, as the mirror keeps it: an approved asset is "approved with
    draft" when it also has a draft version (forms.md, "Approval")."""
    state = asset_status(action.asset_type, live)
    if state == AssetStatus.APPROVED and action.asset_type in marketo_assets.APPROVABLE:
        draft = marketo_assets.asset_get(
            client, action.asset_type, action.marketo_id, status="draft"
        )
        if draft is not None:
            return AssetStatus.APPROVED_WITH_DRAFT
    return state


def _mirror(action: AssetAction, live: dict[str, Any], state: str | None = None):
    """Write what Marketo answered into the row, with its state when it is known."""
    row = asset_upsert_one(action.instance, action.asset_type, live)
    if state and state != row.status:
        MirroredAsset.objects.filter(pk=row.pk).update(status=state)
        row.status = state
    return row


def _perform(action: AssetAction, client) -> tuple[str, str]:
    instance = action.instance
    current = marketo_assets.asset_get(client, action.asset_type, action.marketo_id)
    if current is None:
        MirroredAsset.objects.filter(
            instance=instance, asset_type=action.asset_type, marketo_id=action.marketo_id
        ).delete()
        return (
            Status.CONFLICT,
            "This asset no longer exists in Marketo; it is removed from the mirror.",
        )
    approval = action.kind in (Kind.APPROVE, Kind.UNAPPROVE)
    state = _state(client, action, current) if approval else None
    row = _mirror(action, current, state)
    if action.asset_type == "program" and action.kind == Kind.REFRESH:
        tokens = marketo_assets.folder_tokens(client, action.marketo_id, folder_type="Program")
        MirroredAsset.objects.filter(pk=row.pk).update(tokens=tokens, tokens_synced_at=Now())
    if action.kind == Kind.REFRESH:
        return Status.SUCCEEDED, "Refreshed from Marketo."
    seen = marketo_time(current.get("updatedAt"))
    if action.expected_updated_at and seen and seen != action.expected_updated_at:
        return (
            Status.CONFLICT,
            f"This asset changed in Marketo since the mirror last saw it (updated "
            f"{seen:%Y-%m-%d %H:%M} UTC). Its row is refreshed: check it and try again.",
        )
    # error-codes.md, 709: Marketo refuses to approve an asset without a draft, and to
    # unapprove a draft (emails.md "Unapprove"): the page would not have offered it now.
    refused_in_state = (action.kind == Kind.APPROVE and state == AssetStatus.APPROVED) or (
        action.kind == Kind.UNAPPROVE and state == AssetStatus.DRAFT
    )
    if refused_in_state:
        return Status.CONFLICT, f"{NOT_IN_STATE[Kind(action.kind)]} Its row is refreshed."
    _write_sent(action, state or "")
    if action.kind == Kind.APPROVE:
        _write(lambda: marketo_assets.asset_approve(client, action.asset_type, action.marketo_id))
        _read_back(action, client, AssetStatus.APPROVED)
        return Status.SUCCEEDED, APPROVED
    if action.kind == Kind.UNAPPROVE:
        _write(lambda: marketo_assets.asset_unapprove(client, action.asset_type, action.marketo_id))
        _read_back(action, client, AssetStatus.DRAFT)
        return Status.SUCCEEDED, UNAPPROVED
    answer = _write(
        lambda: marketo_assets.asset_clone(
            client,
            action.asset_type,
            action.marketo_id,
            name=action.clone_name,
            folder=_clone_folder(action),
        )
    )
    if not answer.get("id"):
        return Status.FAILED, "Marketo answered without the new asset's id."
    return _cloned(action, answer)


def _clone_folder(action: AssetAction) -> dict[str, Any]:
    return {"id": action.clone_folder_id, "type": action.clone_folder_kind}


def _cloned(action: AssetAction, record: dict[str, Any]) -> tuple[str, str]:
    copy = asset_upsert_one(action.instance, action.asset_type, record)
    # A cloned program is also a folder (folders.md): the tree shows it after the next sync.
    action.result_marketo_id = copy.marketo_id
    return Status.SUCCEEDED, f"Cloned as “{copy.name}”."


class _Abandoned(Exception):
    """The sweep took the action from this worker (it looked dead): send nothing."""


def _write_sent(action: AssetAction, state: str) -> None:
    """Mark the action before its write goes out: from here on, it is never run again. A
    worker the sweep gave up on (asset_actions_confirm_due) finds it taken and stops."""
    action.write_sent_at = timezone.now()
    action.state_before = state
    marked = AssetAction.objects.filter(
        pk=action.pk, status=Status.RUNNING, write_sent_at=None
    ).update(write_sent_at=action.write_sent_at, state_before=state)
    if not marked:
        raise _Abandoned


def _write(call):
    try:
        return call()
    except MarketoError as exc:
        if exc.code in OUTCOME_UNKNOWN:
            raise _OutcomeUnknown from exc
        raise


def _read_back(action: AssetAction, client, state: str) -> None:
    """Refresh the row after our own write (approve answers only the id, emails.md), so its
    updatedAt is Marketo's and the next action does not see a change that was ours."""
    try:
        live = marketo_assets.asset_get(client, action.asset_type, action.marketo_id)
    except CallProblem:
        live = None
    row = MirroredAsset.objects.filter(
        instance=action.instance, asset_type=action.asset_type, marketo_id=action.marketo_id
    ).first()
    if live is not None:
        _mirror(action, live, state)
    elif row is not None:
        raw = {**row.raw, "status": "approved" if state == AssetStatus.APPROVED else "draft"}
        MirroredAsset.objects.filter(pk=row.pk).update(status=state, raw=raw, synced_at=Now())


# --- confirming a pending action -------------------------------------------------------


def _due() -> Q:
    """Pending actions whose read-back is due, and actions whose worker died after sending
    the write (running, sent longer ago than any call can take)."""
    stale = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS)
    return Q(status=Status.PENDING, confirm_at__lte=Now()) | Q(
        status=Status.RUNNING, write_sent_at__lt=stale
    )


def asset_action_confirm(*, action_id: int) -> AssetAction | None:
    """Read the asset back to settle a pending action; None when it is not due (or another
    process is confirming it). Never sends the write again."""
    lease = timezone.now() + timedelta(seconds=CONFIRM_WAITS[-1])
    claimed = (
        AssetAction.objects.filter(pk=action_id)
        .filter(_due())
        .update(
            status=Status.PENDING,
            message=CHECKING,
            confirm_at=lease,
            confirm_attempts=F("confirm_attempts") + 1,
        )
    )
    if not claimed:
        return None
    action = AssetAction.objects.select_related("instance", "requested_by").get(pk=action_id)
    answered = False
    try:
        settled = _carried_out(action, _client(action, feature=f"asset_{action.kind}_confirm"))
        answered = True
    except CallProblem:
        settled = None  # Marketo could not be asked now: ask again later
    if settled is not None:
        _finish(action, *settled)
        return action
    sent = action.write_sent_at or action.requested_at
    waited = (timezone.now() - sent).total_seconds()
    # Not done yet is "not done" only once Marketo can no longer be running the call: the
    # governor holds a call without an answer for its lease (codes.py, Reaction.HOLD).
    if answered and waited >= settle_seconds():
        _finish(action, Status.FAILED, NOT_CARRIED_OUT)
        return action
    # Marketo answered, the write may still be running: ask again (the last wait repeats)
    # until the settle time. Only a Marketo that cannot be asked ends the read-backs early.
    if not answered and action.confirm_attempts > len(CONFIRM_WAITS):
        _finish(
            action,
            Status.FAILED,
            "marketo-admin could not find out from Marketo whether it was done. Look at the "
            "asset in Marketo before you try again.",
        )
        return action
    wait = CONFIRM_WAITS[min(action.confirm_attempts, len(CONFIRM_WAITS)) - 1]
    action.confirm_at = timezone.now() + timedelta(seconds=wait)
    action.save(update_fields=["confirm_at"])
    _queue_confirm(action.pk, wait)
    return action


def _carried_out(action: AssetAction, client) -> tuple[str, str] | None:
    """Whether Marketo did it, from reading the asset back: the settled outcome, or None
    when the asset does not show it (yet). CallProblem when Marketo could not be asked."""
    if action.kind == Kind.CLONE:
        # programs.md / emails.md "By Name": the copy, by its name, in the target folder.
        folder = _clone_folder(action)
        rows = marketo_assets.asset_by_name(
            client, action.asset_type, action.clone_name, folder=folder
        )
        wanted = (action.clone_folder_kind, action.clone_folder_id)
        for row in rows:
            ref = row.get("folder") or {}
            where = (str(ref.get("type", "")).title(), ref.get("value", ref.get("id")))
            if where == wanted and int(row["id"]) != action.marketo_id:
                return _cloned(action, row)
        return None
    live = marketo_assets.asset_get(client, action.asset_type, action.marketo_id)
    if live is None:
        return Status.FAILED, "This asset no longer exists in Marketo."
    state = _state(client, action, live)
    _mirror(action, live, state)
    if action.kind == Kind.APPROVE and state == AssetStatus.APPROVED:
        # A draft approved, or a draft that replaced the live version: no draft is left.
        return Status.SUCCEEDED, APPROVED
    if action.kind == Kind.UNAPPROVE and state == AssetStatus.DRAFT:
        return Status.SUCCEEDED, UNAPPROVED
    return None


def asset_actions_confirm_due(**filters) -> int:
    """Confirm every action whose read-back is due (the beat's sweep, and the asset page for
    its own asset); fail the ones a dead worker left before sending anything."""
    stale = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS)
    AssetAction.objects.filter(
        status=Status.RUNNING, write_sent_at=None, requested_at__lt=stale, **filters
    ).update(
        status=Status.FAILED,
        finished_at=Now(),
        message="Interrupted before it was sent to Marketo: nothing changed. Try again.",
    )
    settled = 0
    for pk in list(AssetAction.objects.filter(_due(), **filters).values_list("pk", flat=True)[:50]):
        if asset_action_confirm(action_id=pk) is not None:
            settled += 1
    return settled


def _queue_confirm(action_id: int, countdown: float) -> None:
    # Imported here: the tasks module imports this one (see services._queue_action).
    from apps.assets.tasks import asset_action_confirm_task

    try:
        asset_action_confirm_task.apply_async(
            args=(action_id,), countdown=countdown, queue="interactive"
        )
    except Exception:
        return
