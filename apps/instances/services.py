from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from apps.audit.context import AuditContext
from apps.audit.services import audit_record
from apps.core.outages import queue_or_explain
from apps.instances import vault
from apps.instances.client import marketo_client
from apps.instances.connection_test import connection_check
from apps.instances.models import ConnectionTest, InstanceGrant, MarketoInstance
from apps.marketo.errors import CallNotMade
from apps.marketo.governor import Priority
from apps.marketo.wording import call_problem_message

# The fields a person edits; the secret is handled on its own, and never audited by value.
EDITABLE_FIELDS = [
    "name",
    "munchkin_id",
    "rest_url",
    "identity_url",
    "client_id",
    "enabled",
    "notes",
    "calls_per_20s",
    "concurrent_calls",
    "daily_quota",
    "quota_share_percent",
]


@sensitive_variables("client_secret")
def _store_secret(instance: MarketoInstance, client_secret: str) -> None:
    instance.client_secret_encrypted = vault.encrypt(client_secret)
    instance.client_secret_hint = client_secret[-4:]


@sensitive_variables("client_secret")
def instance_create(*, actor, client_secret: str, audit: AuditContext, **fields) -> MarketoInstance:
    instance = MarketoInstance(**fields)
    _store_secret(instance, client_secret)
    instance.full_clean()
    with transaction.atomic():
        instance.save()
        _audit_instance(
            "instance.create",
            instance,
            actor,
            audit,
            {"munchkin_id": instance.munchkin_id, "client_id": instance.client_id},
        )
    return instance


@sensitive_variables("client_secret")
def instance_update(
    *, instance: MarketoInstance, actor, client_secret: str = "", audit: AuditContext, **fields
) -> list[str]:
    """Apply the given fields, and a new secret when one is given. Returns what changed."""
    # Compared with the stored row, not with `instance`: a ModelForm has already copied
    # the new values onto it while validating.
    stored = MarketoInstance.objects.values(*EDITABLE_FIELDS).get(pk=instance.pk)
    changed = [name for name in EDITABLE_FIELDS if name in fields and stored[name] != fields[name]]
    for name in changed:
        setattr(instance, name, fields[name])
    if client_secret:
        _store_secret(instance, client_secret)
        changed.append("client_secret")
    if not changed:
        return []
    instance.full_clean()
    with transaction.atomic():
        instance.save()
        # Field names only: values may be secret.
        _audit_instance("instance.update", instance, actor, audit, {"fields": changed})
    return changed


def instance_delete(*, instance: MarketoInstance, actor, audit: AuditContext) -> None:
    with transaction.atomic():
        _audit_instance(
            "instance.delete", instance, actor, audit, {"munchkin_id": instance.munchkin_id}
        )
        instance.delete()


def profile_set_current_instance(*, profile, instance: MarketoInstance) -> None:
    """Make `instance` the one the switcher shows, and the sections open on, for the user."""
    if profile.last_instance_id != instance.pk:
        profile.last_instance_id = instance.pk
        profile.save(update_fields=["last_instance_id"])


def _audit_instance(action, instance, actor, audit, details):
    audit_record(
        action=action,
        actor=actor,
        audit=audit,
        instance=instance,
        target_type="instance",
        target_id=instance.pk,
        details=details,
    )


def grant_set(
    *, instance: MarketoInstance, user, role: str, actor, audit: AuditContext
) -> InstanceGrant:
    """Give `user` the `role` (operator or viewer) on `instance`, replacing an earlier grant."""
    with transaction.atomic():
        grant, created = InstanceGrant.objects.update_or_create(
            instance=instance, user=user, defaults={"role": role, "granted_by": actor}
        )
        grant.full_clean()
        audit_record(
            action="instance.grant",
            actor=actor,
            audit=audit,
            instance=instance,
            target_type="user",
            target_id=user.pk,
            details={"user": user.get_username(), "role": role, "new": created},
        )
    return grant


def grant_revoke(*, grant: InstanceGrant, actor, audit: AuditContext) -> None:
    with transaction.atomic():
        audit_record(
            action="instance.revoke",
            actor=actor,
            audit=audit,
            instance=grant.instance,
            target_type="user",
            target_id=grant.user_id,
            details={"user": grant.user.get_username(), "role": grant.role},
        )
        grant.delete()


def connection_test_start(
    *, instance: MarketoInstance, actor, audit: AuditContext
) -> ConnectionTest:
    """Queue a connection test; the page polls it. The task gets the test's id only."""
    with transaction.atomic():
        test = ConnectionTest.objects.create(instance=instance, requested_by=actor)
        audit_record(
            action="instance.test",
            actor=actor,
            audit=audit,
            instance=instance,
            target_type="connection_test",
            target_id=test.pk,
        )
        transaction.on_commit(lambda: _queue_test(test.pk))
    return test


def _queue_test(test_id: int) -> None:
    # Imported here: apps.instances.tasks imports this module (a task runs a service, a
    # service queues a task), the one cycle Celery's layout makes.
    from apps.instances.tasks import connection_test_run_task

    def explain(message: str) -> None:  # the broker is down: the page shows why, instead of waiting
        ConnectionTest.objects.filter(pk=test_id).update(
            status=ConnectionTest.Status.FAILED, error=message, finished_at=timezone.now()
        )

    queue_or_explain(lambda: connection_test_run_task.delay(test_id), explain=explain)


def connection_test_run(*, test_id: int) -> ConnectionTest:
    """Run a queued connection test and store its outcome (also on the instance)."""
    test = ConnectionTest.objects.select_related("instance").get(pk=test_id)
    if test.is_finished:  # a redelivered task: the result stands
        return test
    test.status = ConnectionTest.Status.RUNNING
    test.save(update_fields=["status"])
    try:
        client = marketo_client(
            test.instance,
            priority=Priority.INTERACTIVE,
            feature="connection_test",
            user=test.requested_by,
            job=f"connection_test:{test.pk}",
        )
    except CallNotMade as exc:
        test.status, test.error = ConnectionTest.Status.FAILED, call_problem_message(exc)
    else:
        _apply_report(test, connection_check(client))
    test.finished_at = timezone.now()
    test.save()
    return test


def _apply_report(test: ConnectionTest, report) -> None:
    if not report.ok:
        test.status, test.error = ConnectionTest.Status.FAILED, report.error
        return
    all_granted = all(p["state"] == "ok" for p in report.permissions.values())
    test.status = ConnectionTest.Status.OK if all_granted else ConnectionTest.Status.LIMITED
    test.api_user = report.api_user
    test.token_seconds_left = report.token_seconds_left
    test.permissions = report.permissions
    test.round_trip_ms = report.round_trip_ms
    if report.api_user and report.api_user != test.instance.api_user:
        MarketoInstance.objects.filter(pk=test.instance.pk).update(api_user=report.api_user)
