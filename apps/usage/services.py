"""Collecting usage and errors from Marketo, and reconciling the governor."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.audit.context import AuditContext
from apps.audit.services import audit_record
from apps.core import jobs
from apps.instances.client import (
    instance_budget,
    marketo_client,
    shared_governor,
)
from apps.instances.models import MarketoInstance
from apps.marketo import usage as marketo_usage
from apps.marketo.errors import CallProblem, RetryLater
from apps.marketo.governor import GovernorUnavailable, Priority
from apps.marketo.wording import call_problem_message
from apps.usage.days import today
from apps.usage.models import ERROR_READING_DAYS, ErrorDay, ErrorReading, UsageDay, UsageSync
from apps.usage.quota import marketo_used_today
from apps.usage.signals import usage_synced

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
            # The first sync reads the day so far, not what was added since the last one:
            # recorded as one reading, it would look like a spike.
            first = not instance.usage_syncs.filter(status=UsageSync.Status.SUCCEEDED).exists()
            error_days_store(instance=instance, result=errors, readings=not first)
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
    # The alert rules look at what it read (apps.alerts listens: usage cannot import it).
    usage_synced.send_robust(sender=UsageSync, sync=sync)
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


def error_days_store(
    *, instance, result: list[dict], readings: bool = True, now: float | None = None
) -> int:
    """Upsert Marketo's per-day counts of each code; with `readings`, also record what this
    answer added to today's (ErrorReading)."""
    current = today(now)
    for day in result:
        on = marketo_usage.usage_date(day["date"])
        counts = {str(e["errorCode"]): int(e["count"]) for e in day.get("errors") or []}
        if readings and on == current:
            _error_readings_store(instance=instance, on=on, counts=counts)
        ErrorDay.objects.filter(instance=instance, date=on).exclude(code__in=counts).delete()
        ErrorDay.objects.bulk_create(
            [ErrorDay(instance=instance, date=on, code=c, count=n) for c, n in counts.items()],
            update_conflicts=True,
            unique_fields=["instance", "date", "code"],
            update_fields=["count", "updated_at"],
        )
    return len(result)


def _error_readings_store(*, instance, on, counts: dict[str, int]) -> None:
    """What this sync adds to today's count of each code. Marketo counts errors per day
    only; these differences are the errors per hour that the error-spike rule compares."""
    before = dict(ErrorDay.objects.filter(instance=instance, date=on).values_list("code", "count"))
    read_at = timezone.now()
    ErrorReading.objects.bulk_create(
        ErrorReading(
            instance=instance, read_at=read_at, code=code, added=count - before.get(code, 0)
        )
        for code, count in counts.items()
        if count > before.get(code, 0)
    )
    ErrorReading.objects.filter(
        instance=instance, read_at__lt=read_at - timedelta(days=ERROR_READING_DAYS)
    ).delete()


def quota_reconcile(*, instance) -> None:
    """Raise the governor's daily counter to Marketo's figure (the larger wins), so "calls
    left today" includes what the other integrations spent."""
    try:
        shared_governor().set_daily_used(
            instance_budget(instance), marketo_used_today(instance=instance)
        )
    except GovernorUnavailable:
        logger.warning("could not reconcile the governor of instance %s", instance.pk)
