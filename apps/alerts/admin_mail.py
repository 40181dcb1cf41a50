"""The default channel: while no channel would hear of an alert, its events go by e-mail to
the admins (when EMAIL_URL is set), each reading the times in their own zone. That keeps the
admins who had the quota alert's daily e-mail informed, without setting anything up."""

import logging
from datetime import UTC

from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q

from apps.accounts.services import email_configured
from apps.alerts.models import Alert, AlertEvent
from apps.core.middleware import user_zone
from apps.core.permissions import Role

logger = logging.getLogger(__name__)

SUBJECTS: dict[str, str] = {
    AlertEvent.Kind.FIRED: "{severity}: {title}",
    AlertEvent.Kind.ESCALATED: "Critical now: {title}",
    AlertEvent.Kind.RESOLVED: "Resolved: {title}",
}


def send_on_commit(alert: Alert, event: str) -> None:
    """Once the event is committed, from this process: evaluation runs on a worker (or a
    watcher thread, when there may be none), never in a request."""
    if email_configured() and event in SUBJECTS:
        transaction.on_commit(lambda: email_admins(alert_id=alert.pk, event=event))


def email_admins(*, alert_id: int, event: str) -> int:
    """One message to each active admin with an e-mail address; how many went out."""
    alert = Alert.objects.select_related("instance").filter(pk=alert_id).first()
    if alert is None or not email_configured():
        return 0
    admins = list(
        get_user_model()
        .objects.filter(Q(groups__name=Role.ADMIN) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .select_related("profile")
        .distinct()
    )
    subject = "[marketo-admin] " + SUBJECTS[event].format(
        severity=alert.get_severity_display(), title=alert.title
    )
    try:
        send_mass_mail(
            [(subject, _text(alert, event, admin), None, [admin.email]) for admin in admins],
            fail_silently=False,
        )
    except Exception:
        logger.exception("could not e-mail the admins about alert %s", alert.pk)
        return 0
    return len(admins)


def _text(alert: Alert, event: str, admin) -> str:
    zone = user_zone(admin) or UTC
    fired = alert.fired_at.astimezone(zone)
    lines = [alert.summary, "", f"Fired at {fired:%Y-%m-%d %H:%M} {fired.tzname()}."]
    if event == AlertEvent.Kind.RESOLVED and alert.resolved_at:
        resolved = alert.resolved_at.astimezone(zone)
        lines.append(f"Resolved at {resolved:%Y-%m-%d %H:%M} {resolved.tzname()}.")
    lines += [
        "",
        "The Alerts page of marketo-admin shows its history. Add a channel there to choose",
        "who hears of alerts: while none exists, they come to the admins by e-mail.",
    ]
    return "\n".join(lines) + "\n"
