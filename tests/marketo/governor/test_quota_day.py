"""The quota day ends at midnight America/Chicago (help/rest-api/rest-api.md), including on
the days the clocks change, when it lasts 23 or 25 hours."""

from datetime import UTC, datetime

import pytest

from apps.marketo.governor import CHICAGO, quota_day


def at_chicago(*wall_time, fold=0) -> float:
    return datetime(*wall_time, tzinfo=CHICAGO, fold=fold).timestamp()


@pytest.mark.parametrize(
    ("instant", "day", "hours_left"),
    [
        (at_chicago(2026, 3, 8, 0, 30), "2026-03-08", 22.5),  # 02:00 CST jumps to 03:00 CDT
        (at_chicago(2026, 3, 8, 3, 30), "2026-03-08", 20.5),
        (at_chicago(2026, 11, 1, 0, 30), "2026-11-01", 24.5),  # 02:00 CDT falls to 01:00 CST
        (at_chicago(2026, 11, 1, 1, 30, fold=0), "2026-11-01", 23.5),  # the first 01:30 (CDT)
        (at_chicago(2026, 11, 1, 1, 30, fold=1), "2026-11-01", 22.5),  # the second (CST)
        (at_chicago(2026, 6, 15, 23, 59, 59), "2026-06-15", 1 / 3600),
    ],
)
def test_the_quota_day_and_the_time_left_on_daylight_saving_days(instant, day, hours_left):
    today = quota_day(instant)
    assert today.key == day
    assert today.seconds_left == pytest.approx(hours_left * 3600)


def test_the_day_is_chicagos_not_utcs():
    late_evening_in_chicago = datetime(2026, 6, 16, 4, 30, tzinfo=UTC).timestamp()
    assert quota_day(late_evening_in_chicago).key == "2026-06-15"
    assert quota_day(late_evening_in_chicago).seconds_left == pytest.approx(30 * 60)


def test_midnight_starts_a_full_day():
    assert quota_day(at_chicago(2026, 3, 9)).key == "2026-03-09"
    assert quota_day(at_chicago(2026, 3, 9)).seconds_left == 24 * 3600
