from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.core.permissions import Role
from apps.instances.models import MarketoInstance
from apps.usage.days import day_start, today
from apps.usage.models import ErrorDay, LedgerEntry, UsageDay
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, sign_in
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
    # The reset in the viewer's zone and in Central's, as on the home page's card.
    expect(page.get_by_test_id("quota-reset")).to_contain_text(" Central (in ")


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


def _short_history():
    """An instance added 5 days ago: 6 days of figures, today included."""
    instance = make_instance("Six days")
    for ago in range(6):
        on = today() - timedelta(days=ago)
        UsageDay.objects.create(instance=instance, date=on, api_user="crm@corp.example", calls=4000)
    # Absent on day 5 (0 calls): 850 calls over the 6 days, an average of 141.7; 450 is
    # more than three times that (and less than three times 850 / 5).
    for ago, calls in enumerate([450, 100, 100, 100, 100]):
        UsageDay.objects.create(
            instance=instance,
            date=today() - timedelta(days=ago),
            api_user="webinar@corp.example",
            calls=calls,
        )
    return instance


def test_a_short_history_is_reported_over_its_own_days(page):
    UserFactory(username="ada", role=Role.ADMIN)
    instance = _short_history()
    sign_in(page, "ada")
    page.goto(f"/usage/instances/{instance.pk}/users/")
    first = (today() - timedelta(days=5)).isoformat()
    expect(page.get_by_test_id("range")).to_contain_text(f"{first} to {today().isoformat()}")
    expect(page.get_by_text(f"This instance's history begins on {first}")).to_be_visible()
    days = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Date"))
    expect(days.locator("tbody tr")).to_have_count(6)
    assert page.evaluate("Chart.getChart(document.querySelector('canvas')).data.labels.length") == 6
    crm = page.get_by_test_id("users-table").get_by_role("row", name="crm@corp.example")
    expect(crm.locator("td").nth(1)).to_have_text("24,000")
    expect(crm.locator("td").nth(2)).to_have_text("4,000.0")  # 24,000 / 6
    webinar = page.get_by_test_id("users-table").get_by_role("row", name="webinar@corp.example")
    expect(webinar.locator("td").nth(2)).to_have_text(str(round(Decimal(850) / 6, 1)))
    expect(webinar.locator("td").nth(4)).to_have_text("1")  # 450 > 3 x 141.7
    page.get_by_role("link", name="webinar@corp.example").click()
    expect(page.get_by_test_id("user-total")).to_have_text("850")
    expect(page.locator("dl.facts")).to_contain_text("141.7")


def test_every_usage_tab_opens_on_the_same_range(page):
    UserFactory(username="ada", role=Role.ADMIN)
    instance = _history()
    sign_in(page, "ada")
    for tab in ("users", "errors", "calls"):
        page.goto(f"/usage/instances/{instance.pk}/{tab}/")
        expect(page.get_by_label("Range")).to_have_value("30")
    expect(page.get_by_test_id("reconciliation-table").locator("tbody tr")).to_have_count(30)


def _ledger_call(instance, feature):
    LedgerEntry.objects.create(
        instance=instance,
        made_at=day_start(today()) + timedelta(minutes=1),
        method="GET",
        endpoint="/rest/asset/v1/folders.json",
        http_status=200,
        duration_ms=80,
        priority="background",
        feature=feature,
    )


def test_our_calls_name_features_in_words(page):
    UserFactory(username="ada", role=Role.ADMIN)
    instance = _history()
    for feature in ("asset_sync", "lead_lookup"):
        _ledger_call(instance, feature)
    sign_in(page, "ada")
    page.goto(f"/usage/instances/{instance.pk}/calls/")
    calls = page.get_by_test_id("calls-table")
    expect(calls).to_contain_text("Asset sync")
    expect(calls).to_contain_text("Lead lookup")
    expect(calls).not_to_contain_text("asset_sync")
    labels = page.evaluate("Chart.getChart(document.querySelector('canvas')).data.labels")
    assert sorted(labels) == ["Asset sync", "Lead lookup"]


def test_usage_figures_group_thousands(page):
    UserFactory(username="ada", role=Role.ADMIN)
    instance = _history()
    MarketoInstance.objects.filter(pk=instance.pk).update(api_user="ours@corp.example")
    yesterday = today() - timedelta(days=1)
    UsageDay.objects.create(
        instance=instance, date=yesterday, api_user="ours@corp.example", calls=7070
    )
    _ledger_call(instance, "asset_sync")
    sign_in(page, "ada")
    page.goto(f"/usage/instances/{instance.pk}/calls/?range=7")
    row = page.get_by_test_id("reconciliation-table").get_by_role("row", name=yesterday.isoformat())
    expect(row.locator("td").nth(2)).to_have_text("7,070")  # Marketo's count
    expect(row.locator("td").nth(3)).to_have_text("7,070")  # the gap
    for tab in ("users/", "users/ours@corp.example/", "calls/"):
        page.goto(f"/usage/instances/{instance.pk}/{tab}")
        expect(page.locator("main")).to_contain_text("7,070")
        assert "7070" not in page.locator("main").inner_text(), tab


def test_the_alert_hint_names_the_setting_the_readme_documents(page, settings):
    settings.EMAIL_HOST = ""
    UserFactory(username="ada", role=Role.ADMIN)
    instance = _history()
    sign_in(page, "ada")
    page.goto(f"/usage/instances/{instance.pk}/")
    page.get_by_role("link", name="alert rules").click()  # the quota alert is set there now
    hint = page.locator("fieldset[data-rule=quota]").get_by_test_id("no-channel")
    expect(hint).to_contain_text("EMAIL_URL")
    expect(hint).not_to_contain_text("EMAIL_HOST")


def test_the_overview_charts_todays_pace_by_hour_against_the_quota(page):
    UserFactory(username="ada", role=Role.ADMIN)
    instance = _history()
    LedgerEntry.objects.create(
        instance=instance,
        made_at=day_start(today()) + timedelta(minutes=5),
        method="GET",
        endpoint="/rest/v1/leads.json",
        duration_ms=40,
        priority="interactive",
    )
    sign_in(page, "ada")
    page.goto(f"/usage/instances/{instance.pk}/")
    chart = "Chart.getChart(document.querySelector('canvas[data-source=pace-chart]'))"
    expect(page.get_by_role("heading", name="Today's pace, hour by hour")).to_be_visible()
    assert page.evaluate(f"{chart}.config.type") == "line"
    series = page.evaluate(f"{chart}.data.datasets.map(d => [d.label, d.data])")
    labels = [label for label, _ in series]
    assert labels[0] == "marketo-admin's calls so far" and labels[-1] == "Daily quota"
    assert series[0][1][0] == 1  # the call in the first hour of the quota day
    assert set(series[-1][1]) == {instance.daily_quota}


def test_the_errors_tab_charts_errors_per_day_by_code(page):
    UserFactory(username="ada", role=Role.ADMIN)
    instance = _history()
    sign_in(page, "ada")
    page.goto(f"/usage/instances/{instance.pk}/errors/?range=7")
    chart = "Chart.getChart(document.querySelector('canvas[data-source=errors-chart]'))"
    expect(page.get_by_role("heading", name="Errors per day, by code")).to_be_visible()
    assert page.evaluate(f"{chart}.data.labels.length") == 7
    series = page.evaluate(f"{chart}.data.datasets.map(d => [d.label, d.data])")
    assert series == [["606", [0, 0, 0, 0, 0, 0, 12]], ["1003", [0, 0, 0, 0, 0, 0, 2]]]
