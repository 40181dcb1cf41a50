from django.conf import settings
from django.db import models

from apps.core.jobs import TrackedJob


class LedgerEntry(models.Model):
    """One call (one attempt) this deployment made to Marketo, whatever its outcome.

    Raw rows are kept for LEDGER_RAW_DAYS; their hourly roll-ups (LedgerHour) forever.
    """

    instance = models.ForeignKey(
        "instances.MarketoInstance", on_delete=models.CASCADE, related_name="ledger_entries"
    )
    made_at = models.DateTimeField(db_index=True)
    method = models.CharField(max_length=8)
    endpoint = models.CharField(max_length=200)  # a path template: /rest/v1/lead/{id}.json
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    code = models.CharField(max_length=16, blank=True)  # Marketo's error code; "" = success
    request_id = models.CharField(max_length=64, blank=True)
    duration_ms = models.PositiveIntegerField()
    attempt = models.PositiveSmallIntegerField(default=1)
    priority = models.CharField(max_length=16)
    feature = models.CharField(max_length=32, blank=True)  # lead_lookup, asset_sync, ...
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    job = models.CharField(max_length=64, blank=True)  # the task or job that made the call

    class Meta:
        ordering = ["-made_at"]
        indexes = [models.Index(fields=["instance", "made_at"])]

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint} {self.code or self.http_status}"


class LedgerHour(models.Model):
    """Calls per instance, hour, endpoint, outcome, feature and user: the ledger's summary."""

    instance = models.ForeignKey(
        "instances.MarketoInstance", on_delete=models.CASCADE, related_name="ledger_hours"
    )
    hour = models.DateTimeField()
    endpoint = models.CharField(max_length=200)
    code = models.CharField(max_length=16, blank=True)
    priority = models.CharField(max_length=16)
    feature = models.CharField(max_length=32, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    calls = models.PositiveIntegerField()
    total_ms = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["-hour"]
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "hour", "endpoint", "code", "priority", "feature", "user"],
                name="one_ledger_hour_per_group",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}:00 {self.endpoint} {self.calls}"


class UsageDay(models.Model):
    """Calls one API user made on one instance on one quota day, as Marketo reports them
    (GET /rest/v1/stats/usage*.json). Kept forever: Marketo keeps only 7 days."""

    instance = models.ForeignKey(
        "instances.MarketoInstance", on_delete=models.CASCADE, related_name="usage_days"
    )
    date = models.DateField()  # the America/Chicago date Marketo counts the call on
    api_user = models.CharField(max_length=254)
    calls = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "api_user"]
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "date", "api_user"], name="one_usage_day_per_api_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.api_user} {self.calls}"


class ErrorDay(models.Model):
    """Errors of one code on one instance on one quota day (GET /rest/v1/stats/errors*.json)."""

    instance = models.ForeignKey(
        "instances.MarketoInstance", on_delete=models.CASCADE, related_name="error_days"
    )
    date = models.DateField()
    code = models.CharField(max_length=16)
    count = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "date", "code"], name="one_error_day_per_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.code} {self.count}"


class UsageSync(TrackedJob):
    """One run of the usage collection for one instance: what it fetched and how it ended."""

    job_task = "apps.usage.tasks.usage_sync_run_task"
    job_resume_action = "usage.sync_resume"
    job_target_type = "usage_sync"
    job_message_field = "error"

    class Kind(models.TextChoices):
        TODAY = "today", "Today's usage and errors"
        SETTLE = "settle", "Last 7 days (settles finished days)"
        BACKFILL = "backfill", "Back-fill of the 7 days Marketo keeps"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        PAUSED = "paused", "Waiting to retry"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    instance = models.ForeignKey(
        "instances.MarketoInstance", on_delete=models.CASCADE, related_name="usage_syncs"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    days = models.PositiveSmallIntegerField(default=0)  # days of usage written
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["instance", "status", "-requested_at"])]

    def __str__(self) -> str:
        return f"{self.instance_id} {self.kind} {self.status}"


# Error readings older than this are deleted: the error-spike rule compares the last hour
# with the same hour of the 7 days before.
ERROR_READING_DAYS = 8


class ErrorReading(models.Model):
    """What one usage sync added to today's count of one error code on one instance.

    Marketo counts errors per day only (GET /rest/v1/stats/errors.json); the differences
    between successive readings of the day are the only errors per hour there are.
    """

    instance = models.ForeignKey(
        "instances.MarketoInstance", on_delete=models.CASCADE, related_name="error_readings"
    )
    read_at = models.DateTimeField()
    code = models.CharField(max_length=16)
    added = models.PositiveIntegerField()

    class Meta:
        ordering = ["-read_at"]
        indexes = [models.Index(fields=["instance", "code", "read_at"])]

    def __str__(self) -> str:
        return f"{self.read_at:%Y-%m-%d %H:%M} {self.code} +{self.added}"
