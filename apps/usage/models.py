from django.conf import settings
from django.db import models


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

    def __str__(self):
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

    def __str__(self):
        return f"{self.hour:%Y-%m-%d %H}:00 {self.endpoint} {self.calls}"
