from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from apps.usage.days import chicago_date, day_bounds, quota_forecast

CENTRAL = ZoneInfo("America/Chicago")


def _epoch(*args) -> float:
    return datetime(*args, tzinfo=CENTRAL).timestamp()


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 15),  # winter (CST, UTC-6)
        date(2026, 7, 15),  # summer (CDT, UTC-5)
        date(2026, 3, 8),  # spring forward: a 23-hour day
        date(2026, 11, 1),  # fall back: a 25-hour day
    ],
)
def test_a_call_at_2359_and_one_at_0001_central_land_on_different_days(day):
    before = datetime(day.year, day.month, day.day, 23, 59, tzinfo=CENTRAL).astimezone(UTC)
    after = before.replace(second=0) + (
        datetime(day.year, day.month, day.day + 1, 0, 1, tzinfo=CENTRAL).astimezone(UTC) - before
    )
    assert chicago_date(before) == day
    assert chicago_date(after) == date(day.year, day.month, day.day + 1)


def test_quota_days_are_23_and_25_hours_long_on_daylight_saving_changes():
    spring = day_bounds(date(2026, 3, 8), date(2026, 3, 8))
    fall = day_bounds(date(2026, 11, 1), date(2026, 11, 1))
    assert (spring[1] - spring[0]).total_seconds() == 23 * 3600
    assert (fall[1] - fall[0]).total_seconds() == 25 * 3600


def test_the_forecast_projects_todays_pace_to_the_moment_the_quota_runs_out():
    # 30,000 calls by 12:00 Central: 2,500 an hour, so the last 20,000 take 8 hours.
    forecast = quota_forecast(used=30_000, quota=50_000, now=_epoch(2026, 1, 15, 12, 0))
    assert forecast.runs_out_at == datetime(2026, 1, 15, 20, 0, tzinfo=CENTRAL)
    assert forecast.calls_per_hour == pytest.approx(2500)
    assert forecast.reset_at == datetime(2026, 1, 16, 0, 0, tzinfo=CENTRAL)


def test_the_forecast_says_not_today_when_the_pace_ends_the_day_under_the_quota():
    forecast = quota_forecast(used=10_000, quota=50_000, now=_epoch(2026, 1, 15, 12, 0))
    assert forecast.runs_out_at is None
    assert not forecast.reached


def test_the_forecast_says_reached_when_the_quota_is_spent():
    now = _epoch(2026, 1, 15, 9, 30)
    forecast = quota_forecast(used=50_000, quota=50_000, now=now)
    assert forecast.reached
    assert forecast.runs_out_at.timestamp() == now


def test_the_forecast_counts_the_real_length_of_a_daylight_saving_day():
    # Spring forward: by 12:00 CDT only 11 hours have passed since midnight CST.
    forecast = quota_forecast(used=11_000, quota=50_000, now=_epoch(2026, 3, 8, 12, 0))
    assert forecast.calls_per_hour == pytest.approx(1000)
