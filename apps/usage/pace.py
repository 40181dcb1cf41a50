"""Today's pace, hour by hour of the quota day, against the quota: the overview's chart.

Marketo reports usage per API user per day only (stats/usage.json, usage.md), so no hour of
another integration's calls can be drawn: the hours are this deployment's own calls, from
the ledger, and the forecast starts from today's whole count (Marketo's or ours, the larger).
"""

from datetime import UTC, timedelta

from django.utils import timezone

from apps.usage.days import day_start, today
from apps.usage.quota import QuotaStatus
from apps.usage.selectors import calls_report


def today_pace(*, status: QuotaStatus, now=None) -> dict:
    """Chart.js-ready figures: one label per hour of the quota day (in the viewer's zone),
    our calls so far (cumulative), the forecast from now to the reset, the alert line and
    the quota line."""
    now = now or timezone.now()
    day = today(now.timestamp())
    start, reset = day_start(day), status.reset_at
    hours = []
    moment = start
    while moment < reset:
        hours.append(moment)
        moment += timedelta(hours=1)
    # Hours in UTC: Central's hours begin on UTC hours, a viewer's may not (Asia/Kolkata).
    with timezone.override(UTC):
        rows = calls_report(instance=status.instance, start=day, end=day, group_by="hour")
    ours = {row["key"]: row["calls"] for row in rows}
    so_far: list[int | None] = []
    running = 0
    for hour in hours:
        if hour > now:
            so_far.append(None)
            continue
        running += ours.get(hour, 0)
        so_far.append(running)
    per_hour = status.forecast.calls_per_hour
    forecast = [
        None
        if hour + timedelta(hours=1) <= now
        else round(status.used + per_hour * _hours(now, hour))
        for hour in hours
    ]
    return {
        "labels": [timezone.localtime(hour).strftime("%H:%M") for hour in hours],
        "series": [
            {"label": "marketo-admin's calls so far", "values": so_far},
            {
                "label": "Forecast at today's pace (all integrations)",
                "values": forecast,
                "dashed": True,
            },
            {
                "label": f"Alert at {status.threshold_percent}%",
                "values": [status.alert_at] * len(hours),
                "dashed": True,
            },
            {"label": "Daily quota", "values": [status.quota] * len(hours)},
        ],
    }


def _hours(now, hour) -> float:
    """Hours from now to the end of `hour` (the forecast's point for that hour)."""
    return max(0.0, (hour + timedelta(hours=1) - now).total_seconds() / 3600)
