from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from apps.core.permissions import Role, is_admin
from apps.instances.outbound import check_marketo_url

QUOTA_TIME_ZONE = "America/Chicago"  # Marketo's quota day ends at midnight US Central

munchkin_id_validator = RegexValidator(
    r"^\d{3}-[A-Z]{3}-\d{3}$", "A Munchkin id looks like 123-ABC-456."
)


def validate_marketo_url(value: str) -> None:
    """HTTPS to Marketo's hosts or the allow-listed ones; plain http only for a sandbox on
    this machine where the settings allow it (apps/instances/outbound.py). It keeps this
    name and place because migration 0001 refers to it."""
    check_marketo_url(value)


class MarketoInstanceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The instances `user` may know exist: all for admins, granted ones for others."""
        if is_admin(user):
            return self
        return self.filter(grants__user=user)


class MarketoInstance(models.Model):
    """One Marketo instance, reached through one LaunchPoint service's credentials."""

    name = models.CharField(max_length=100, unique=True, help_text="How people here call it.")
    munchkin_id = models.CharField(
        "Munchkin id",
        max_length=11,
        validators=[munchkin_id_validator],
        help_text="Admin > Munchkin in Marketo, e.g. 123-ABC-456.",
    )
    rest_url = models.CharField(
        "REST base URL",
        max_length=200,
        blank=True,
        validators=[validate_marketo_url],
        help_text="Leave blank for https://<munchkin id>.mktorest.com/rest.",
    )
    identity_url = models.CharField(
        "identity URL",
        max_length=200,
        blank=True,
        validators=[validate_marketo_url],
        help_text="Leave blank for https://<munchkin id>.mktorest.com/identity.",
    )
    client_id = models.CharField(
        "client id", max_length=100, help_text="Admin > LaunchPoint > your service > View Details."
    )
    # "<key id>:<Fernet token>", see apps.instances.vault. Never shown, never sent anywhere.
    client_secret_encrypted = models.TextField(editable=False)
    # The last four characters, so people can tell which secret is stored.
    client_secret_hint = models.CharField(max_length=4, editable=False)
    api_user = models.CharField(
        "API user",
        max_length=254,
        blank=True,
        editable=False,
        help_text="The service's API-only user, as the identity endpoint reports it.",
    )
    enabled = models.BooleanField(default=True, help_text="Disabled instances get no calls.")
    notes = models.TextField(blank=True)

    # The limits the governor enforces for this deployment. Marketo's own limits are
    # 100 calls per 20 s and 10 in flight for ALL integrations of an instance; Marketo
    # advises one integration to stay near half of that (help/rest-api/
    # marketo-integration-best-practices.md), so that is the default.
    calls_per_20s = models.PositiveSmallIntegerField(
        "calls per 20 seconds",
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="At most 100 (Marketo's limit for all integrations together); "
        "Marketo advises about 50 for one integration.",
    )
    concurrent_calls = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Calls in flight at once. At most 10 (Marketo's limit); Marketo advises 5.",
    )
    daily_quota = models.PositiveIntegerField(
        default=50_000,
        validators=[MinValueValidator(10_000)],
        help_text="The subscription's calls per day (Admin > Web Services). 50,000 unless "
        "you bought more; never below 10,000.",
    )
    quota_share_percent = models.PositiveSmallIntegerField(
        "share of the daily quota",
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Percent of the daily quota marketo-admin may spend; the rest is left to "
        "the instance's other integrations. The day ends at midnight US Central.",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MarketoInstanceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def quota_time_zone(self) -> str:
        return QUOTA_TIME_ZONE

    @property
    def effective_rest_url(self) -> str:
        return self.rest_url or f"https://{self.munchkin_id}.mktorest.com/rest"

    @property
    def effective_identity_url(self) -> str:
        return self.identity_url or f"https://{self.munchkin_id}.mktorest.com/identity"

    @property
    def daily_budget(self) -> int:
        """Calls per day marketo-admin may make on this instance."""
        return self.daily_quota * self.quota_share_percent // 100

    def clean(self) -> None:
        twin = self.same_marketo_instance().filter(client_id=self.client_id).first()
        if twin is not None:
            raise ValidationError({"client_id": twin_service_message(twin)})

    def same_marketo_instance(self) -> "models.QuerySet[MarketoInstance]":
        """The other entries for this Marketo instance (same Munchkin id). Legitimate when
        each uses its own LaunchPoint service (client id), but they share Marketo's limits."""
        return MarketoInstance.objects.filter(munchkin_id=self.munchkin_id).exclude(pk=self.pk)

    def last_connection_test(self):
        return self.connection_tests.order_by("-requested_at").first()


def twin_service_message(twin: MarketoInstance) -> str:
    # One LaunchPoint service entered twice gets two governors, each spending the limits
    # Marketo counts once per instance: refused. A second service is another client id.
    return (
        f"“{twin.name}” already uses this LaunchPoint service (the same Munchkin id and "
        f"client id). Entered twice, marketo-admin would spend its limits twice over; edit "
        f"“{twin.name}” instead. A second LaunchPoint service on the same Marketo instance "
        "(another client id) may be added."
    )


def shared_limits_message(instance: MarketoInstance, others: list[MarketoInstance]) -> str:
    names = ", ".join(f"“{other.name}”" for other in others)
    return (
        f"{names} also use{'s' if len(others) == 1 else ''} the Marketo instance "
        f"{instance.munchkin_id}. Marketo's limits (100 calls per 20 seconds, 10 at once and "
        "the daily quota) are for all of them together: keep their limits within those."
    )


class InstanceGrant(models.Model):
    """Lets a non-admin user work on one instance, as operator or viewer."""

    ROLE_CHOICES = [(Role.OPERATOR.value, "Operator"), (Role.VIEWER.value, "Viewer")]

    instance = models.ForeignKey(MarketoInstance, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="instance_grants"
    )
    role = models.CharField(max_length=16, choices=ROLE_CHOICES)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__username"]
        constraints = [
            models.UniqueConstraint(fields=["instance", "user"], name="one_grant_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} of {self.instance}"


class ConnectionTest(models.Model):
    """One run of "Test connection": a token, then one cheap call per permission."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        OK = "ok", "Connected"
        LIMITED = "limited", "Connected, permissions missing"
        FAILED = "failed", "Failed"

    instance = models.ForeignKey(
        MarketoInstance, on_delete=models.CASCADE, related_name="connection_tests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True, help_text="Why the token could not be had, in words.")
    api_user = models.CharField(max_length=254, blank=True)
    token_seconds_left = models.PositiveIntegerField(null=True, blank=True)
    # {"leads": {"ok": true, "ms": 120}, "assets": {"ok": false, "code": "603", ...}, ...}
    permissions = models.JSONField(default=dict, blank=True)
    round_trip_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["instance", "-requested_at"])]

    def __str__(self) -> str:
        return f"connection test of {self.instance} at {self.requested_at:%Y-%m-%d %H:%M}"

    @property
    def token_time_left(self) -> str:
        """The token's remaining life in minutes: Marketo gives `expires_in` in seconds, up to
        3,600 (help/rest-api/authentication.md), which no one reads as an hour."""
        seconds = self.token_seconds_left
        if seconds is None:
            return "—"
        if seconds < 60:
            return "less than a minute"
        return f"{seconds // 60} min"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.OK, self.Status.LIMITED, self.Status.FAILED)
