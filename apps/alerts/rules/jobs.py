"""A sync or lookup failing or paused for longer than the rule's minutes: the latest job of
each kind on the instance (the models built on apps.core.jobs.TrackedJob)."""

from datetime import datetime, timedelta

from apps.alerts.models import Alert
from apps.alerts.rules import Condition, at
from apps.assets.models import AssetSync
from apps.integrations.models import UserSync
from apps.leads.models import LeadLookup
from apps.usage.models import UsageSync

JOBS = [
    ("asset_sync", "The asset sync", AssetSync),
    ("usage_sync", "The usage sync", UsageSync),
    ("user_sync", "The reading of Marketo's users", UserSync),
    ("lead_lookup", "The latest lead lookup", LeadLookup),
]
# The syncs run again on their schedules, so a failed one is failing until one succeeds; a
# lookup is run once, so its failure is news for a day, then history.
FAILURE_FORGOTTEN_AFTER = {"lead_lookup": timedelta(days=1)}


def stalled_jobs(instance, minutes: int, now: datetime) -> list[Condition]:
    limit = now - timedelta(minutes=minutes)
    conditions = []
    for key, label, model in JOBS:
        job = model.objects.filter(instance=instance).order_by("-pk").first()
        if job is None:
            continue
        message = getattr(job, model.job_message_field) or ""
        forgotten = FAILURE_FORGOTTEN_AFTER.get(key)
        if (
            forgotten
            and job.status == "failed"
            and job.finished_at
            and job.finished_at < now - forgotten
        ):
            continue
        if job.status == "failed" and job.finished_at and job.finished_at <= limit:
            since, severity, state = job.finished_at, Alert.Severity.CRITICAL, "failed"
        # A pause touches the heartbeat: a job paused this long has not tried since.
        elif job.status == "paused" and job.heartbeat_at and job.heartbeat_at <= limit:
            since, severity, state = job.heartbeat_at, Alert.Severity.WARNING, "paused"
        else:
            continue
        conditions.append(
            Condition(
                subject=f"job:{key}",
                severity=severity,
                title=f"{instance.name}: {label[0].lower()}{label[1:]} {state}",
                summary=f"{label} {state} over {minutes} minutes ago"
                + (f": {message}" if message else "."),
                facts={"job": label, "job_id": job.pk, "state": state, "since": at(since)},
            )
        )
    return conditions
