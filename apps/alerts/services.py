"""Evaluating the rules into alerts (one per episode), acknowledging them, and the rules'
settings.

Each rule says which of its conditions hold now (apps.alerts.rules). An open alert whose
condition holds is brought up to date (and, from warning to critical, escalated); a
condition without an open alert fires a new one; an open alert whose condition no longer
holds resolves. Each of fired, escalated and resolved is an event told to the alert's
channels (apps.alerts.notify) in the transaction that records it, and each is decided by a
write that only one of two racing evaluations can make (the one-open-alert constraint, or a
conditional UPDATE), so nobody hears of an episode twice.
"""

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.alerts import admin_mail
from apps.alerts.models import (
    DEPLOYMENT_RULES,
    RULE_DEFAULTS,
    Alert,
    AlertEvent,
    AlertRule,
    Channel,
    RuleKind,
)
from apps.alerts.notify import channels_for, notify
from apps.alerts.rules import Condition, checks
from apps.audit.context import AuditContext
from apps.audit.services import audit_record
from apps.instances.models import MarketoInstance

logger = logging.getLogger(__name__)

OPEN = [Alert.State.FIRING, Alert.State.ACKNOWLEDGED]
INSTANCE_RULES = [kind for kind in RuleKind if kind not in DEPLOYMENT_RULES]


# --- the rules' settings ------------------------------------------------------------------


def rule_settings(instance: MarketoInstance | None) -> dict[str, AlertRule]:
    """Every rule of the instance (or the deployment's), its row or an unsaved default."""
    kinds = sorted(DEPLOYMENT_RULES) if instance is None else INSTANCE_RULES
    saved = {rule.kind: rule for rule in AlertRule.objects.filter(instance=instance)}
    return {
        kind: saved.get(kind)
        or AlertRule(instance=instance, kind=kind, threshold=RULE_DEFAULTS[kind])
        for kind in kinds
    }


def rule_update(
    *,
    instance: MarketoInstance | None,
    kind: str,
    enabled: bool,
    threshold: int,
    channels: list[Channel],
    actor,
    audit: AuditContext,
) -> AlertRule:
    rule, _ = AlertRule.objects.get_or_create(
        instance=instance, kind=kind, defaults={"threshold": RULE_DEFAULTS[kind]}
    )
    before = _rule_record(rule)
    rule.enabled, rule.threshold = enabled, threshold
    rule.full_clean()
    rule.save(update_fields=["enabled", "threshold"])
    rule.channels.set(channels)
    after = _rule_record(rule)
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changes:
        audit_record(
            action="alerts.rule_update",
            actor=actor,
            audit=audit,
            instance=instance,
            target_type="alert_rule",
            target_id=rule.pk,
            details={"rule": RuleKind(kind).label, **changes},
        )
    return rule


def _rule_record(rule: AlertRule) -> dict:
    return {
        "enabled": rule.enabled,
        "threshold": rule.threshold,
        "channels": sorted(rule.channels.values_list("name", flat=True)),
    }


# --- evaluation ---------------------------------------------------------------------------


def evaluate(
    *,
    now: datetime | None = None,
    instances=None,
    deployment: bool = True,
    deliver_inline: bool = False,
) -> dict[str, int]:
    """Check the rules of `instances` (default: every enabled instance) and, with
    `deployment`, the deployment's rules. Returns how many alerts fired, escalated and
    resolved. `deliver_inline` sends the deliveries from this thread (a watcher with no
    worker to send them)."""
    now = now or timezone.now()
    counts = {"fired": 0, "escalated": 0, "resolved": 0}
    if instances is None:
        instances = MarketoInstance.objects.filter(enabled=True)
        # A disabled instance gets no calls and no evaluation: its alerts cannot clear.
        for alert in Alert.objects.filter(state__in=OPEN, instance__enabled=False):
            if _resolve(alert, now, deliver_inline, "The instance was disabled."):
                counts["resolved"] += 1
    targets: list[MarketoInstance | None] = list(instances)
    if deployment:
        targets.append(None)
    for instance in targets:
        for kind, rule in rule_settings(instance).items():
            if not rule.enabled:
                conditions: list[Condition] = []  # a rule switched off resolves its alerts
            else:
                try:
                    conditions = checks()[kind](instance, rule.threshold, now)
                except Exception:
                    # One rule that cannot be read must not keep the others from running,
                    # nor resolve its own alerts as if its condition had cleared.
                    logger.exception("alert rule %s of %s could not be evaluated", kind, instance)
                    continue
            for event, number in _apply(kind, instance, conditions, now, deliver_inline).items():
                counts[event] += number
    return counts


def _apply(kind, instance, conditions, now, deliver_inline) -> dict[str, int]:
    counts = {"fired": 0, "escalated": 0, "resolved": 0}
    open_alerts = {
        alert.subject: alert
        for alert in Alert.objects.filter(kind=kind, instance=instance, state__in=OPEN)
    }
    held = set()
    for condition in conditions:
        held.add(condition.subject)
        alert = open_alerts.get(condition.subject)
        if alert is None:
            alert = _fire(kind, instance, condition, now, deliver_inline)
            if alert is not None:
                counts["fired"] += 1
                continue
            alert = Alert.objects.filter(
                kind=kind, instance=instance, subject=condition.subject, state__in=OPEN
            ).first()
            if alert is None:
                continue
        if _update(alert, condition, now, deliver_inline):
            counts["escalated"] += 1
    for subject, alert in open_alerts.items():
        if subject not in held and _resolve(alert, now, deliver_inline, "The condition cleared."):
            counts["resolved"] += 1
    return counts


def _fire(kind, instance, condition: Condition, now, deliver_inline) -> Alert | None:
    """The new episode's alert, or None when a racing evaluation opened it first."""
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                kind=kind,
                instance=instance,
                subject=condition.subject,
                severity=condition.severity,
                title=condition.title,
                summary=condition.summary,
                facts=condition.facts,
                fired_at=now,
                last_checked_at=now,
            )
            _event(alert, AlertEvent.Kind.FIRED, now, condition.summary, deliver_inline)
    except IntegrityError:
        return None
    return alert


def _update(alert: Alert, condition: Condition, now, deliver_inline) -> bool:
    """Bring the alert up to date; True when this made it critical."""
    with transaction.atomic():
        Alert.objects.filter(pk=alert.pk, state__in=OPEN).update(
            title=condition.title,
            summary=condition.summary,
            facts=condition.facts,
            last_checked_at=now,
        )
        if condition.severity != Alert.Severity.CRITICAL:
            return False
        escalated = Alert.objects.filter(
            pk=alert.pk, state__in=OPEN, severity=Alert.Severity.WARNING
        ).update(severity=Alert.Severity.CRITICAL)
        if escalated:
            alert.refresh_from_db()
            _event(alert, AlertEvent.Kind.ESCALATED, now, condition.summary, deliver_inline)
    return bool(escalated)


def _resolve(alert: Alert, now, deliver_inline, why: str) -> bool:
    with transaction.atomic():
        resolved = Alert.objects.filter(pk=alert.pk, state__in=OPEN).update(
            state=Alert.State.RESOLVED, resolved_at=now, last_checked_at=now
        )
        if resolved:
            alert.refresh_from_db()
            _event(alert, AlertEvent.Kind.RESOLVED, now, why, deliver_inline)
    return bool(resolved)


def _event(alert: Alert, kind: str, now, text: str, deliver_inline: bool) -> None:
    """Record the event and tell people: the alert's channels, or, when no channel would hear
    of it, the admins by e-mail (as the quota alert did before channels existed)."""
    AlertEvent.objects.create(alert=alert, kind=kind, at=now, text=text)
    if channels_for(alert):
        deliveries = notify(alert, kind)
        if deliver_inline:
            ids = [delivery.pk for delivery in deliveries]
            transaction.on_commit(lambda: _deliver_now(ids))
    else:
        admin_mail.send_on_commit(alert, kind)


def _deliver_now(ids: list[int]) -> None:
    from apps.alerts.delivery import deliver

    for delivery_id in ids:
        try:
            deliver(delivery_id=delivery_id)
        except Exception:
            logger.exception("could not deliver %s; the sweep of due deliveries will", delivery_id)


# --- people -------------------------------------------------------------------------------


def alert_acknowledge(*, alert: Alert, actor, audit: AuditContext) -> bool:
    """Someone is on it: the alert stays open (it still resolves by itself) but is marked.
    False when it was no longer firing."""
    now = timezone.now()
    with transaction.atomic():
        done = Alert.objects.filter(pk=alert.pk, state=Alert.State.FIRING).update(
            state=Alert.State.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=actor
        )
        if done:
            AlertEvent.objects.create(
                alert=alert, kind=AlertEvent.Kind.ACKNOWLEDGED, at=now, actor=actor
            )
            audit_record(
                action="alerts.acknowledge",
                actor=actor,
                audit=audit,
                instance=alert.instance,
                target_type="alert",
                target_id=alert.pk,
                details={"title": alert.title},
            )
    alert.refresh_from_db()
    return bool(done)
