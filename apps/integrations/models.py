"""The instance's Marketo users, roles and workspaces, as the User Management API lists them
(help/rest-api/user-management.md), and the runs that read them; and the integrations the
admins name, with the API users each one calls with and its daily budget."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

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
    job_resume_action = "integrations.user_sync_resume"
    job_target_type = "user_sync"
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


# An integration's budget warns at this share of it, and is critical at the second, unless an
# admin chose other thresholds.
DEFAULT_BUDGET_WARN_PERCENT = 80
DEFAULT_BUDGET_CRITICAL_PERCENT = 100


class Integration(models.Model):
    """A system that calls Marketo (a CRM sync, a webinar connector, a data warehouse tap),
    with one or more API users, on one or more instances. Named by the admins: Marketo knows
    only the API users."""

    name = models.CharField(max_length=120, unique=True)
    purpose = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_integrations",
        help_text="A user of marketo-admin who answers for it.",
    )
    owner_email = models.EmailField(
        blank=True, help_text="Or the address of someone who does not use marketo-admin."
    )
    # A daily budget on each instance the integration calls: a number of calls, or a share of
    # that instance's daily quota (one or neither, never both).
    budget_calls = models.PositiveIntegerField(
        "budget (calls a day)", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    budget_percent = models.PositiveSmallIntegerField(
        "budget (share of the quota)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    warn_percent = models.PositiveSmallIntegerField(
        default=DEFAULT_BUDGET_WARN_PERCENT,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="Warn when a day's calls reach this share of the budget.",
    )
    critical_percent = models.PositiveSmallIntegerField(
        default=DEFAULT_BUDGET_CRITICAL_PERCENT,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="Critical when a day's calls reach this share of the budget.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_calls__isnull=True) | Q(budget_percent__isnull=True),
                name="integration_budget_in_calls_or_percent",
            ),
            models.CheckConstraint(
                condition=Q(warn_percent__lte=F("critical_percent")),
                name="integration_warns_before_critical",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def budget_on(self, instance) -> int | None:
        """The calls a day this integration may make on `instance`; None without a budget."""
        if self.budget_calls is not None:
            return self.budget_calls
        if self.budget_percent is not None:
            return instance.daily_quota * self.budget_percent // 100
        return None


class IntegrationApiUser(models.Model):
    """An API user of one instance, mapped to the integration that calls with it. An API
    user belongs to one integration at most; one not mapped is "unassigned"."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="api_users")
    instance = models.ForeignKey(
        "instances.MarketoInstance", on_delete=models.CASCADE, related_name="integration_api_users"
    )
    # As the usage statistics name it (MarketoUser.userid, or a name seen only in usage).
    userid = models.CharField(max_length=254)
    mapped_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["instance", "userid"]
        constraints = [
            # Marketo's figures spell the same user in more than one case (usage.md vs the
            # user list), so the mapping compares them without case.
            models.UniqueConstraint(
                "instance", Lower("userid"), name="one_integration_per_api_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.userid} → {self.integration_id}"
