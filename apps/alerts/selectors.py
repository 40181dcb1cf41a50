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


BANNER_LENGTH = 5


def banner_alerts(*, user) -> list[Alert]:
    """The open alerts on every page, for admins: firing first, then acknowledged."""
    if not is_admin(user):
        return []
    return list(alert_list(user=user).filter(state__in=OPEN)[:BANNER_LENGTH])


@dataclass(frozen=True)
class Fact:
    label: str
    value: object
    unit: str = ""
    moment: bool = False  # a datetime, shown in the viewer's zone


MOMENT = "moment"
# What each rule's facts (apps.alerts.rules) are called on the page, in the order shown, with
# their unit; None: not shown (an id, for the API's clients).
FACT_WORDS: dict[str, tuple[str, str] | None] = {
    "integration": ("Integration", ""),
    "job": ("Job", ""),
    "state": ("State", ""),
    "since": ("Since", MOMENT),
    "job_id": None,
    "error_code": ("Error code", ""),
    "errors_in_the_window": ("Errors in the window", ""),
    "window_minutes": ("Window", " minutes"),
    "usual_errors_in_the_window": ("Usual errors in that window", ""),
    "times_the_usual": ("Alert at", " times the usual"),
    "endpoint": ("Endpoint", ""),
    "denied_at": ("Denied", MOMENT),
    "refused_at": ("Refused", MOMENT),
    "calls_today": ("Calls today", ""),
    "daily_budget": ("Daily budget", " calls"),
    "daily_quota": ("Daily quota", " calls"),
    "percent_used": ("Used", "%"),
    "alert_at_percent": ("Alert at", "% of the quota"),
    "level_percent": ("Level reached", "% of the budget"),
    "calls_per_hour": ("Pace", " calls an hour"),
    "calls_by_the_reset": ("Calls by the reset at this pace", ""),
    "runs_out_at": ("Runs out", MOMENT),
    "resets_at": ("The quota resets", MOMENT),
    "last_worker": ("Last worker to report", ""),
    "last_seen_at": ("Last seen", MOMENT),
    "last_evaluation_at": ("Last evaluation", MOMENT),
}


def facts_in_words(alert: Alert) -> list[Fact]:
    known = [key for key in FACT_WORDS if key in alert.facts]
    others = [key for key in alert.facts if key not in FACT_WORDS]
    facts = []
    for key in known + others:
        value = alert.facts[key]
        words = FACT_WORDS.get(key, (key.replace("_", " ").capitalize(), ""))
        if words is None:
            continue
        label, unit = words
        if value is None:
            facts.append(Fact(label, "—"))
        elif unit == MOMENT:
            try:
                facts.append(Fact(label, datetime.fromisoformat(value), moment=True))
            except (TypeError, ValueError):
                facts.append(Fact(label, value))
        else:
            facts.append(Fact(label, value, unit))
    return facts


def quota_thresholds(instances: list[MarketoInstance]) -> dict[int, tuple[int, bool]]:
    """The quota rule of each instance: (percent, on), for apps.usage.quota."""
    rules = {
        rule.instance_id: (rule.threshold, rule.enabled)
        for rule in AlertRule.objects.filter(instance__in=instances, kind=RuleKind.QUOTA)
    }
    default = (RULE_DEFAULTS[RuleKind.QUOTA], True)
    return {instance.pk: rules.get(instance.pk, default) for instance in instances}
