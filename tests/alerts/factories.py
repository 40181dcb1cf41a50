from datetime import UTC, datetime

from apps.alerts.channels.services import channel_create
from apps.alerts.models import Alert, Channel, Delivery, RuleKind
from apps.audit.context import AuditContext

FIRED = datetime(2026, 12, 1, 14, 5, tzinfo=UTC)


def make_channel(name="Ops", *, kind=Channel.Kind.WEBHOOK, fmt="json", url="", **fields):
    """A channel made by the service (so its URL and secret are encrypted); returns the
    channel and its secret ("" unless a JSON webhook)."""
    if kind == Channel.Kind.EMAIL:
        fmt = ""
    return channel_create(
        actor=None,
        audit=AuditContext.system(),
        name=name,
        kind=kind,
        format=fmt,
        url=url,
        instance=fields.pop("instance", None),
        recipients=fields.pop("recipients", ""),
        **fields,
    )


def make_alert(instance, **fields):
    fields.setdefault("kind", RuleKind.QUOTA)
    fields.setdefault("title", f"{instance.name}: 85% of today's API quota used")
    fields.setdefault("summary", "42,500 of 50,000 calls used; the quota resets at midnight.")
    fields.setdefault("facts", {"percent_used": 85, "calls": 42500, "quota": 50000})
    fields.setdefault("fired_at", FIRED)
    fields.setdefault("last_checked_at", FIRED)
    return Alert.objects.create(instance=instance, **fields)


def make_delivery(channel, alert=None, *, event="fired", at=FIRED):
    return Delivery.objects.create(channel=channel, alert=alert, event=event, next_attempt_at=at)
