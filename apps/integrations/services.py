"""Reading the instance's Marketo users, roles and workspaces (help/rest-api/user-management.md)
through the governor, as a resumable background job (apps/core/jobs.py); and the admins'
changes to the integration registry, each with its audit event."""

import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.audit.context import AuditContext
from apps.audit.services import audit_record
from apps.core import jobs
from apps.instances.client import marketo_client
from apps.instances.models import MarketoInstance
from apps.integrations.models import (
    Integration,
    IntegrationApiUser,
    MarketoRole,
    MarketoUser,
    MarketoWorkspace,
    UserSync,
)
from apps.integrations.rules import owner_of
from apps.integrations.selectors import api_user_known
from apps.marketo import users as marketo_users
from apps.marketo.errors import AccessDenied, CallProblem, RetryLater, TransientError
from apps.marketo.governor import GovernorUnavailable, Priority
from apps.marketo.wording import call_problem_message

logger = logging.getLogger(__name__)

FEATURE = "user_sync"
# A run that failed this many times in a row (Marketo failing, no answer) gives up.
MAX_FAILURES = 5
LIVE = [UserSync.Status.QUEUED, UserSync.Status.RUNNING, UserSync.Status.PAUSED]
MISSING_PERMISSIONS = (
    "Marketo refused to list the instance's users: the API user's role needs both"
    f" “{marketo_users.ROLE_PERMISSIONS[0]}” (Access API) and"
    f" “{marketo_users.ROLE_PERMISSIONS[1]}” (Access Admin). Add them under Admin > Users &"
    " Roles, or allow this server under Admin > Web Services if an IP allow-list blocks it."
)


def user_sync_start(
    *, instance: MarketoInstance, actor=None, audit: AuditContext
) -> tuple[UserSync, bool]:
    """Queue a reading of the users (the task gets the run's id only); a run already under
    way is returned instead of a second one. Returns (run, whether it is new)."""
    with transaction.atomic():
        MarketoInstance.objects.select_for_update().filter(pk=instance.pk).first()
        live = instance.user_syncs.filter(status__in=LIVE).first()
        if live is not None:
            return live, False
        sync = UserSync.objects.create(
            instance=instance, requested_by=actor, heartbeat_at=timezone.now()
        )
        if actor is not None:
            audit_record(
                action="integrations.user_sync",
                actor=actor,
                audit=audit,
                instance=instance,
                target_type="user_sync",
                target_id=sync.pk,
            )
        # With the broker down nothing is sent; the sweeper queues it once it is back.
        transaction.on_commit(lambda: jobs.job_publish(UserSync, sync.pk))
    return sync, True


def user_sync_due() -> list[UserSync]:
    """The daily run: one reading per enabled instance."""
    return [
        user_sync_start(instance=instance, audit=AuditContext.system())[0]
        for instance in MarketoInstance.objects.filter(enabled=True)
    ]


def user_sync_run(*, sync_id: int) -> UserSync | None:
    """Read roles and workspaces, every page of users, then each API-only user's roles. Each
    step is recorded as it is done, so a run that paused or lost its worker goes on where it
    stopped; every write is an upsert, so a step done twice changes nothing."""
    claim = jobs.job_claim(UserSync, sync_id)
    sync = UserSync.objects.select_related("instance", "requested_by").filter(pk=sync_id).first()
    if claim is None or sync is None:
        return sync
    try:
        with jobs.keep_alive(UserSync, sync.pk, claim):
            client = marketo_client(
                sync.instance,
                priority=Priority.BACKGROUND,
                feature=FEATURE,
                user=sync.requested_by,
                job=f"user_sync:{sync.pk}",
            )
            _read(sync, claim, client)
    except jobs.LostClaim:
        return UserSync.objects.filter(pk=sync_id).first()
    except RetryLater as exc:
        return _pause(sync, claim, exc.seconds, _problem(exc), failure=False)
    except GovernorUnavailable as exc:
        message = f"{_problem(exc)} The reading goes on by itself when it is back."
        return _pause(sync, claim, 30, message, failure=False)
    except AccessDenied:
        return _finish(sync, claim, UserSync.Status.FAILED, MISSING_PERMISSIONS)
    except TransientError as exc:
        if sync.failures_in_a_row + 1 >= MAX_FAILURES:
            return _finish(sync, claim, UserSync.Status.FAILED, _problem(exc))
        return _pause(sync, claim, 60, f"{_problem(exc)} Trying again in a minute.", failure=True)
    except CallProblem as exc:
        return _finish(sync, claim, UserSync.Status.FAILED, _problem(exc))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # An answer not shaped as user-management.md shows: the run says so and stops.
        return _finish(
            sync, claim, UserSync.Status.FAILED, f"Marketo's list of users could not be read: {exc}"
        )
    return _finish(sync, claim, UserSync.Status.SUCCEEDED, "")


def _read(sync: UserSync, claim: str, client) -> None:
    instance = sync.instance
    if not sync.catalog_read:
        roles = marketo_users.roles(client)
        spaces = marketo_users.workspaces(client)
        with transaction.atomic():
            roles_store(instance=instance, result=roles)
            workspaces_store(instance=instance, result=spaces)
            jobs.job_touch(UserSync, sync.pk, claim, catalog_read=True)
    if not sync.users_listed:
        pages = marketo_users.all_users_pages(client, offset=sync.next_offset)
        for page, next_offset in pages:
            with transaction.atomic():
                users_store(instance=instance, sync=sync, result=page)
                jobs.job_touch(
                    UserSync,
                    sync.pk,
                    claim,
                    next_offset=next_offset,
                    users_read=F("users_read") + len(page),
                    failures_in_a_row=0,
                )
        jobs.job_touch(UserSync, sync.pk, claim, users_listed=True)
    # Get Users carries no roles: one call per API-only user (people's roles are not read).
    pending = instance.marketo_users.filter(last_seen_sync=sync, api_only=True).exclude(
        roles_sync=sync
    )
    for user in pending:
        pairs = marketo_users.user_roles(client, user.userid)
        with transaction.atomic():
            MarketoUser.objects.filter(pk=user.pk).update(
                roles=[_pair(pair) for pair in pairs],
                roles_read_at=timezone.now(),
                roles_sync=sync,
            )
            jobs.job_touch(UserSync, sync.pk, claim, failures_in_a_row=0)


def _pair(pair: dict) -> dict:
    return {
        "role_id": pair["accessRoleId"],
        "role": pair.get("accessRoleName") or "",
        "workspace_id": pair["workspaceId"],
        "workspace": pair.get("workspaceName") or "",
    }


def roles_store(*, instance, result: list[dict]) -> int:
    MarketoRole.objects.bulk_create(
        [
            MarketoRole(
                instance=instance,
                role_id=int(role["id"]),
                name=role["name"],
                description=role.get("description") or "",
                kind=role.get("type") or "",
                # The prose says onlyAllZones, the Swagger isOnlyAllZones: both are read.
                only_all_zones=bool(role.get("onlyAllZones", role.get("isOnlyAllZones"))),
            )
            for role in result
        ],
        update_conflicts=True,
        unique_fields=["instance", "role_id"],
        update_fields=["name", "description", "kind", "only_all_zones", "updated_at"],
    )
    return len(result)


def workspaces_store(*, instance, result: list[dict]) -> int:
    MarketoWorkspace.objects.bulk_create(
        [
            MarketoWorkspace(
                instance=instance,
                workspace_id=int(space["id"]),
                name=space["name"],
                description=space.get("description") or "",
                status=space.get("status") or "",
            )
            for space in result
        ],
        update_conflicts=True,
        unique_fields=["instance", "workspace_id"],
        update_fields=["name", "description", "status", "updated_at"],
    )
    return len(result)


def users_store(*, instance, sync: UserSync | None, result: list[dict]) -> int:
    """Upsert one page of Get Users; first_seen_at stays as first written."""
    now = timezone.now()
    MarketoUser.objects.bulk_create(
        [
            MarketoUser(
                instance=instance,
                userid=user["userid"],
                marketo_id=user.get("id"),
                email=user.get("emailAddress") or "",
                first_name=user.get("firstName") or "",
                last_name=user.get("lastName") or "",
                api_only=bool(user.get("apiOnly")),
                first_seen_at=now,
                last_seen_at=now,
                last_seen_sync=sync,
                gone=False,
            )
            for user in result
        ],
        update_conflicts=True,
        unique_fields=["instance", "userid"],
        update_fields=[
            "marketo_id",
            "email",
            "first_name",
            "last_name",
            "api_only",
            "last_seen_at",
            "last_seen_sync",
            "gone",
        ],
    )
    return len(result)


def _finish(sync: UserSync, claim: str, status: str, error: str) -> UserSync:
    with transaction.atomic():
        done = jobs.job_finish(UserSync, sync.pk, claim, status=status, error=error)
        if done and status == UserSync.Status.SUCCEEDED:
            # A complete list: whoever it did not name has been deleted in Marketo.
            sync.instance.marketo_users.exclude(last_seen_sync=sync).update(gone=True)
    if status == UserSync.Status.FAILED:
        logger.warning("user sync %s of instance %s failed: %s", sync.pk, sync.instance_id, error)
    sync.refresh_from_db()
    return sync


def _pause(sync: UserSync, claim: str, seconds: float, message: str, *, failure: bool):
    jobs.job_pause(UserSync, sync.pk, claim, seconds=seconds, message=message, failure=failure)
    sync.refresh_from_db()
    return sync


def _problem(exc: CallProblem) -> str:
    return call_problem_message(exc, needs=marketo_users.ROLE_PERMISSIONS, job=True)


# --- the integration registry -----------------------------------------------------------------

# What an admin sets on an integration (the owner is a user or an address, never both).
INTEGRATION_FIELDS = [
    "name",
    "purpose",
    "owner",
    "owner_email",
    "budget_calls",
    "budget_percent",
    "warn_percent",
    "critical_percent",
]


class MappingRefused(Exception):
    """An API user that cannot be mapped to the integration; the message says why."""


def _audit_value(integration: Integration, name: str):
    if name == "owner":
        return owner_of(integration)
    return getattr(integration, name)


def integration_create(*, actor, audit: AuditContext, api_users=(), **fields) -> Integration:
    """Register an integration, with API users of instances as (instance, userid) pairs.
    Raises ValidationError (fields) or MappingRefused (an API user)."""
    with transaction.atomic():
        integration = Integration(**fields)
        integration.full_clean()
        integration.save()
        audit_record(
            action="integrations.create",
            actor=actor,
            audit=audit,
            target_type="integration",
            target_id=integration.pk,
            details={
                "name": integration.name,
                "owner": owner_of(integration),
                "budget_calls": integration.budget_calls,
                "budget_percent": integration.budget_percent,
            },
        )
        for instance, userid in api_users:
            api_user_map(
                integration=integration, instance=instance, userid=userid, actor=actor, audit=audit
            )
    return integration


def integration_update(
    *, integration: Integration, actor, audit: AuditContext, **fields
) -> list[str]:
    """Apply the given fields; returns the names of those that changed. The owner is one of
    a user or an address: setting one clears the other."""
    stored = Integration.objects.select_related("owner").get(pk=integration.pk)
    changed = [
        name
        for name in INTEGRATION_FIELDS
        if name in fields and getattr(stored, name) != fields[name]
    ]
    if not changed:
        return []
    before = {name: _audit_value(stored, name) for name in changed}
    for name in changed:
        setattr(integration, name, fields[name])
    integration.full_clean()
    with transaction.atomic():
        integration.save()
        audit_record(
            action="integrations.update",
            actor=actor,
            audit=audit,
            target_type="integration",
            target_id=integration.pk,
            details={
                "name": integration.name,
                **{name: [before[name], _audit_value(integration, name)] for name in changed},
            },
        )
    return changed


def integration_delete(*, integration: Integration, actor, audit: AuditContext) -> None:
    """Forget an integration; its API users become unassigned (their usage stays)."""
    with transaction.atomic():
        audit_record(
            action="integrations.delete",
            actor=actor,
            audit=audit,
            target_type="integration",
            target_id=integration.pk,
            details={
                "name": integration.name,
                "api_users": [
                    f"{row.userid} ({row.instance.name})"
                    for row in integration.api_users.select_related("instance")
                ],
            },
        )
        integration.delete()


def api_user_map(
    *, integration: Integration, instance: MarketoInstance, userid: str, actor, audit: AuditContext
) -> IntegrationApiUser:
    """Map one of the instance's known API users (Marketo's list, or seen in usage) to the
    integration, spelled as the instance knows it. Mapping it again changes nothing; an API
    user of another integration is refused (MappingRefused), as is one the instance does not
    know."""
    known = api_user_known(instance=instance, userid=userid)
    if known is None:
        raise MappingRefused(
            f"{userid.strip() or 'That'} is not an API user of {instance.name}: choose one that"
            " Marketo lists or that made calls."
        )
    existing = (
        IntegrationApiUser.objects.filter(instance=instance, userid__iexact=known.userid)
        .select_related("integration")
        .first()
    )
    if existing is not None:
        if existing.integration_id == integration.pk:
            return existing
        raise MappingRefused(
            f"{known.userid} on {instance.name} already belongs to {existing.integration.name}:"
            " take it off there first."
        )
    try:
        with transaction.atomic():
            mapping = IntegrationApiUser.objects.create(
                integration=integration, instance=instance, userid=known.userid
            )
            audit_record(
                action="integrations.map",
                actor=actor,
                audit=audit,
                instance=instance,
                target_type="integration",
                target_id=integration.pk,
                details={"name": integration.name, "api_user": known.userid},
            )
    except IntegrityError:
        # Someone mapped it at the same moment.
        raise MappingRefused(
            f"{known.userid} on {instance.name} was just mapped to another integration."
        ) from None
    return mapping


def api_user_unmap(*, mapping: IntegrationApiUser, actor, audit: AuditContext) -> None:
    """Take an API user off its integration: it becomes unassigned."""
    with transaction.atomic():
        audit_record(
            action="integrations.unmap",
            actor=actor,
            audit=audit,
            instance=mapping.instance,
            target_type="integration",
            target_id=mapping.integration_id,
            details={"name": mapping.integration.name, "api_user": mapping.userid},
        )
        mapping.delete()
