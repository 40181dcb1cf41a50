from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.core.permissions import Role
from apps.usage.days import today
from apps.usage.models import ErrorDay, UsageDay
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, screenshot, sign_in
from tests.factories import UserFactory, make_instance


def _history(name="A rather long instance name for narrow screens"):
    instance = make_instance(name)
    users = ["crm-integration@averylongcompanydomain.example", "us@corp.example", "bi@corp.example"]
    for ago in range(60):
        for n, user in enumerate(users):
            calls = 400 + 100 * n + (ago * 37) % 90
            if ago == 3 and n == 0:
                calls = 9000  # an unusual day
            UsageDay.objects.create(
                instance=instance, date=today() - timedelta(days=ago), api_user=user, calls=calls
            )
    ErrorDay.objects.create(instance=instance, date=today(), code="606", count=12)
    ErrorDay.objects.create(instance=instance, date=today(), code="1003", count=2)
    return instance


def test_the_overview_shows_the_gauge_and_the_forecast(page):
    UserFactory(username="ada", role=Role.ADMIN)
    instance = _history()
    sign_in(page, "ada")
    page.goto(f"/usage/instances/{instance.pk}/")
    expect(page.locator("#quota-gauge")).to_be_visible()
    expect(page.get_by_test_id("forecast")).to_contain_text("today's pace")
    expect(page.get_by_text("your time")).to_contain_text("Central")


def test_a_range_change_redraws_the_report_and_a_drill_down_opens_one_user(page):
    UserFactory(username="ada", role=Role.ADMIN)
    instance = _history()
    sign_in(page, "ada")
    page.goto(f"/usage/instances/{instance.pk}/users/")
    expect(page.get_by_test_id("range")).to_contain_text((today() - timedelta(days=29)).isoformat())
    page.get_by_label("Range").select_option("7")
    expect(page.get_by_test_id("range")).to_contain_text((today() - timedelta(days=6)).isoformat())
    assert "range=7" in page.url
    assert page.evaluate("Chart.getChart(document.querySelector('canvas')) !== undefined")
    expect(page.locator("tr.unusual").first).to_be_visible()
    screenshot(page, "usage-users")
    page.get_by_role("link", name="crm-integration@averylongcompanydomain.example").click()
    expect(page.get_by_test_id("user-total")).to_be_visible()
    assert "/users/crm-integration@averylongcompanydomain.example/" in page.url


def test_a_bad_custom_range_gets_a_clear_message(page):
    UserFactory(username="ada", role=Role.ADMIN)
    instance = _history()
    sign_in(page, "ada")
    page.goto(f"/usage/instances/{instance.pk}/users/?range=custom&start=2026-05-10&end=2026-05-01")
    expect(page.get_by_role("alert")).to_contain_text("is before the start date")


def test_a_table_downloads_as_csv(page):
    UserFactory(username="ada", role=Role.ADMIN)
    instance = _history()
    sign_in(page, "ada")
    page.goto(f"/usage/instances/{instance.pk}/errors/")
    with page.expect_download() as info:
        page.get_by_role("link", name="Export CSV").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("code,count") and "606,12" in text


@pytest.mark.parametrize(
    "path",
    [
        "/usage/",
        "/usage/instances/{pk}/",
        "/usage/instances/{pk}/users/",
        "/usage/instances/{pk}/users/us@corp.example/",
        "/usage/instances/{pk}/errors/",
        "/usage/instances/{pk}/calls/?group_by=endpoint",
    ],
)
def test_usage_pages_fit_a_375px_screen(open_page, path):
    UserFactory(username="ada", role=Role.ADMIN)
    instance = _history()
    UsageDay.objects.filter(instance=instance, date=today()).update(calls=20_000)  # the banner
    page = open_page(viewport=NARROW)
    sign_in(page, "ada")
    page.goto(path.format(pk=instance.pk))
    page.wait_for_load_state("networkidle")
    assert_no_sideways_scroll(page)
