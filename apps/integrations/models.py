"""The instance's Marketo users, roles and workspaces, as the User Management API lists them
(help/rest-api/user-management.md), and the runs that read them."""

from django.conf import settings
from django.db import models

from apps.core.jobs import TrackedJob


class MarketoRole(models.Model):
    """A role of the instance (Get Roles). Marketo lists no permissions for a role: what it
    allows shows only in Marketo's Admin > Users & Roles."""

    instance = models.ForeignKey(
        "instances.MarketoInstance", on_delete=models.CASCADE, related_name="marketo_roles"
    )
    role_id = models.IntegerField()
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=32, blank=True, help_text="system or custom")
    only_all_zones = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["instance", "role_id"], name="one_role_per_id")
        ]

    def __str__(self) -> str:
        return self.name


class MarketoWorkspace(models.Model):
    instance = models.ForeignKey(
        "instances.MarketoInstance", on_delete=models.CASCADE, related_name="marketo_workspaces"
    )
    workspace_id = models.IntegerField()
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "workspace_id"], name="one_workspace_per_id"
            )
        ]

    def __str__(self) -> str:
        return self.name


class MarketoUser(models.Model):
    """One user of the instance. `userid` is what the usage statistics name an API user by
    (usage.md: userId; user-management.md: an e-mail address, or an Adobe IMS id)."""

    instance = models.ForeignKey(
        "instances.MarketoInstance", on_delete=models.CASCADE, related_name="marketo_users"
    )
    userid = models.CharField(max_length=254)
    marketo_id = models.IntegerField(null=True, blank=True)
    email = models.CharField(max_length=254, blank=True)
    first_name = models.CharField(max_length=255, blank=True)
    last_name = models.CharField(max_length=255, blank=True)
    api_only = models.BooleanField(default=False)
    # [{"role_id", "role", "workspace_id", "workspace"}], from Get Roles and Workspaces by Id;
    # read for API-only users only (one call per user).
    roles = models.JSONField(default=list, blank=True)
    roles_read_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(help_text="First read in Marketo's list of users.")
    last_seen_at = models.DateTimeField(help_text="Last read in Marketo's list of users.")
    # The run that last found it: a finished run marks the users it did not find as gone.
    last_seen_sync = models.ForeignKey(
        "integrations.UserSync", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    roles_sync = models.ForeignKey(
        "integrations.UserSync", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    gone = models.BooleanField(default=False, help_text="No longer in Marketo's list.")

    class Meta:
        ordering = ["userid"]
        constraints = [
            models.UniqueConstraint(fields=["instance", "userid"], name="one_marketo_user_per_id")
        ]

    def __str__(self) -> str:
        return self.userid

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class UserSync(TrackedJob):
    """One reading of the instance's users, roles and workspaces. Resumable: it keeps the
    offset of the next page of users, and which API users' roles it has read."""

    job_task = "apps.integrations.tasks.user_sync_run_task"
    job_message_field = "error"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        PAUSED = "paused", "Waiting to retry"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    instance = models.ForeignKey(
        "instances.MarketoInstance", on_delete=models.CASCADE, related_name="user_syncs"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    catalog_read = models.BooleanField(default=False, help_text="Roles and workspaces read.")
    next_offset = models.PositiveIntegerField(default=0, help_text="pageOffset of the next page.")
    users_listed = models.BooleanField(default=False, help_text="Every page of users read.")
    users_read = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["instance", "status", "-requested_at"])]

    def __str__(self) -> str:
        return f"{self.instance_id} {self.status}"
