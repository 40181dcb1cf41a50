"""The integrations page and an integration's page in a browser, wide and at 375 px: an
admin assigns the unassigned API user, registers an integration and reads its page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.core.permissions import Role
from apps.instances.models import MarketoInstance
from apps.integrations.models import Integration, IntegrationApiUser, MarketoUser
from apps.usage.days import today
from apps.usage.models import ErrorDay, LedgerEntry, UsageDay
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, sign_in
from tests.factories import UserFactory, make_instance

WIDE = {"width": 1366, "height": 900}
LONG_USER = "crm-integration@averylongcompanydomain.example"


def _instance():
    instance = make_instance("A rather long instance name for narrow screens")
    MarketoInstance.objects.filter(pk=instance.pk).update(api_user="us@corp.example")
    instance.refresh_from_db()
    now = timezone.now()
    MarketoUser.objects.create(
        instance=instance,
        userid=LONG_USER,
        first_name="CRM",
        last_name="Integration",
        api_only=True,
        roles=[{"role_id": 1, "role": "Admin", "workspace_id": 0, "workspace": "AllZones"}],
        first_seen_at=now - timedelta(days=3),
        last_seen_at=now,
    )
    for ago in range(10):
        day = today() - timedelta(days=ago)
        UsageDay.objects.create(instance=instance, date=day, api_user=LONG_USER, calls=1500)
        UsageDay.objects.create(instance=instance, date=day, api_user="us@corp.example", calls=40)
        UsageDay.objects.create(
            instance=instance, date=day, api_user="webinar-connector@corp.example", calls=42
        )
    ErrorDay.objects.create(instance=instance, date=today(), code="606", count=12)
    LedgerEntry.objects.create(
        instance=instance,
        made_at=timezone.now(),
        method="GET",
        endpoint="/rest/v1/leads.json",
        code="",
        duration_ms=80,
        priority="interactive",
    )
    ours = Integration.objects.create(
        name="marketo-admin", owner_email="ops@corp.example", budget_calls=100
    )
    IntegrationApiUser.objects.create(integration=ours, instance=instance, userid="us@corp.example")
    return instance


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1366px", "375px"])
def test_an_admin_assigns_api_users_and_reads_an_integration(open_page, viewport):
    UserFactory(username="ada", role=Role.ADMIN)
    _instance()
    page = open_page(viewport=viewport)
    sign_in(page, "ada")
    if viewport == NARROW:
        page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Integrations").first.click()

    unassigned = page.get_by_test_id("unassigned")
    expect(unassigned).to_contain_text("2 API users call Marketo without an integration")
    expect(page.get_by_test_id("integrations")).to_contain_text("ops@corp.example")
    assert_no_sideways_scroll(page)

    # A new integration for the CRM's API user, from its row.
    unassigned.locator("tr", has_text=LONG_USER).get_by_role(
        "link", name="a new integration…"
    ).click()
    expect(page.get_by_test_id("first-api-user")).to_contain_text(LONG_USER)
    page.get_by_label("Name").fill("Salesforce sync")
    page.get_by_label("Owner").fill("ada")
    page.get_by_label("Budget: calls a day").fill("1000")
    page.get_by_label("Budget: share of each instance's daily quota (%)").fill("10")
    page.get_by_role("button", name="Add integration").click()
    expect(page.get_by_text("not both")).to_be_visible()  # both budgets: said in words
    page.get_by_label("Budget: share of each instance's daily quota (%)").fill("")
    page.get_by_role("button", name="Add integration").click()

    expect(page.get_by_role("heading", name="Salesforce sync", level=1)).to_be_visible()
    expect(page.get_by_test_id("today")).to_contain_text("critical")  # 1,500 of 1,000
    expect(page.get_by_test_id("errors-per-instance")).to_contain_text(
        "Marketo counts errors per instance, not per API user"
    )
    expect(page.get_by_test_id("no-permissions")).to_contain_text("not the permissions of a role")
    expect(page.locator(".role-user", has_text=LONG_USER)).to_contain_text("admin-like")
    assert page.evaluate("Chart.getChart(document.querySelector('canvas')) !== undefined")
    assert_no_sideways_scroll(page)

    # The webinar connector's API user, assigned from the list's quick control.
    page.get_by_label("Breadcrumb").get_by_role("link", name="Integrations").click()
    row = page.get_by_test_id("unassigned").locator("tr", has_text="webinar-connector")
    row.get_by_label("Integration for webinar-connector@corp.example").select_option(
        label="Salesforce sync"
    )
    row.get_by_role("button", name="Assign").click()
    expect(page.get_by_text("now belongs to Salesforce sync")).to_be_visible()
    expect(page.get_by_test_id("unassigned")).to_have_count(0)
    assert sorted(
        Integration.objects.get(name="Salesforce sync").api_users.values_list("userid", flat=True)
    ) == [LONG_USER, "webinar-connector@corp.example"]
    assert_no_sideways_scroll(page)


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1366px", "375px"])
def test_our_own_integration_shows_the_ledger_errors_and_the_calls_it_made(open_page, viewport):
    UserFactory(username="ada", role=Role.ADMIN)
    instance = _instance()
    page = open_page(viewport=viewport)
    sign_in(page, "ada")
    page.goto(f"/integrations/{Integration.objects.get(name='marketo-admin').pk}/")
    expect(page.get_by_test_id("ledger-errors")).to_contain_text("No errors in marketo-admin")
    expect(page.get_by_test_id("families")).to_contain_text("Made only lead calls in 90 days")
    assert_no_sideways_scroll(page)
    page.goto(f"/integrations/instances/{instance.pk}/usage/")
    expect(page.get_by_test_id("integrations-table")).to_contain_text("Unassigned")
    page.get_by_label("Range").select_option("7")
    expect(page.get_by_test_id("range")).to_contain_text((today() - timedelta(days=6)).isoformat())
    assert_no_sideways_scroll(page)
