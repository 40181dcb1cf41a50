"""Today's use of an instance's quota: one reading for the usage pages, the home page, the
quota alert rule and the API, so that they never disagree about whether to alert."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Sum

from apps.instances.client import instance_budget, shared_governor
from apps.instances.models import MarketoInstance
from apps.marketo.governor import GovernorUnavailable
from apps.usage.days import Forecast, quota_forecast, today
from apps.usage.models import UsageDay


@dataclass(frozen=True)
class QuotaStatus:
    """One instance's quota today.

    `used` is the larger of two counts of the same calls: Marketo's (every integration, as of
    the last usage sync) and the governor's (this deployment's calls since midnight Central,
    raised to Marketo's figure at each sync). Between syncs the governor knows of calls that
    Marketo's figure does not show yet; the other integrations only Marketo sees.
    """

    instance: MarketoInstance
    marketo_used: int
    governor: dict | None  # the governor's state; None when it cannot be reached
    threshold_percent: int
    forecast: Forecast
    alerting: bool = True  # the quota alert rule is on

    @property
    def used(self) -> int:
        return self.forecast.used

    @property
    def quota(self) -> int:
        return self.forecast.quota

    @property
    def percent(self) -> float:
        return self.forecast.percent

    @property
    def reset_at(self):
        return self.forecast.reset_at

    @property
    def governor_used(self) -> int | None:
        return self.governor["daily_used"] if self.governor else None

    @property
    def budget(self) -> int:
        """This product's share of the quota."""
        return self.instance.daily_budget

    @property
    def share_left(self) -> int:
        return max(0, self.budget - (self.governor_used or 0))

    @property
    def alert_at(self) -> int:
        return self.quota * self.threshold_percent // 100

    @property
    def alert(self) -> bool:
        return self.alerting and self.used * 100 >= self.threshold_percent * self.quota


# The quota alert rule's threshold (percent, and whether the rule is on) of each instance.
# The rule is the alerts app's, above this one: it says at start-up how to read it
# (apps.alerts.apps). Instances it does not name: on, at DEFAULT_THRESHOLD_PERCENT.
ThresholdReader = Callable[[list[MarketoInstance]], dict[int, tuple[int, bool]]]
DEFAULT_THRESHOLD_PERCENT = 80
_threshold_reader: ThresholdReader = lambda instances: {}  # noqa: E731


def read_thresholds_with(reader: ThresholdReader) -> None:
    global _threshold_reader
    _threshold_reader = reader


def governor_state(instance) -> dict | None:
    try:
        return shared_governor().state(instance_budget(instance))
    except GovernorUnavailable:
        return None


def marketo_used_today(*, instance, now: float | None = None) -> int:
    """All integrations' calls today, as last reported by Marketo."""
    return _marketo_used([instance], now).get(instance.pk, 0)


def quota_statuses(instances, *, now: float | None = None) -> list[QuotaStatus]:
    """The status of each of `instances`, in their order (two queries for all of them)."""
    instances = list(instances)
    used = _marketo_used(instances, now)
    thresholds = _threshold_reader(instances)
    statuses = []
    for instance in instances:
        state = governor_state(instance)
        marketo = used.get(instance.pk, 0)
        forecast = quota_forecast(
            used=max(marketo, state["daily_used"] if state else 0),
            quota=instance.daily_quota,
            now=now,
        )
        threshold, alerting = thresholds.get(instance.pk, (DEFAULT_THRESHOLD_PERCENT, True))
        statuses.append(QuotaStatus(instance, marketo, state, threshold, forecast, alerting))
    return statuses


def quota_status(instance, *, now: float | None = None) -> QuotaStatus:
    (status,) = quota_statuses([instance], now=now)
    return status


def _marketo_used(instances, now: float | None) -> dict[int, int]:
    return dict(
        UsageDay.objects.filter(instance__in=instances, date=today(now))
        .values_list("instance")
        .annotate(calls=Sum("calls"))
        .values_list("instance", "calls")
    )
