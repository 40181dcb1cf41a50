"""Admins' changes to alert channels, each in the audit trail (never with a secret: the
webhook's URL, whose path is Slack's or Teams' token, and the HMAC secret are stored
encrypted, named by url_hint, and recorded only as "changed")."""

from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from apps.alerts.channels import formats
from apps.alerts.channels.signing import new_secret
from apps.alerts.models import Channel, Delivery
from apps.alerts.notify import send_soon
from apps.audit.context import AuditContext
from apps.audit.services import audit_record
from apps.instances import vault

# What a person edits on the form; the URL is handled on its own, and enabled by its button.
EDITABLE_FIELDS = ["name", "kind", "instance", "recipients", "format"]


def url_hint(url: str) -> str:
    """What pages show of a webhook's address: its scheme and host (and port)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


@sensitive_variables("url")
def _store_url(channel: Channel, url: str) -> None:
    channel.url_encrypted = vault.encrypt(url)
    channel.url_hint = url_hint(url)


def _fit_to_kind(channel: Channel) -> str:
    """Drop what the channel's kind does not use; make the secret a signed JSON webhook
    needs when it has none. Returns the new secret, to be shown once, or ""."""
    if channel.kind == Channel.Kind.EMAIL:
        channel.format = ""
        channel.url_encrypted = channel.url_hint = channel.secret_encrypted = ""
        return ""
    channel.recipients = ""
    if channel.format != Channel.Format.JSON:
        channel.secret_encrypted = ""  # Slack and Teams check no signature
    elif not channel.secret_encrypted:
        secret = new_secret()
        channel.secret_encrypted = vault.encrypt(secret)
        return secret
    return ""


def _details(channel: Channel, **more) -> dict:
    return {
        "name": channel.name,
        "kind": channel.kind,
        "format": channel.format,
        "instance": channel.instance.name if channel.instance else "all instances",
        **more,
    }


def _audit(action: str, channel: Channel, actor, audit: AuditContext, details: dict) -> None:
    audit_record(
        action=action,
        actor=actor,
        audit=audit,
        instance=channel.instance,
        target_type="alert_channel",
        target_id=channel.pk,
        details=details,
    )


@sensitive_variables("url")
def channel_create(*, actor, audit: AuditContext, url: str = "", **fields) -> tuple[Channel, str]:
    """A new channel, and the HMAC secret of a JSON webhook (shown once) or ""."""
    channel = Channel(**fields)
    if channel.kind == Channel.Kind.WEBHOOK:
        _store_url(channel, url)
    secret = _fit_to_kind(channel)
    channel.full_clean()
    with transaction.atomic():
        channel.save()
        _audit("alerts.channel_create", channel, actor, audit, _details(channel))
    return channel, secret


@sensitive_variables("url")
def channel_update(
    *, channel: Channel, actor, audit: AuditContext, url: str = "", **fields
) -> tuple[list[str], str]:
    """Apply the fields, and a new URL when one is given. Returns what changed (names) and
    a new secret when the channel became a JSON webhook without one."""
    stored = Channel.objects.get(pk=channel.pk)
    changed = [
        name for name in EDITABLE_FIELDS if name in fields and getattr(stored, name) != fields[name]
    ]
    for name in changed:
        setattr(channel, name, fields[name])
    if url and channel.kind == Channel.Kind.WEBHOOK:
        _store_url(channel, url)
        changed.append("url")
    secret = _fit_to_kind(channel)
    if secret:
        changed.append("secret")
    if not changed:
        return [], ""
    channel.full_clean()
    with transaction.atomic():
        channel.save()
        # Field names only: the URL is secret, and the rest is on the channel's page.
        _audit("alerts.channel_update", channel, actor, audit, _details(channel, fields=changed))
    return changed, secret


def channel_delete(*, channel: Channel, actor, audit: AuditContext) -> None:
    with transaction.atomic():
        _audit("alerts.channel_delete", channel, actor, audit, _details(channel))
        channel.delete()


def channel_set_enabled(*, channel: Channel, enabled: bool, actor, audit: AuditContext) -> bool:
    """Turn the channel on or off. Returns False when it already was."""
    if channel.enabled == enabled:
        return False
    with transaction.atomic():
        channel.enabled = enabled
        channel.save(update_fields=["enabled", "updated_at"])
        action = "alerts.channel_enable" if enabled else "alerts.channel_disable"
        _audit(action, channel, actor, audit, _details(channel))
    return True


def channel_rotate_secret(*, channel: Channel, actor, audit: AuditContext) -> str:
    """A new HMAC secret for a JSON webhook, in force at once; returned to be shown once."""
    secret = new_secret()
    with transaction.atomic():
        channel.secret_encrypted = vault.encrypt(secret)
        channel.save(update_fields=["secret_encrypted", "updated_at"])
        _audit("alerts.channel_secret_rotate", channel, actor, audit, _details(channel))
    return secret


def channel_send_test(*, channel: Channel, actor, audit: AuditContext) -> Delivery:
    """Queue a test message to the channel; its row tells the page how it went."""
    with transaction.atomic():
        delivery = Delivery.objects.create(
            channel=channel, event=formats.TEST, next_attempt_at=timezone.now()
        )
        _audit("alerts.channel_test", channel, actor, audit, _details(channel))
        transaction.on_commit(lambda: send_soon([delivery.pk]))
    return delivery
