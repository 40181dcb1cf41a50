import re
from datetime import UTC, datetime, timedelta

import pytest
import requests
from playwright.sync_api import expect

from apps.core.permissions import Role
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, sign_in
from tests.factories import UserFactory
from tests.leads.conftest import sandbox_instance_for

LEAD = 100_007
CUSTOM = 100_001  # "Attend Conference"


@pytest.fixture
def otto_with_sparse_lead(sandbox, role_groups):
    otto = UserFactory(username="otto", role=Role.OPERATOR)
    instance = sandbox_instance_for(sandbox, otto)
    now = datetime.now(UTC)
    body = {
        "customTypes": 1,
        "activities": [
            {"leadId": LEAD, "activityTypeId": CUSTOM, "activityDate": moment.isoformat()}
            for moment in (now - timedelta(days=2), now - timedelta(days=10))
        ],
    }
    requests.post(f"{sandbox.base_url}/_sandbox/activities", json=body, timeout=5)
    return instance, now


def test_a_lead_s_activities_pick_types_and_load_older_at_375_px(open_page, otto_with_sparse_lead):
    instance, now = otto_with_sparse_lead
    page = open_page(viewport=NARROW)
    sign_in(page, "otto")
    page.goto(f"/leads/{instance.pk}/lead/{LEAD}/")
    activities = page.locator("#lead-activities")
    expect(activities).to_contain_text("Showing activities since", timeout=15_000)
    # The picker: find a type by name, keep only it, save.
    page.get_by_text("Activity types: 11 chosen").click()
    for box in page.locator("#activity-type-list input[type=checkbox]").all():
        box.uncheck()
    page.get_by_placeholder("Find an activity type").fill("conference")
    expect(page.locator("#activity-type-list label:visible")).to_have_count(1)
    page.get_by_label("Attend Conference").check()
    page.get_by_role("button", name="Save types").click()
    expect(page.get_by_text("Activity types: 1 chosen (Attend Conference)")).to_be_visible()
    recent, older = (f"{now - timedelta(days=days):%-d %b %Y}" for days in (2, 10))
    expect(activities).to_contain_text(recent, timeout=15_000)
    expect(activities).not_to_contain_text(older)
    url_before = page.url
    page.get_by_role("link", name="Load older").click()
    expect(activities).to_contain_text(older, timeout=15_000)
    expect(activities.locator(".activity-week")).to_have_count(2)
    # A week runs from an hour to the same hour a week later: both ends say it, in the
    # viewer's zone.
    expect(activities.locator(".activity-week-head").nth(1)).to_have_text(
        re.compile(r"^\d+ \w+ \d{4}, \d\d:\d\d \w+ \u2013 \d+ \w+ \d{4}, \d\d:\d\d \w+$")
    )
    assert page.url == url_before  # appended by htmx, no reload
    expect(activities.get_by_role("link", name="Load older")).to_have_count(1)
    assert_no_sideways_scroll(page)
