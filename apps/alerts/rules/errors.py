"""An error spike: the errors of one code over the last window (ALERT_ERROR_SPIKE_MINUTES)
against the mean of the same window on each of the 7 days before, times the rule's factor.

Marketo counts errors per code and day only; apps.usage records what each usage sync adds
to today's counts (ErrorReading), which is as fine as the windows can be. Below
ALERT_ERROR_SPIKE_MIN_ERRORS nothing fires: a quiet instance's 3 errors are no spike.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Sum

from apps.alerts.models import Alert
from apps.alerts.rules import Condition
from apps.marketo.codes import code_info
from apps.usage.models import ErrorReading

CODES = ("606", "615", "607", "601", "603")
BASELINE_DAYS = 7


def error_spikes(instance, factor: int, now: datetime) -> list[Condition]:
    window = timedelta(minutes=settings.ALERT_ERROR_SPIKE_MINUTES)
    recent = _counts(instance, now - window, now)
    if not recent:
        return []
    earlier: dict[str, int] = {}
    for days in range(1, BASELINE_DAYS + 1):
        end = now - timedelta(days=days)
        for code, count in _counts(instance, end - window, end).items():
            earlier[code] = earlier.get(code, 0) + count
    conditions = []
    for code, count in sorted(recent.items()):
        baseline = earlier.get(code, 0) / BASELINE_DAYS
        limit = max(settings.ALERT_ERROR_SPIKE_MIN_ERRORS, baseline * factor)
        if count < limit:
            continue
        minutes = settings.ALERT_ERROR_SPIKE_MINUTES
        conditions.append(
            Condition(
                subject=f"code:{code}",
                severity=Alert.Severity.CRITICAL if count >= 2 * limit else Alert.Severity.WARNING,
                title=f"{instance.name}: {count:,} errors {code} in the last {minutes} minutes",
                summary=(
                    f"{code_info(code).meaning}. {count:,} in the last {minutes} minutes, against"
                    f" {_usual(baseline)} at this time of day over the last {BASELINE_DAYS} days"
                    f" (the alert is at {factor} times that, and at least"
                    f" {settings.ALERT_ERROR_SPIKE_MIN_ERRORS:,}). Marketo does not say which"
                    " API user made them."
                ),
                facts={
                    "error_code": code,
                    "errors_in_the_window": count,
                    "window_minutes": minutes,
                    "usual_errors_in_the_window": round(baseline, 1),
                    "times_the_usual": factor,
                },
            )
        )
    return conditions


def _usual(baseline: float) -> str:
    return "none" if baseline == 0 else f"{baseline:,.1f} on average"


def _counts(instance, start: datetime, end: datetime) -> dict[str, int]:
    return dict(
        ErrorReading.objects.filter(
            instance=instance, code__in=CODES, read_at__gt=start, read_at__lte=end
        )
        .values_list("code")
        .annotate(errors=Sum("added"))
        .values_list("code", "errors")
    )
