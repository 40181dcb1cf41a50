"""The asset mirror: every folder and asset of an instance, as Marketo last answered them.

Common fields are columns (to sort, filter and index); the full Marketo record is `raw`.
Rows are keyed by (instance, type, Marketo id), as Marketo itself keys them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.jobs import TrackedJob


class AssetType(models.TextChoices):
    PROGRAM = "program", "Program"
    EMAIL = "email", "Email"
    LANDING_PAGE = "landing_page", "Landing page"
    FORM = "form", "Form"
    SNIPPET = "snippet", "Snippet"
    SMART_CAMPAIGN = "smart_campaign", "Smart campaign"
    SMART_LIST = "smart_list", "Smart list"
    STATIC_LIST = "static_list", "Static list"
    EMAIL_TEMPLATE = "email_template", "Email template"
    LANDING_PAGE_TEMPLATE = "landing_page_template", "Landing page template"
    FILE = "file", "File"


class FolderKind(models.TextChoices):
    # folders.md: a folder reference is either a Folder or a Program (programs hold assets).
    FOLDER = "Folder", "Folder"
    PROGRAM = "Program", "Program"


class AssetStatus(models.TextChoices):
    """The approval state of emails, landing pages, forms, snippets and templates."""

    APPROVED = "approved", "Approved"
    DRAFT = "draft", "Draft"
    APPROVED_WITH_DRAFT = "approved_with_draft", "Approved with draft"


class MirroredFolder(models.Model):
    instance = models.ForeignKey(
        "instances.MarketoInstance", on_delete=models.CASCADE, related_name="mirrored_folders"
    )
    kind = models.CharField(max_length=8, choices=FolderKind.choices, default=FolderKind.FOLDER)
    marketo_id = models.BigIntegerField()
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    folder_type = models.CharField(max_length=64, blank=True, help_text="Zone, Email, ...")
    workspace = models.CharField(max_length=100, blank=True)
    path = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    parent_kind = models.CharField(max_length=8, blank=True)
    parent_marketo_id = models.BigIntegerField(null=True, blank=True)
    is_system = models.BooleanField(default=False)
    is_archive = models.BooleanField(default=False)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict)
    synced_at = models.DateTimeField(default=timezone.now)
    seen_sync_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "kind", "marketo_id"], name="assets_folder_unique_marketo_id"
            )
        ]
        indexes = [models.Index(fields=["instance", "parent", "name"], name="assets_folder_tree")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.path or self.name

    @property
    def kind_slug(self) -> str:
        return self.kind.lower()


class MirroredAsset(models.Model):
    instance = models.ForeignKey(
        "instances.MarketoInstance", on_delete=models.CASCADE, related_name="mirrored_assets"
    )
    asset_type = models.CharField(max_length=32, choices=AssetType.choices)
    marketo_id = models.BigIntegerField()
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    folder = models.ForeignKey(
        MirroredFolder, null=True, blank=True, on_delete=models.SET_NULL, related_name="assets"
    )
    folder_kind = models.CharField(max_length=8, blank=True)
    folder_marketo_id = models.BigIntegerField(null=True, blank=True)
    # Approval state for approvable types (AssetStatus); Marketo's own word, lower case,
    # for the others (a program's "on", a campaign's "active"); empty when it has none.
    status = models.CharField(max_length=32, blank=True)
    workspace = models.CharField(max_length=100, blank=True)
    url = models.CharField(max_length=500, blank=True)
    program_type = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict)
    # A program's My Tokens (tokens.md), fetched by the full sync when the program changed.
    tokens = models.JSONField(default=list, blank=True)
    tokens_synced_at = models.DateTimeField(null=True, blank=True)
    # Name and description in lower case: the trigram index serves `contains` on it.
    search_text = models.TextField(blank=True)
    synced_at = models.DateTimeField(default=timezone.now)
    seen_sync_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "asset_type", "marketo_id"],
                name="assets_asset_unique_marketo_id",
            )
        ]
        indexes = [
            models.Index(fields=["folder", "name"], name="assets_asset_folder_name"),
            models.Index(fields=["folder", "updated_at"], name="assets_asset_folder_updated"),
            models.Index(fields=["instance", "name"], name="assets_asset_instance_name"),
            models.Index(
                fields=["instance", "asset_type", "updated_at"], name="assets_asset_type_updated"
            ),
            models.Index(fields=["instance", "status"], name="assets_asset_status"),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.get_asset_type_display()} {self.marketo_id}: {self.name}"


# The steps of a sync, in order: the folder tree first (assets point into it), then each
# type, then the My Tokens of programs that changed.
SYNC_STEPS = ["folders", *AssetType.values, "tokens"]


class AssetSync(TrackedJob):
    """One pass over an instance's asset tree. At most one is live (queued, running or paused)
    per instance (a partial unique constraint); the task claims it with a conditional UPDATE
    (apps.core.jobs)."""

    job_task = "apps.assets.tasks.asset_sync_run_task"
    job_resume_action = "assets.sync_resume"
    job_target_type = "asset_sync"
    job_message_field = "error"

    class Mode(models.TextChoices):
        FULL = "full", "Full"
        INCREMENTAL = "incremental", "Incremental"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        PAUSED = "paused", "Waiting to retry"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING, Status.PAUSED)

    instance = models.ForeignKey(
        "instances.MarketoInstance", on_delete=models.CASCADE, related_name="asset_syncs"
    )
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.FULL)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # Incremental passes ask for assets updated since this moment.
    updated_since = models.DateTimeField(null=True, blank=True)
    # {"step": "email", "offset": 400}: where a crashed or paused sync picks up again.
    checkpoint = models.JSONField(default=dict, blank=True)
    # {"folders": {"pages": 1, "rows": 120, "calls": 1, "state": "done"}, "email": {...}}
    progress = models.JSONField(default=dict, blank=True)
    calls = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=16, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["instance"],
                condition=Q(status__in=["queued", "running", "paused"]),
                name="assets_one_active_sync_per_instance",
            )
        ]
        indexes = [models.Index(fields=["instance", "-requested_at"], name="assets_sync_recent")]
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} sync {self.pk} of {self.instance_id}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def steps(self) -> list[tuple[str, dict]]:
        """Progress per step in sync order (jsonb does not keep the keys' order)."""
        return [(step, self.progress[step]) for step in SYNC_STEPS if step in self.progress]

    @property
    def rows(self) -> int:
        return sum(step.get("rows", 0) for step in self.progress.values())

    @property
    def percent(self) -> int:
        steps = list(self.progress.values())
        if not steps:
            return 0
        done = sum(1 for step in steps if step.get("state") == "done")
        return int(100 * done / len(steps))


class AssetAction(models.Model):
    """A person's action on one asset, run by an interactive task; the page polls it."""

    class Kind(models.TextChoices):
        REFRESH = "refresh", "Refresh"
        APPROVE = "approve", "Approve draft"
        UNAPPROVE = "unapprove", "Unapprove"
        CLONE = "clone", "Clone"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        # The write got no answer (issue 14, "Per-endpoint timeouts and leases"): Marketo may
        # have carried it out. It is confirmed by reading the asset back, never sent again.
        PENDING = "pending", "Checking with Marketo"
        SUCCEEDED = "succeeded", "Succeeded"
        REFUSED = "refused", "Refused by Marketo"
        CONFLICT = "conflict", "Changed in Marketo"
        FAILED = "failed", "Failed"

    FINISHED = (Status.SUCCEEDED, Status.REFUSED, Status.CONFLICT, Status.FAILED)

    instance = models.ForeignKey(
        "instances.MarketoInstance", on_delete=models.CASCADE, related_name="asset_actions"
    )
    asset_type = models.CharField(max_length=32, choices=AssetType.choices)
    marketo_id = models.BigIntegerField()
    asset_name = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The mirror's updatedAt when the person asked: a different one in Marketo is a conflict.
    expected_updated_at = models.DateTimeField(null=True, blank=True)
    clone_name = models.CharField(max_length=255, blank=True)
    clone_folder_kind = models.CharField(max_length=8, blank=True)
    clone_folder_id = models.BigIntegerField(null=True, blank=True)
    result_marketo_id = models.BigIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)
    error_code = models.CharField(max_length=16, blank=True)
    # Set just before the write is sent: an action with it may have been carried out, so it
    # is confirmed by reading back, never run again (a worker killed after it is recovered).
    write_sent_at = models.DateTimeField(null=True, blank=True)
    # The asset's approval state (AssetStatus) when the write was sent, to confirm against.
    state_before = models.CharField(max_length=32, blank=True)
    # When a pending action is next read back, and how many read-backs it had.
    confirm_at = models.DateTimeField(null=True, blank=True)
    confirm_attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            models.Index(
                fields=["confirm_at"],
                condition=Q(status="pending"),
                name="assets_action_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.asset_type} {self.marketo_id}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
