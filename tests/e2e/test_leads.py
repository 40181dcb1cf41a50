import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.core.permissions import Role
from tests.conftest import needs_shared_services
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, sign_in
from tests.factories import UserFactory
from tests.leads.conftest import missing_emails, sandbox_emails, sandbox_instance_for


def _read(path):
    return Path(path).read_text(encoding="utf-8-sig")


@pytest.fixture
def otto_in_sandbox(sandbox, role_groups):
    otto = UserFactory(username="otto", role=Role.OPERATOR)
    return otto, sandbox_instance_for(sandbox, otto)


def test_a_single_lookup_shows_the_lead_without_a_reload_and_opens_its_detail(
    page, sandbox, otto_in_sandbox
):
    sign_in(page, "otto")
    page.goto("/leads/")
    email = sandbox_emails(sandbox, 1)[0]
    page.get_by_label("Value", exact=True).fill(email)
    url_before = page.url
    page.get_by_role("button", name="Look up").click()
    result = page.locator("#search-result")
    expect(result).to_contain_text("1 lead with Email Address", timeout=15_000)
    assert page.url == url_before
    page.get_by_label("Value", exact=True).fill("nobody@nowhere.example")
    page.get_by_role("button", name="Look up").click()
    expect(result).to_contain_text("No lead has Email Address “nobody@nowhere.example”")
    page.get_by_label("Value", exact=True).fill(email)
    page.get_by_role("button", name="Look up").click()
    result.get_by_role("link", name="100001").click()
    person = sandbox.instance.leads.render(0, ["firstName", "lastName"])
    name = f"{person['firstName']} {person['lastName']}"
    expect(page.get_by_role("heading", name=name)).to_be_visible(timeout=15_000)
    expect(page.locator("#lead-fields")).to_contain_text("Standard fields", timeout=15_000)
    expect(page.locator("#lead-memberships")).to_contain_text("Programs", timeout=15_000)
    expect(page.locator("#lead-activities")).not_to_contain_text("Loading", timeout=15_000)
    page.get_by_placeholder("Filter the fields").fill("customer tier")
    expect(page.locator(".lead-field:visible")).to_have_count(1)


@needs_shared_services
def test_a_csv_batch_lookup_shows_its_cost_runs_to_100_percent_and_downloads(
    page, sandbox, otto_in_sandbox, celery_worker_process, tmp_path
):
    present, missing = sandbox_emails(sandbox, 400), missing_emails(200)
    path = tmp_path / "fair.csv"
    path.write_text(
        "Name;Email\n" + "\n".join(f"x;{email}" for email in present + missing) + "\nx;oops\n",
        encoding="utf-8-sig",
    )
    sign_in(page, "otto")
    page.goto("/leads/")
    page.get_by_label("…or a CSV file").set_input_files(str(path))
    expect(page.get_by_label("Column").locator("option:checked")).to_have_text("Email")
    page.get_by_role("button", name="Check the cost").click()
    expect(page.locator("#cost")).to_contain_text("Calls it will take")
    expect(page.locator("#cost")).to_contain_text("600")
    expect(page.locator("main")).to_contain_text("1 invalid value left out")
    page.get_by_role("button", name="Start the lookup").click()
    progress = page.locator("#progress")
    expect(progress).to_contain_text("100%", timeout=45_000)
    expect(progress).to_contain_text("400 found · 200 not found · 2 calls")
    expect(page.locator(".results-table tbody tr")).to_have_count(50, timeout=10_000)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download not found (CSV)").click()
    rows = list(csv.reader(io.StringIO(_read(download.value.path()))))
    assert rows[0] == ["Email Address"] and len(rows) == 201
    with page.expect_download() as download:
        page.get_by_role("button", name="Download found (CSV)").click()
    text = _read(download.value.path())
    assert len(text.strip().splitlines()) == 401
    page.reload()
    expect(page.locator("#progress")).to_contain_text("100%")


@pytest.mark.parametrize("path", ["/leads/", "/leads/{pk}/lead/100001/"])
def test_leads_pages_fit_a_375px_screen(open_page, sandbox, otto_in_sandbox, path):
    _, instance = otto_in_sandbox
    page = open_page(viewport=NARROW)
    sign_in(page, "otto")
    page.goto(path.format(pk=instance.pk))
    page.wait_for_load_state("networkidle")
    assert_no_sideways_scroll(page)


def test_a_lookup_page_with_results_fits_a_375px_screen(
    open_page, sandbox, otto_in_sandbox, django_capture_on_commit_callbacks
):
    from apps.leads import services

    otto, instance = otto_in_sandbox
    lookup = services.lead_lookup_prepare(
        instance=instance, user=otto, field="email", raw_values=sandbox_emails(sandbox, 60)
    )
    lookup.status = "queued"
    lookup.save()
    services.lead_lookup_run(lookup_id=lookup.pk)
    page = open_page(viewport=NARROW)
    sign_in(page, "otto")
    page.goto(f"/leads/lookups/{lookup.pk}/")
    expect(page.locator(".pager")).to_contain_text("Page 1 of 2")
    assert_no_sideways_scroll(page)


def test_a_value_matching_over_1000_leads_is_named_in_words_on_a_narrow_screen(
    open_page, sandbox, otto_in_sandbox
):
    from apps.leads import services

    otto, instance = otto_in_sandbox
    # Every seeded lead has leadPartitionId 1: Marketo answers 1003 for it (leads.md).
    lookup = services.lead_lookup_prepare(
        instance=instance, user=otto, field="leadPartitionId", raw_values=["1", "2"]
    )
    lookup.status = "queued"
    lookup.save()
    services.lead_lookup_run(lookup_id=lookup.pk)
    page = open_page(viewport=NARROW)
    sign_in(page, "otto")
    page.goto(f"/leads/lookups/{lookup.pk}/")
    section = page.locator(".too-many-matches")
    expect(section).to_contain_text("“1” matches more than 1,000 leads")
    expect(page.locator(".progress-figures")).to_contain_text(
        "1 not found · 1 matches more than 1,000 leads"
    )
    with page.expect_download() as download:
        section.get_by_role("button", name="Download these values (CSV)").click()
    rows = list(csv.reader(io.StringIO(_read(download.value.path()))))
    assert rows == [["Lead Partition Id", "Result"], ["1", "matches more than 1,000 leads"]]
    page.get_by_label("API names as headers").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download matching over 1,000 (CSV)").click()
    rows = list(csv.reader(io.StringIO(_read(download.value.path()))))
    assert rows == [["leadPartitionId", "result"], ["1", "matches more than 1,000 leads"]]
    assert_no_sideways_scroll(page)


def test_viewers_get_403_on_the_leads_page(page, sandbox, role_groups):
    UserFactory(username="vera", role=Role.VIEWER)
    sign_in(page, "vera")
    response = page.goto("/leads/")
    assert response.status == 403
