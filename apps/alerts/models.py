"""Alerts: the rules that watch each instance (and the deployment), the alerts they raise
(one per episode, with its history), and the channels that tell people (e-mail, webhooks)
with every delivery and its retries."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q


class RuleKind(models.TextChoices):
    QUOTA = "quota", "Quota use"
    FORECAST = "forecast", "Quota forecast to run out"
    BUDGET = "budget", "Integration over its budget"
    ERROR_SPIKE = "error_spike", "Error spike"
    CREDENTIAL = "credential", "Credential failing"
    JOB_STALLED = "job_stalled", "Sync or lookup failing or paused"
    HEARTBEAT = "heartbeat", "Worker or beat heartbeat missing"


# Every rule is on until an admin turns it off; `threshold` means, per kind:
RULE_DEFAULTS: dict[str, int] = {
    RuleKind.QUOTA: 80,  # percent of the daily quota used (all integrations)
    RuleKind.FORECAST: 100,  # percent of the quota the day's pace reaches before the reset
    RuleKind.BUDGET: 0,  # unused: each integration has its own warn and critical thresholds
    RuleKind.ERROR_SPIKE: 3,  # times the 7-day baseline of the same hour
    RuleKind.CREDENTIAL: 0,  # unused: any identity refusal, or 603 on what used to work
    RuleKind.JOB_STALLED: 30,  # minutes failing or paused
    RuleKind.HEARTBEAT: 5,  # minutes without a heartbeat
}
# Rules about the deployment rather than one instance: their rows have no instance.
DEPLOYMENT_RULES = frozenset({RuleKind.HEARTBEAT})


class AlertRule(models.Model):
    """An admin's settings of one rule for one instance (none: the deployment's rules). No
    row means the rule is on with its default threshold and every channel that applies."""

    instance = models.ForeignKey(
        "instances.MarketoInstance",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alert_rules",
    )
    kind = models.CharField(max_length=16, choices=RuleKind.choices)
    enabled = models.BooleanField(default=True)
    threshold = models.PositiveIntegerField(validators=[MinValueValidator(0)])
    # None chosen: every enabled channel of the instance (or of every instance).
    channels = models.ManyToManyField("alerts.Channel", blank=True, related_name="rules")

    class Meta:
        ordering = ["instance", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "kind"],
                condition=Q(instance__isnull=False),
                name="one_rule_per_instance_and_kind",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(instance__isnull=True),
                name="one_deployment_rule_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instance_id or 'deployment'} {self.kind}"


class Alert(models.Model):
    """One episode of a rule's condition: it fires once, may be acknowledged, and resolves
    itself when the condition clears. The next time it holds is a new alert."""

    class State(models.TextChoices):
        FIRING = "firing", "Firing"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    class Severity(models.TextChoices):
        WARNING = "warning", "Warning"
        CRITICAL = "critical", "Critical"

    kind = models.CharField(max_length=16, choices=RuleKind.choices)
    instance = models.ForeignKey(
        "instances.MarketoInstance",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    # What in the instance the alert is about, so that one rule can have several episodes
    # open at once: "integration:<id>", "code:606", "job:asset_sync", "worker"; "" for the
    # instance as a whole.
    subject = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.FIRING)
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.WARNING)
    title = models.CharField(max_length=300)
    summary = models.TextField(help_text="The latest reading, in words.")
    facts = models.JSONField(default=dict, blank=True, help_text="The latest figures.")
    fired_at = models.DateTimeField()
    last_checked_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-fired_at"]
        indexes = [models.Index(fields=["state", "-fired_at"])]
        constraints = [
            # One open episode per rule and subject: two evaluations racing open one alert.
            models.UniqueConstraint(
                fields=["kind", "instance", "subject"],
                condition=~Q(state="resolved") & Q(instance__isnull=False),
                name="one_open_alert_per_subject",
            ),
            models.UniqueConstraint(
                fields=["kind", "subject"],
                condition=~Q(state="resolved") & Q(instance__isnull=True),
                name="one_open_deployment_alert_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AlertEvent(models.Model):
    """A line of an alert's history."""

    class Kind(models.TextChoices):
        FIRED = "fired", "Fired"
        ESCALATED = "escalated", "Became critical"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField()
    text = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.kind}"


class Channel(models.Model):
    """Where alerts go: e-mail addresses, or a webhook (signed JSON, or a Slack or Microsoft
    Teams incoming webhook). A webhook's URL is a secret (Slack's and Teams' carry their
    token), so it is kept encrypted like the instances' credentials (apps.instances.vault)."""

    class Kind(models.TextChoices):
        EMAIL = "email", "E-mail"
        WEBHOOK = "webhook", "Webhook"

    class Format(models.TextChoices):
        JSON = "json", "JSON, signed (HMAC-SHA256)"
        SLACK = "slack", "Slack incoming webhook"
        TEAMS = "teams", "Microsoft Teams incoming webhook"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # None: the alerts of every instance (and the deployment's own).
    instance = models.ForeignKey(
        "instances.MarketoInstance",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alert_channels",
    )
    enabled = models.BooleanField(default=True)
    recipients = models.TextField(blank=True, help_text="E-mail addresses, one per line.")
    format = models.CharField(max_length=16, choices=Format.choices, blank=True)
    url_encrypted = models.TextField(blank=True, editable=False)
    url_hint = models.CharField(max_length=255, blank=True, editable=False)  # scheme and host
    secret_encrypted = models.TextField(blank=True, editable=False)  # the HMAC key
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One message of one alert event to one channel, and its attempts."""

    class Status(models.TextChoices):
        PENDING = "pending", "Sending"
        RETRYING = "retrying", "Failed, retrying"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )  # None: a test message
    event = models.CharField(max_length=16)  # an AlertEvent.Kind, or "test"
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.event} {self.status}"
