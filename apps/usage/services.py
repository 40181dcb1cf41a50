"""Collecting usage and errors from Marketo, reconciling the governor, and the quota alert."""

import logging
import time
from datetime import UTC, tzinfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.audit.context import AuditContext
from apps.audit.services import audit_record
from apps.core import jobs
from apps.core.middleware import user_zone
from apps.core.permissions import Role
from apps.instances.client import (
    instance_budget,
    marketo_client,
    shared_governor,
)
from apps.instances.models import MarketoInstance
from apps.marketo import usage as marketo_usage
from apps.marketo.errors import CallProblem, RetryLater
from apps.marketo.governor import CHICAGO, GovernorUnavailable, Priority
from apps.marketo.wording import call_problem_message
from apps.usage.days import today
from apps.usage.models import ErrorDay, QuotaAlert, UsageDay, UsageSync
from apps.usage.quota import marketo_used_today, quota_status

logger = logging.getLogger(__name__)

FEATURE = "usage_sync"


# --- collection -------------------------------------------------------------------------


def usage_sync_start(
    *, instance: MarketoInstance, kind: str, actor=None, audit: AuditContext
) -> UsageSync:
    """Queue one collection run; the task gets the run's id only."""
    with transaction.atomic():
        sync = UsageSync.objects.create(
            instance=instance, kind=kind, requested_by=actor, heartbeat_at=timezone.now()
        )
        if actor is not None:
            audit_record(
                action="usage.sync",
                actor=actor,
                audit=audit,
                instance=instance,
                target_type="usage_sync",
                target_id=sync.pk,
                details={"kind": kind},
            )
        # With the broker down nothing is sent; the sweeper queues it once it is back.
        transaction.on_commit(lambda: jobs.job_publish(UsageSync, sync.pk))
    return sync


def usage_sync_due(*, kind: str) -> list[UsageSync]:
    """The scheduled run: one sync per enabled instance. An instance that never finished a
    7-day run is back-filled instead of collecting today only."""
    syncs = []
    for instance in MarketoInstance.objects.filter(enabled=True):
        this_kind = kind
        backfilled = instance.usage_syncs.filter(
            status=UsageSync.Status.SUCCEEDED,
            kind__in=[UsageSync.Kind.SETTLE, UsageSync.Kind.BACKFILL],
        ).exists()
        if not backfilled:
            this_kind = UsageSync.Kind.BACKFILL
        syncs.append(
            usage_sync_start(instance=instance, kind=this_kind, audit=AuditContext.system())
        )
    return syncs


def usage_sync_run(*, sync_id: int) -> UsageSync | None:
    """Fetch, store, reconcile. A delivery that finds the run finished, or running in a live
    worker, does nothing; when the governor asks for a wait, the run is paused until then."""
    claim = jobs.job_claim(UsageSync, sync_id)
    sync = UsageSync.objects.select_related("instance", "requested_by").filter(pk=sync_id).first()
    if claim is None or sync is None:
        return sync  # None when it was deleted meanwhile
    instance = sync.instance
    try:
        with jobs.keep_alive(UsageSync, sync.pk, claim):
            client = marketo_client(
                instance,
                priority=Priority.BACKGROUND,
                feature=FEATURE,
                user=sync.requested_by,
                job=f"usage_sync:{sync.pk}",
            )
            if sync.kind == UsageSync.Kind.TODAY:
                usage = marketo_usage.usage_today(client)
                errors = marketo_usage.errors_today(client)
            else:
                usage = marketo_usage.usage_last_7_days(client)
                errors = marketo_usage.errors_last_7_days(client)
    except RetryLater as exc:
        message = _problem(exc, job=True)
        jobs.job_pause(
            UsageSync, sync.pk, claim, seconds=exc.seconds, message=message, failure=False
        )
        sync.refresh_from_db()
        return sync
    except GovernorUnavailable as exc:
        message = f"{_problem(exc, job=True)} The sync goes on by itself when it is back."
        jobs.job_pause(UsageSync, sync.pk, claim, seconds=30, message=message, failure=False)
        sync.refresh_from_db()
        return sync
    except CallProblem as exc:
        return _fail(sync, claim, _problem(exc))
    try:
        with transaction.atomic():
            days = usage_days_store(instance=instance, result=usage)
            error_days_store(instance=instance, result=errors)
            # Not ours any more (handed on meanwhile) changes nothing: storing is idempotent.
            jobs.job_finish(
                UsageSync, sync.pk, claim, status=UsageSync.Status.SUCCEEDED, days=days, error=""
            )
    except (KeyError, TypeError, ValueError) as exc:
        # An answer that is not the shape usage.md shows: nothing is stored, the sync fails
        # and says why, instead of the task dying with the sync left running.
        detail = f"no {exc} field" if isinstance(exc, KeyError) else str(exc)
        return _fail(sync, claim, f"Marketo's usage answer could not be read: {detail}.")
    quota_reconcile(instance=instance)
    quota_alert_check(instance=instance)
    sync.refresh_from_db()
    return sync


def _problem(exc: CallProblem, *, job: bool = False) -> str:
    return call_problem_message(exc, needs=marketo_usage.ROLE_PERMISSIONS, job=job)


def _fail(sync: UsageSync, claim: str, error: str) -> UsageSync:
    jobs.job_finish(UsageSync, sync.pk, claim, status=UsageSync.Status.FAILED, error=error)
    logger.warning("usage sync %s of instance %s failed: %s", sync.pk, sync.instance_id, error)
    sync.refresh_from_db()
    return sync


def usage_days_store(*, instance, result: list[dict]) -> int:
    """Upsert Marketo's per-day, per-user counts. A day's answer is the whole truth for that
    day, so users it no longer lists are removed from that day."""
    for day in result:
        on = marketo_usage.usage_date(day["date"])
        counts = {u["userId"]: int(u["count"]) for u in day.get("users") or []}
        UsageDay.objects.filter(instance=instance, date=on).exclude(api_user__in=counts).delete()
        UsageDay.objects.bulk_create(
            [UsageDay(instance=instance, date=on, api_user=u, calls=n) for u, n in counts.items()],
            update_conflicts=True,
            unique_fields=["instance", "date", "api_user"],
            update_fields=["calls", "updated_at"],
        )
    return len(result)


def error_days_store(*, instance, result: list[dict]) -> int:
    for day in result:
        on = marketo_usage.usage_date(day["date"])
        counts = {str(e["errorCode"]): int(e["count"]) for e in day.get("errors") or []}
        ErrorDay.objects.filter(instance=instance, date=on).exclude(code__in=counts).delete()
        ErrorDay.objects.bulk_create(
            [ErrorDay(instance=instance, date=on, code=c, count=n) for c, n in counts.items()],
            update_conflicts=True,
            unique_fields=["instance", "date", "code"],
            update_fields=["count", "updated_at"],
        )
    return len(result)


def quota_reconcile(*, instance) -> None:
    """Raise the governor's daily counter to Marketo's figure (the larger wins), so "calls
    left today" includes what the other integrations spent."""
    try:
        shared_governor().set_daily_used(
            instance_budget(instance), marketo_used_today(instance=instance)
        )
    except GovernorUnavailable:
        logger.warning("could not reconcile the governor of instance %s", instance.pk)


# --- the alert -------------------------------------------------------------------------


def quota_alert_for(instance) -> QuotaAlert:
    alert, _ = QuotaAlert.objects.get_or_create(instance=instance)
    return alert


def quota_alert_set(*, instance, threshold_percent: int, actor, audit: AuditContext) -> QuotaAlert:
    alert = quota_alert_for(instance)
    before = alert.threshold_percent
    alert.threshold_percent = threshold_percent
    alert.full_clean()
    alert.save(update_fields=["threshold_percent"])
    audit_record(
        action="usage.alert_threshold",
        actor=actor,
        audit=audit,
        instance=instance,
        details={"from": before, "to": threshold_percent},
    )
    return alert


def email_configured() -> bool:
    return bool(settings.EMAIL_HOST)


def _quota_alert_text(status, day, zone: tzinfo) -> str:
    def at(moment) -> str:
        local, central = moment.astimezone(zone), moment.astimezone(CHICAGO)
        return f"{local:%H:%M} {local.tzname()} your time ({central:%H:%M} {central.tzname()})"

    runs_out = status.forecast.runs_out_at
    pace = (
        f"At today's pace the quota runs out at {at(runs_out)}.\n"
        if runs_out and not status.forecast.reached
        else ""
    )
    return (
        f"{status.instance.name} has used {status.used:,} of its {status.quota:,} API calls"
        f" for the quota day of {day:%A %d %B %Y} (all integrations: Marketo's last report, or"
        " marketo-admin's own count when that is higher).\n"
        f"{pace}"
        f"The quota resets at {at(status.reset_at)}, midnight US Central.\n"
        "The usage pages show who is spending it.\n"
    )


def quota_alert_check(*, instance, now: float | None = None) -> bool:
    """Email the admins once per quota day when today's use passes the threshold (the same
    reading as the banner's: `quota_status`). Returns True when this call sent the email."""
    status = quota_status(instance, now=now)
    if not status.alert or not email_configured():
        return False
    alert = quota_alert_for(instance)
    day = today(now if now is not None else time.time())
    # Claim the day with a conditional UPDATE: of two workers racing, one sends.
    claimed = (
        QuotaAlert.objects.filter(pk=alert.pk).exclude(emailed_for=day).update(emailed_for=day)
    )
    if not claimed:
        return False
    recipients = list(
        get_user_model()
        .objects.filter(Q(groups__name=Role.ADMIN) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .select_related("profile")
        .distinct()
    )
    if not recipients:
        return False
    subject = f"[marketo-admin] {instance.name}: {status.percent:.0f}% of today's API quota used"
    # One message each, so that each admin reads the times in their own zone.
    send_mass_mail(
        [
            (subject, _quota_alert_text(status, day, user_zone(admin) or UTC), None, [admin.email])
            for admin in recipients
        ],
        fail_silently=False,
    )
    return True
