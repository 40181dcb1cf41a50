from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.usage.days import day_start, today
from apps.usage.models import LedgerEntry, UsageDay
from apps.usage.pace import today_pace
from apps.usage.quota import quota_status
from tests.factories import make_instance

pytestmark = pytest.mark.django_db

# 15:30 Central on a winter day: 15 full hours and a half of the quota day are past.
NOW = datetime(2026, 12, 1, 21, 30, tzinfo=UTC)


def _call(instance, at):
    LedgerEntry.objects.create(
        instance=instance, made_at=at, method="GET", endpoint="/x", duration_ms=1, priority="p"
    )


def test_hours_count_our_calls_cumulatively_and_the_forecast_runs_from_the_whole_count():
    instance = make_instance(daily_quota=50_000)
    start = day_start(today(NOW.timestamp()))
    for minutes in (5, 10, 70):
        _call(instance, start + timedelta(minutes=minutes))
    _call(instance, start - timedelta(minutes=1))  # yesterday's
    UsageDay.objects.create(
        instance=instance, date=today(NOW.timestamp()), api_user="crm@x.example", calls=15_500
    )
    status = quota_status(instance, now=NOW.timestamp())
    with timezone.override(ZoneInfo("Asia/Kolkata")):
        chart = today_pace(status=status, now=NOW)
    ours, forecast, alert, quota = (series["values"] for series in chart["series"])
    assert len(chart["labels"]) == 24
    assert chart["labels"][0] == "11:30"  # midnight Central is 11:30 in Kolkata
    assert ours[:3] == [2, 3, 3] and ours[15] == 3 and ours[16:] == [None] * 8
    assert forecast[:15] == [None] * 15
    # 15,500 calls in 15.5 hours: 1,000 an hour, from 15:30 to the end of each hour.
    assert forecast[15] == 16_000 and forecast[23] == 24_000
    assert set(quota) == {50_000} and set(alert) == {status.alert_at}
