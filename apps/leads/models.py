"""Lead lookups: a list of values looked up in batches, with every finished batch stored, so
that a job resumes where it stopped and its results outlive the tab that started it."""

from django.conf import settings
from django.db import models

from apps.core.jobs import TrackedJob
from apps.instances.models import MarketoInstance


class LeadLookup(TrackedJob):
    job_task = "apps.leads.tasks.lead_lookup_run_task"
    job_resume_action = "leads.lookup_resume"
    job_target_type = "lead_lookup"
    job_message_field = "message"

    class Status(models.TextChoices):
        DRAFT = "draft", "Not started"  # the cost is shown; the user has not confirmed
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        PAUSED = "paused", "Waiting to retry"
        DONE = "done", "Finished"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING, Status.PAUSED)
    FINISHED = (Status.DONE, Status.CANCELLED, Status.FAILED)

    instance = models.ForeignKey(
        MarketoInstance, on_delete=models.CASCADE, related_name="lead_lookups"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lead_lookups"
    )
    field = models.CharField(max_length=100, help_text="The filterType: a searchable field.")
    source = models.CharField(max_length=16, default="paste")  # paste, csv, api
    filename = models.CharField(max_length=255, blank=True)
    # The fields fetched for each lead (all of describe's, so any column can be shown), by
    # their API names; `field_info` keeps describe's display name and data type of each as
    # they were when the lookup was prepared ({name: {"label", "type"}}), so its pages and
    # CSV headers speak the marketer's names without asking Marketo again.
    fields = models.JSONField(default=list)
    field_info = models.JSONField(default=dict, blank=True)
    invalid_values = models.JSONField(default=list, blank=True)
    duplicate_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    message = models.TextField(blank=True, help_text="What is happening, in words.")

    total_values = models.PositiveIntegerField(default=0)
    done_values = models.PositiveIntegerField(default=0)
    found_count = models.PositiveIntegerField(default=0)  # values that matched a lead
    lead_count = models.PositiveIntegerField(default=0)  # leads found (a value may match more)
    not_found_count = models.PositiveIntegerField(default=0)
    # Values that alone match more than 1,000 leads: Marketo answers 1003 and no lead.
    too_many_count = models.PositiveIntegerField(default=0)
    calls_used = models.PositiveIntegerField(default=0)
    batch_count = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self) -> str:
        return f"lookup {self.pk} of {self.total_values} {self.field} values"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        return 100 if not self.total_values else round(100 * self.done_values / self.total_values)

    def label_of(self, name: str) -> str:
        """describe's display name of a field of this lookup; its API name when unknown."""
        return (self.field_info.get(name) or {}).get("label") or name

    @property
    def field_label(self) -> str:
        return self.label_of(self.field)


class LeadLookupBatch(models.Model):
    """Up to 300 values: one Marketo call (or a few pages). Done once, never repeated."""

    lookup = models.ForeignKey(LeadLookup, on_delete=models.CASCADE, related_name="batches")
    position = models.PositiveIntegerField()
    values = models.JSONField()
    done = models.BooleanField(default=False)
    not_found = models.JSONField(default=list, blank=True)
    too_many = models.JSONField(default=list, blank=True)  # each matches over 1,000 leads
    calls = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    # When it was done: the lookup's progress over time, from which its time left is
    # estimated (apps/leads/progress.py).
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["lookup", "position"], name="one_batch_per_position")
        ]
        indexes = [models.Index(fields=["lookup", "done", "position"])]

    def __str__(self) -> str:
        return f"batch {self.position} of lookup {self.lookup_id}"


class LeadLookupResult(models.Model):
    """One lead found by a lookup, with the fields fetched for it."""

    lookup = models.ForeignKey(LeadLookup, on_delete=models.CASCADE, related_name="results")
    batch = models.ForeignKey(LeadLookupBatch, on_delete=models.CASCADE, related_name="results")
    lead_id = models.BigIntegerField()
    data = models.JSONField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["lookup", "id"])]

    def __str__(self) -> str:
        return f"lead {self.lead_id} found by lookup {self.lookup_id}"


class LeadActivityPreference(models.Model):
    """The activity types one user reads on lead detail pages of one instance: at most 20,
    two calls' worth (activities.md: ten activityTypeIds per call)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lead_activity_preferences"
    )
    instance = models.ForeignKey(
        MarketoInstance, on_delete=models.CASCADE, related_name="lead_activity_preferences"
    )
    type_ids = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "instance"], name="one_activity_preference_per_user_instance"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.instance}: {len(self.type_ids)} activity types"
