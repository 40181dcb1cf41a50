"""The API users page (apps/integrations) in a browser, wide and at 375 px."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.core.permissions import Role
from apps.integrations.models import MarketoUser, UserSync
from apps.usage.days import today
from apps.usage.models import UsageDay
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, sign_in
from tests.factories import UserFactory, make_instance

WIDE = {"width": 1366, "height": 900}


def _instance():
    instance = make_instance("A rather long instance name for narrow screens")
    now = timezone.now()
    MarketoUser.objects.create(
        instance=instance,
        userid="crm-integration@averylongcompanydomain.example",
        first_name="CRM",
        last_name="Integration",
        api_only=True,
        roles=[
            {"role_id": 104, "role": "CRM Sync API", "workspace_id": 0, "workspace": "AllZones"}
        ],
        first_seen_at=now - timedelta(days=3),
        last_seen_at=now,
    )
    for ago in range(5):
        UsageDay.objects.create(
            instance=instance,
            date=today() - timedelta(days=ago),
            api_user="crm-integration@averylongcompanydomain.example",
            calls=1500,
        )
    UsageDay.objects.create(
        instance=instance, date=today(), api_user="webinar-connector@corp.example", calls=42
    )
    return instance


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1366px", "375px"])
def test_an_admin_sees_api_users_and_reads_them_now(open_page, viewport, job_messages):
    UserFactory(username="ada", role=Role.ADMIN)
    instance = _instance()
    page = open_page(viewport=viewport)
    sign_in(page, "ada")
    page.goto(f"/usage/instances/{instance.pk}/")
    page.get_by_role("link", name="Marketo users").click()
    table = page.get_by_test_id("api-users")
    crm = table.locator("tr", has_text="crm-integration@averylongcompanydomain.example")
    expect(crm).to_contain_text("CRM Integration")
    expect(crm).to_contain_text("CRM Sync API")
    expect(crm).to_contain_text("7,500")
    expect(table.locator("tr", has_text="webinar-connector@corp.example")).to_contain_text(
        "Seen in usage only"
    )
    expect(page.get_by_test_id("unlisted-notice")).to_be_visible()
    assert_no_sideways_scroll(page)
    page.get_by_role("button", name="Read users now").click()
    expect(page.get_by_text("Reading the instance's users from Marketo")).to_be_visible()
    (sync,) = UserSync.objects.filter(instance=instance)
    expect(page.get_by_test_id("sync-state")).to_contain_text("Queued")
    assert sync.status == "queued"
    assert_no_sideways_scroll(page)
