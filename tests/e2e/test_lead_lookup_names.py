"""Browser tests: a lead lookup in the marketer's words, at 1366 px and at 375 px."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.core.permissions import Role
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, sign_in
from tests.factories import UserFactory
from tests.leads.conftest import missing_emails, sandbox_emails, sandbox_instance_for

WIDE = {"width": 1366, "height": 900}
VIEWPORTS = pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1366px", "375px"])


def _rows(download) -> list[list[str]]:
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def otto_in_sandbox(sandbox, role_groups):
    otto = UserFactory(username="otto", role=Role.OPERATOR)
    return otto, sandbox_instance_for(sandbox, otto)


def _finished_lookup(otto, instance, values):
    from apps.leads import services

    lookup = services.lead_lookup_prepare(
        instance=instance, user=otto, field="email", raw_values=values
    )
    lookup.status = "queued"
    lookup.save()
    return services.lead_lookup_run(lookup_id=lookup.pk)


@VIEWPORTS
def test_the_field_selects_offer_describes_display_names(open_page, otto_in_sandbox, viewport):
    page = open_page(viewport=viewport)
    sign_in(page, "otto")
    page.goto("/leads/")
    batch = page.locator("#batch-field")
    expect(batch.locator("option:checked")).to_have_text("Email Address")
    expect(batch.locator("option[value=sfdcLeadId]")).to_have_text("SFDC Lead ID")
    expect(page.locator("#search-field option[value=leadPartitionId]")).to_have_text(
        "Lead Partition Id"
    )
    batch.select_option(label="Customer Tier")
    assert batch.input_value() == "customerTier"  # the API name is what is sent
    assert_no_sideways_scroll(page)


@VIEWPORTS
def test_results_and_their_csv_name_columns_by_display_name_or_api_name_on_request(
    open_page, sandbox, otto_in_sandbox, viewport
):
    otto, instance = otto_in_sandbox
    lookup = _finished_lookup(otto, instance, sandbox_emails(sandbox, 3) + missing_emails(2))
    page = open_page(viewport=viewport)
    sign_in(page, "otto")
    page.goto(f"/leads/lookups/{lookup.pk}/")
    expect(page.locator("h1")).to_have_text("Lookup of 5 Email Address values")
    header = page.locator(".results-table thead")
    expect(header.locator("th[title=email]")).to_have_text("Email Address")
    expect(header.locator("th[title=updatedAt]")).to_have_text("Updated At")
    page.locator(".column-chooser summary").click()
    expect(page.locator(".column-chooser label[title=customerTier]")).to_have_text("Customer Tier")
    assert_no_sideways_scroll(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download found (CSV)").click()
    rows = _rows(download)
    names = ["Id", "First Name", "Last Name", "Email Address", "Company Name", "Updated At"]
    assert rows[0] == names and len(rows) == 4
    with page.expect_download() as download:
        page.get_by_role("button", name="Download not found (CSV)").click()
    assert _rows(download)[0] == ["Email Address"]
    page.get_by_label("API names as headers").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download found (CSV)").click()
    assert _rows(download)[0] == ["id", "firstName", "lastName", "email", "company", "updatedAt"]
    with page.expect_download() as download:
        page.get_by_role("button", name="Download not found (CSV)").click()
    assert _rows(download)[0] == ["email"]


@VIEWPORTS
def test_values_that_matched_no_lead_are_on_the_lookups_page(
    open_page, sandbox, otto_in_sandbox, viewport
):
    otto, instance = otto_in_sandbox
    missing = missing_emails(55)
    lookup = _finished_lookup(otto, instance, sandbox_emails(sandbox, 2) + missing)
    page = open_page(viewport=viewport)
    sign_in(page, "otto")
    page.goto(f"/leads/lookups/{lookup.pk}/")
    section = page.locator("#not-found")
    expect(section.get_by_role("heading")).to_have_text("Values that matched no lead (55)")
    expect(section.locator(".value-list li")).to_have_count(50)
    expect(section).to_contain_text(missing[0])
    expect(section.get_by_role("button", name="Download all 55 (CSV)")).to_be_visible()
    assert_no_sideways_scroll(page)
    url = page.url
    section.get_by_role("link", name="Next").click()
    expect(page.locator("#not-found .value-list li")).to_have_count(5)
    expect(page.locator("#not-found")).to_contain_text(missing[54])
    assert page.url == url  # swapped in place
    with page.expect_download() as download:
        page.locator("#not-found").get_by_role("button", name="Download all 55 (CSV)").click()
    rows = _rows(download)
    assert rows[0] == ["Email Address"] and len(rows) == 56
