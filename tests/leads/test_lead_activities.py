"""The lead detail page's activities: the viewer's types (remembered per user and instance),
the newest week first, "load older" for the week before, few calls, the viewer's time."""

from datetime import UTC, datetime, timedelta

import pytest
import requests

from apps.accounts.selectors import profile_get
from apps.audit.context import AuditContext
from apps.core.permissions import Role
from apps.instances.services import grant_set
from apps.leads import activities as lead_activities
from apps.leads.models import LeadActivityPreference
from tests.factories import UserFactory
from tests.leads.conftest import sandbox_instance_for

pytestmark = pytest.mark.django_db

LEAD = 100_007
CUSTOM = 100_001  # "Attend Conference": only the activities added here have it


def _add(sandbox, *moments, custom_types=1):
    body = {
        "customTypes": custom_types,
        "activities": [
            {"leadId": LEAD, "activityTypeId": CUSTOM, "activityDate": moment.isoformat()}
            for moment in moments
        ],
    }
    answer = requests.post(f"{sandbox.base_url}/_sandbox/activities", json=body, timeout=5)
    assert answer.status_code == 200, answer.text


def _calls(sandbox, path):
    stats = requests.get(f"{sandbox.base_url}/_sandbox/stats.json", timeout=5).json()
    return sum(n for name, n in stats.get("by_endpoint", {}).items() if name.endswith(path))


def _choose(client, instance, type_ids, lead=LEAD):
    return client.post(
        f"/leads/{instance.pk}/activity-types/",
        {
            "type": [str(type_id) for type_id in type_ids],
            "next": f"/leads/{instance.pk}/lead/{lead}/",
        },
    )


def _week(client, instance, older=0, htmx=True, start=None):
    start = start or int(lead_activities.newest_since().timestamp())
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    url = f"/leads/{instance.pk}/lead/{LEAD}/activities/?start={start}&older={older}"
    return client.get(url, **headers).content.decode()


def test_without_a_choice_the_common_types_are_read_by_name(client_for, otto, instance):
    client = client_for(otto)
    # The page waits for no call: the type picker comes with the first week of activities.
    page = client.get(f"/leads/{instance.pk}/lead/{LEAD}/").content.decode()
    assert "Activity types" not in page
    week = _week(client, instance)
    # The sandbox's standard types that are among the defaults, all checked; 11 of 11.
    assert "Activity types: 11 chosen" in week
    assert 'value="2" checked' in week and "Fill Out Form" in week
    assert "Activity types" not in _week(client, instance, older=1)  # "load older": once


def test_the_choice_is_saved_per_user_and_per_instance(client_for, otto, instance, sandbox):
    _add(sandbox)
    other_instance = sandbox_instance_for(sandbox, otto, name="Second", munchkin_id="222-BBB-222")
    vera = UserFactory(username="vera", role=Role.OPERATOR)
    grant_set(
        instance=instance, user=vera, role="operator", actor=None, audit=AuditContext.system()
    )
    response = _choose(client_for(otto), instance, [CUSTOM, 2, 999_999])
    assert response.status_code == 302 and response.url == f"/leads/{instance.pk}/lead/{LEAD}/"
    _choose(client_for(vera), instance, [6])
    saved = LeadActivityPreference.objects.get(user=otto, instance=instance)
    assert saved.type_ids == [CUSTOM, 2]  # 999999 is not a type of this instance
    assert LeadActivityPreference.objects.get(user=vera, instance=instance).type_ids == [6]
    assert not LeadActivityPreference.objects.filter(instance=other_instance).exists()
    page = _week(client_for(otto), instance)
    assert "Activity types: 2 chosen (Attend Conference, Fill Out Form)" in page
    page = _week(client_for(otto), other_instance)
    assert "Activity types: 11 chosen" in page


def test_more_than_20_types_are_refused_with_a_reason(client_for, otto, instance, sandbox):
    _add(sandbox, custom_types=30)
    response = _choose(client_for(otto), instance, range(CUSTOM, CUSTOM + 21))
    assert response.status_code == 302
    assert not LeadActivityPreference.objects.exists()
    page = client_for(otto).get(response.url).content.decode()
    assert "Choose at most 20 activity types: Marketo reads ten per call." in page


def test_the_newest_week_costs_one_token_and_one_call_per_ten_types(
    client_for, otto, instance, sandbox
):
    now = datetime.now(UTC)
    _add(sandbox, now - timedelta(days=2), now - timedelta(days=10))
    client = client_for(otto)
    _choose(client, instance, [1, 2, 6, 7, 10, 11, 12, 13, 22, 24, 104, CUSTOM])  # 12: two chunks
    sandbox.reset(everything=False)
    body = _week(client, instance)
    assert "Attend Conference" in body
    assert (now - timedelta(days=2)).strftime("%-d %b %Y") in body
    assert (now - timedelta(days=10)).strftime("%-d %b %Y") not in body  # last week's
    assert "Showing activities since" in body and "Load older" in body
    assert _calls(sandbox, "/v1/activities/pagingtoken.json") == 1
    assert _calls(sandbox, "/v1/activities.json") == 2
    _week(client, instance)  # the same week again: from the cache
    assert _calls(sandbox, "/v1/activities.json") == 2


def test_load_older_reads_the_week_before_and_says_how_far_back(
    client_for, otto, instance, sandbox
):
    now = datetime.now(UTC)
    _add(sandbox, now - timedelta(days=2), now - timedelta(days=10))
    client = client_for(otto)
    _choose(client, instance, [CUSTOM])
    start = int(lead_activities.newest_since().timestamp())
    older = _week(client, instance, older=1, start=start)
    assert (now - timedelta(days=10)).strftime("%-d %b %Y") in older
    assert (now - timedelta(days=2)).strftime("%-d %b %Y") not in older
    since = datetime.fromtimestamp(start, UTC) - timedelta(days=7)
    assert f"Showing activities since {since:%-d %b %Y}" in older
    assert f"?start={start}&amp;older=2" in older
    # Without htmx: a page of its own with both weeks, newest first.
    page = _week(client, instance, older=1, start=start, htmx=False)
    assert page.index((now - timedelta(days=2)).strftime("%-d %b %Y")) < page.index(
        (now - timedelta(days=10)).strftime("%-d %b %Y")
    )
    assert "<!doctype html>" in page.lower()


def test_times_are_in_the_viewers_time_zone(client_for, otto, instance, sandbox):
    moment = (datetime.now(UTC) - timedelta(days=1)).replace(hour=23, minute=30, second=0)
    _add(sandbox, moment)
    profile = profile_get(user=otto)
    profile.time_zone = "Asia/Tokyo"  # UTC+9: 23:30 UTC is 08:30 the next day
    profile.save()
    client = client_for(otto)
    _choose(client, instance, [CUSTOM])
    body = _week(client, instance)
    assert f"{moment + timedelta(hours=9):%-d %b %Y}, 08:30" in body


def test_without_javascript_a_page_shows_at_most_four_weeks(client_for, otto, instance, sandbox):
    client = client_for(otto)
    _choose(client, instance, [2])
    page = _week(client, instance, older=9, htmx=False)
    assert page.count('class="activity-week"') == 4
    start = int(lead_activities.newest_since().timestamp())
    assert f"?start={start}&amp;older=10" in page  # and it goes on from the oldest shown
