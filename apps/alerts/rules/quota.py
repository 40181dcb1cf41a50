"""Quota use past the threshold, and the day's pace reaching the quota before the reset (the
same reading as the usage pages: apps.usage.quota.quota_status)."""

from datetime import datetime, timedelta

from apps.alerts.models import Alert
from apps.alerts.rules import Condition, at
from apps.usage.days import day_start, today
from apps.usage.quota import quota_status

# The first hour of a quota day says too little about its pace to forecast from.
FORECAST_AFTER = timedelta(hours=1)


def quota_use(instance, threshold: int, now: datetime) -> list[Condition]:
    status = quota_status(instance, now=now.timestamp())
    if status.quota <= 0 or status.used * 100 < threshold * status.quota:
        return []
    spent = status.forecast.reached
    return [
        Condition(
            subject="",
            severity=Alert.Severity.CRITICAL if spent else Alert.Severity.WARNING,
            title=f"{instance.name}: {status.percent:.0f}% of today's API quota used",
            summary=(
                f"{status.used:,} of {status.quota:,} calls today (all integrations), "
                + (
                    "the quota is spent: calls resume after the reset at midnight US Central."
                    if spent
                    else f"past the alert at {threshold}%."
                )
            ),
            facts={
                "calls_today": status.used,
                "daily_quota": status.quota,
                "percent_used": round(status.percent, 1),
                "alert_at_percent": threshold,
                "resets_at": at(status.reset_at),
            },
        )
    ]


def forecast(instance, threshold: int, now: datetime) -> list[Condition]:
    status = quota_status(instance, now=now.timestamp())
    pace = status.forecast
    started = day_start(today(now.timestamp()))
    if status.quota <= 0 or now - started < FORECAST_AFTER:
        return []
    hours_left = (pace.reset_at - now).total_seconds() / 3600
    projected = status.used + pace.calls_per_hour * hours_left
    if projected * 100 < threshold * status.quota:
        return []
    runs_out = pace.runs_out_at
    when = f" at {runs_out:%H:%M} UTC" if runs_out and not pace.reached else ""
    return [
        Condition(
            subject="",
            severity=Alert.Severity.WARNING,
            title=f"{instance.name}: the API quota runs out before the reset at this pace",
            summary=(
                f"{status.used:,} calls so far at about {pace.calls_per_hour:,.0f} an hour: "
                f"about {projected:,.0f} by midnight US Central, {threshold}% of the quota "
                f"({status.quota:,}) is reached{when}."
            ),
            facts={
                "calls_today": status.used,
                "daily_quota": status.quota,
                "calls_per_hour": round(pace.calls_per_hour),
                "calls_by_the_reset": round(projected),
                "runs_out_at": at(runs_out) if runs_out else None,
                "resets_at": at(pace.reset_at),
            },
        )
    ]
