"""Usage dates as usage.md writes them (YYYY-MM-DD) and as swagger-mapi.json types them
(date-times): a date-time names the quota day, a Central day, it falls in."""

from datetime import date, timedelta

import pytest
import requests

from apps.marketo.usage import usage_date
from apps.usage.days import today
from apps.usage.models import ErrorDay, UsageDay, UsageSync
from apps.usage.services import usage_sync_run


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("2015-10-17", date(2015, 10, 17)),  # usage.md's example
        ("2015-10-17T05:00:00Z", date(2015, 10, 17)),  # midnight Central (CDT), in UTC
        ("2015-12-17T06:00:00Z", date(2015, 12, 17)),  # midnight Central (CST), in UTC
        ("2015-10-18T03:00:00Z", date(2015, 10, 17)),  # 22:00 in Chicago on the 17th
        ("2015-10-17T00:00:00-05:00", date(2015, 10, 17)),
        ("2015-10-17T05:00:00Z+0000", date(2015, 10, 17)),  # the asset API's way (folders.md)
        ("2015-10-17T05:00:00.000+0000", date(2015, 10, 17)),
        ("2015-10-17T00:00:00", date(2015, 10, 17)),  # no offset: Marketo's own clock
    ],
)
def test_a_usage_date_is_read_as_the_central_day_it_names(written, day):
    assert usage_date(written) == day


def test_anything_else_is_refused():
    with pytest.raises(ValueError):
        usage_date("yesterday")


@pytest.mark.django_db
def test_a_sync_stores_the_right_days_when_the_sandbox_answers_date_times(
    sandbox_instance, sandbox
):
    requests.post(
        f"{sandbox.base_url}/_sandbox/faults", json={"usage_dates": "date-time"}, timeout=5
    )
    answer = requests.get(
        f"{sandbox.rest_url}/v1/stats/usage/last7days.json",
        headers={"Authorization": f"Bearer {_token(sandbox)}"},
        timeout=5,
    ).json()
    assert all("T" in day["date"] for day in answer["result"])  # the fault is on
    sync = usage_sync_run(
        sync_id=UsageSync.objects.create(instance=sandbox_instance, kind=UsageSync.Kind.BACKFILL).pk
    )
    assert sync.status == "succeeded", sync.error
    week = {today() - timedelta(days=ago) for ago in range(7)}
    assert set(UsageDay.objects.values_list("date", flat=True)) == week
    assert set(ErrorDay.objects.values_list("date", flat=True)) <= week
    stored = dict(
        UsageDay.objects.filter(api_user="crm-sync@corp.example").values_list("date", "calls")
    )
    expected = {
        usage_date(day["date"]): user["count"]
        for day in answer["result"]
        for user in day["users"]
        if user["userId"] == "crm-sync@corp.example"
    }
    assert stored == expected and len(expected) >= 3


def _token(sandbox):
    return requests.post(
        f"{sandbox.identity_url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
        },
        timeout=5,
    ).json()["access_token"]


@pytest.mark.django_db
def test_an_unreadable_date_fails_the_sync_in_words_and_stores_nothing(
    sandbox_instance, monkeypatch
):
    odd = [{"date": "17/10/2015", "total": 5, "users": [{"userId": "crm@x", "count": 5}]}]
    monkeypatch.setattr("apps.marketo.usage.usage_today", lambda client: odd)
    sync = usage_sync_run(
        sync_id=UsageSync.objects.create(instance=sandbox_instance, kind=UsageSync.Kind.TODAY).pk
    )
    assert sync.status == "failed"
    assert sync.error == (
        "Marketo's usage answer could not be read: Invalid isoformat string: '17/10/2015'."
    )
    assert not UsageDay.objects.exists()
