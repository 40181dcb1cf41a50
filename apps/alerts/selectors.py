"""Reading alerts: who may see which, the banner's, an alert's facts in words, and the quota
rule's threshold for apps.usage.quota."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404

from apps.alerts.models import RULE_DEFAULTS, Alert, AlertRule, RuleKind
from apps.core.permissions import Action, is_admin, may
from apps.instances.models import MarketoInstance

OPEN = [Alert.State.FIRING, Alert.State.ACKNOWLEDGED]


def alerts_visible(user) -> QuerySet[Alert]:
    """Admins: every alert, the deployment's too. Others who read usage: the alerts of the
    instances granted to them."""
    alerts = Alert.objects.select_related("instance", "acknowledged_by")
    if is_admin(user):
        return alerts
    if not may(user, Action.VIEW_USAGE):
        return alerts.none()
    granted = [
        instance
        for instance in MarketoInstance.objects.visible_to(user)
        if may(user, Action.VIEW_USAGE, instance)
    ]
    return alerts.filter(instance__in=granted)


def alert_list(*, user, state: str = "", instance: MarketoInstance | None = None):
    """Firing first, then acknowledged, then resolved; newest first within each."""
    alerts = alerts_visible(user)
    if state:
        alerts = alerts.filter(state=state)
    if instance is not None:
        alerts = alerts.filter(instance=instance)
    order = Case(
        When(state=Alert.State.FIRING, then=Value(0)),
        When(state=Alert.State.ACKNOWLEDGED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return alerts.annotate(state_order=order).order_by("state_order", "-fired_at", "-pk")


def alert_get(*, user, pk: int) -> Alert:
    """404 for an alert the user may not see, as for instances."""
    alert = alerts_visible(user).filter(pk=pk).first()
    if alert is None:
        raise Http404("No such alert.")
    return alert


def banner_alerts(*, user) -> list[Alert]:
    """The open alerts on every page, for admins."""
    if not is_admin(user):
        return []
    return list(alerts_visible(user).filter(state=Alert.State.FIRING).order_by("-fired_at")[:5])


@dataclass(frozen=True)
class Fact:
    label: str
    value: object
    moment: bool  # a datetime, shown in the viewer's zone


def facts_in_words(alert: Alert) -> list[Fact]:
    facts = []
    for key, value in alert.facts.items():
        label = key.replace("_", " ").capitalize()
        if key.endswith("_at") and isinstance(value, str):
            try:
                facts.append(Fact(label, datetime.fromisoformat(value), True))
                continue
            except ValueError:
                pass
        facts.append(Fact(label, "—" if value is None else value, False))
    return facts


def quota_thresholds(instances: list[MarketoInstance]) -> dict[int, tuple[int, bool]]:
    """The quota rule of each instance: (percent, on), for apps.usage.quota."""
    rules = {
        rule.instance_id: (rule.threshold, rule.enabled)
        for rule in AlertRule.objects.filter(instance__in=instances, kind=RuleKind.QUOTA)
    }
    default = (RULE_DEFAULTS[RuleKind.QUOTA], True)
    return {instance.pk: rules.get(instance.pk, default) for instance in instances}
