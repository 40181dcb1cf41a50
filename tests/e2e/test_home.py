"""The home page answers "is everything all right?": one card per instance the person may
see, with today's calls, the governor's now, syncs, tests and jobs; the instance list has
the same columns."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.alerts.models import AlertRule, RuleKind
from apps.assets.models import AssetSync
from apps.core.permissions import Role
from apps.instances.models import ConnectionTest, InstanceGrant, MarketoInstance
from apps.leads.models import LeadLookup
from apps.sandbox.endpoints.usage import days as sandbox_usage_days
from apps.usage.days import today
from apps.usage.models import LedgerEntry, UsageDay, UsageSync
from apps.usage.services import usage_sync_run
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, sign_in
from tests.factories import UserFactory, make_instance

OTHER_INTEGRATION = "crm-integration@averylongcompanydomain.example"


def _sandbox_instance(sandbox, name="Sandbox"):
    instance = make_instance(
        name,
        client_id=sandbox.client_id,
        secret=sandbox.client_secret,
        rest_url=sandbox.rest_url,
        identity_url=sandbox.identity_url,
    )
    MarketoInstance.objects.filter(pk=instance.pk).update(api_user="api@sandbox.example")
    return instance


def _lookup(instance, user, status="running"):
    return LeadLookup.objects.create(
        instance=instance,
        user=user,
        field="email",
        status=status,
        total_values=1_200,
        done_values=300,
        batch_count=4,
    )


def test_the_home_page_shows_the_quota_figure_the_sandbox_reports_after_a_usage_sync(
    page, sandbox, monkeypatch
):
    UserFactory(username="ada", role=Role.ADMIN)
    instance = _sandbox_instance(sandbox)
    # Another integration spent 12,000 calls today, as Marketo (the sandbox) reports it.
    monkeypatch.setitem(sandbox.instance.usage_history, 0, {OTHER_INTEGRATION: 12_000})
    (reported,) = sandbox_usage_days(sandbox.instance, 1)  # read in process: no call
    sync = UsageSync.objects.create(instance=instance, kind=UsageSync.Kind.TODAY)
    assert usage_sync_run(sync_id=sync.pk).status == "succeeded"
    calls, ledger = sandbox.stats()["calls"], LedgerEntry.objects.count()

    sign_in(page, "ada")
    card = page.get_by_test_id("instance-card")
    expect(card.get_by_role("heading", name="Sandbox")).to_be_visible()
    expect(card.get_by_test_id("marketo-count")).to_contain_text(f"{reported['total']:,}, read")
    expect(card.get_by_test_id("marketo-count")).to_contain_text("just now")
    # The gauge: at least Marketo's figure (the governor may know of our calls since).
    gauge = card.get_by_role("meter", name="Calls today, all integrations")
    assert int(gauge.get_attribute("value")) >= reported["total"] >= 12_000
    expect(card.get_by_test_id("quota-used")).to_contain_text("of 50,000")
    # Our own calls today from the ledger: the sync's two.
    expect(card.get_by_test_id("our-calls")).to_contain_text("2 of 25,000")
    expect(card).to_contain_text("Central")
    expect(card.get_by_test_id("in-flight")).to_contain_text("0 of 5")
    # Rendering the page made no call to Marketo.
    assert (sandbox.stats()["calls"], LedgerEntry.objects.count()) == (calls, ledger)


def test_a_running_lookup_is_listed_with_a_link_to_it(page):
    otto = UserFactory(username="otto", role=Role.OPERATOR)
    instance = make_instance("Production")
    InstanceGrant.objects.create(instance=instance, user=otto, role="operator")
    lookup = _lookup(instance, otto)
    _lookup(instance, otto, status="done")
    AssetSync.objects.create(instance=instance, status="paused", error="Marketo is busy")

    sign_in(page, "otto")
    jobs = page.get_by_test_id("instance-card").get_by_test_id("jobs")
    link = jobs.get_by_role("link", name="Lead lookup of 1,200 values, 25% done")
    expect(link).to_have_attribute("href", f"/leads/lookups/{lookup.pk}/")
    expect(jobs.get_by_role("listitem")).to_have_count(2)
    expect(jobs).to_contain_text("waiting to retry")
    expect(jobs.get_by_role("link", name="Full asset sync, 0% done")).to_have_attribute(
        "href", f"/assets/{instance.pk}/#sync-panel"
    )


def test_the_cards_refresh_by_themselves(page):
    ada = UserFactory(username="ada", role=Role.ADMIN)
    instance = make_instance("Production")
    sign_in(page, "ada")
    jobs = page.get_by_test_id("instance-card").locator("dd").filter(has_text="none running")
    expect(jobs).to_have_count(1)
    lookup = _lookup(instance, ada)  # started in another tab, after the page was shown
    link = page.get_by_role("link", name="Lead lookup of 1,200 values, 25% done")
    expect(link).to_have_attribute("href", f"/leads/lookups/{lookup.pk}/", timeout=20_000)


def test_a_viewer_sees_only_their_instances_and_no_action_they_cannot_take(page):
    vera = UserFactory(username="vera", role=Role.VIEWER, time_zone="Europe/Paris")
    otto = UserFactory(username="otto", role=Role.OPERATOR)
    granted = make_instance("Granted to Vera")
    hidden = make_instance("Not granted", client_id="not-granted")
    InstanceGrant.objects.create(instance=granted, user=vera, role="viewer")
    InstanceGrant.objects.create(instance=granted, user=otto, role="operator")
    _lookup(granted, otto)
    _lookup(hidden, otto)

    sign_in(page, "vera")
    cards = page.get_by_test_id("instance-card")
    expect(cards).to_have_count(1)
    expect(cards).to_contain_text("Granted to Vera")
    expect(page.locator("main")).not_to_contain_text("Not granted")
    # The quota day's reset in her zone, with Central beside it.
    expect(cards.get_by_test_id("quota-reset")).to_contain_text(re.compile(r"\d\d:\d\d CES?T"))
    expect(cards.get_by_test_id("quota-reset")).to_contain_text("00:00 Central")
    # Someone else's lookup is counted, never linked; nothing on the page starts anything.
    expect(cards.get_by_test_id("jobs")).to_contain_text("1 lead lookup by other people")
    expect(cards.get_by_role("link", name="Lead lookup")).to_have_count(0)
    expect(page.locator("main form, main button")).to_have_count(0)
    hrefs = page.locator("main a").evaluate_all("links => links.map(a => a.pathname)")
    assert not [href for href in hrefs if href.startswith("/leads/")], hrefs
    assert f"/usage/instances/{granted.pk}/" in hrefs


def test_the_cards_stack_on_a_375px_screen_and_nothing_overflows(open_page):
    UserFactory(username="ada", role=Role.ADMIN)
    ada = UserFactory(username="ada2", first_name="Ada", role=Role.ADMIN)
    first = make_instance("A rather long instance name for narrow screens, indeed")
    second = make_instance("Second", client_id="second")
    AlertRule.objects.create(instance=first, kind=RuleKind.QUOTA, threshold=10)
    UsageDay.objects.create(instance=first, date=today(), api_user=OTHER_INTEGRATION, calls=48_123)
    UsageSync.objects.create(
        instance=first, kind="today", status="succeeded", finished_at=timezone.now()
    )
    AssetSync.objects.create(instance=first, status="failed", error="601")
    ConnectionTest.objects.create(instance=second, status="limited")
    _lookup(first, ada)

    page = open_page(viewport=NARROW)
    sign_in(page, "ada")
    cards = page.get_by_test_id("instance-card")
    expect(cards).to_have_count(2)
    expect(cards.first.get_by_test_id("usage-alert")).to_contain_text("Usage alert")
    top, below = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
    assert below["y"] >= top["y"] + top["height"]  # one above the other
    assert below["x"] == top["x"]
    assert_no_sideways_scroll(page)


def test_the_instance_list_shows_todays_calls_syncs_tests_and_jobs(page):
    otto = UserFactory(username="otto", role=Role.OPERATOR)
    alpha = make_instance("Alpha")
    beta = make_instance("Beta", client_id="beta")
    for instance in (alpha, beta):
        InstanceGrant.objects.create(instance=instance, user=otto, role="operator")
    UsageDay.objects.create(instance=alpha, date=today(), api_user=OTHER_INTEGRATION, calls=12_345)
    AssetSync.objects.create(instance=alpha, status="succeeded")
    ConnectionTest.objects.create(instance=alpha, status="ok")
    lookup = _lookup(beta, otto)

    sign_in(page, "otto")
    page.goto("/instances/")
    table = page.get_by_test_id("instance-table")
    for header in ["Calls today / quota", "Last asset sync", "Last connection test", "Jobs"]:
        expect(table.get_by_role("columnheader", name=header)).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows.nth(0).get_by_test_id("calls-today")).to_contain_text("12,345 / 50,000")
    expect(rows.nth(0).get_by_test_id("last-sync")).to_contain_text("succeeded")
    expect(rows.nth(0).get_by_test_id("last-test")).to_contain_text("connected")
    expect(rows.nth(0).get_by_test_id("jobs-cell")).to_contain_text("none running")
    expect(rows.nth(1).get_by_test_id("last-sync")).to_contain_text("never synced")
    expect(rows.nth(1).get_by_test_id("last-test")).to_contain_text("never tested")
    expect(rows.nth(1).get_by_role("link", name="Lead lookup of 1,200 values")).to_have_attribute(
        "href", f"/leads/lookups/{lookup.pk}/"
    )


@pytest.mark.parametrize("path", ["/", "/instances/"])
def test_the_home_page_and_instance_list_fit_375px_with_jobs_and_alerts(open_page, path):
    UserFactory(username="ada", role=Role.ADMIN)
    instance = make_instance("Another long name of an instance for phones")
    UsageDay.objects.create(instance=instance, date=today(), api_user="x@y", calls=45_000)
    AssetSync.objects.create(instance=instance, status="paused", error="Marketo is busy")
    page = open_page(viewport=NARROW)
    sign_in(page, "ada")
    page.goto(path)
    shown = page.locator("[data-testid=instance-card], [data-testid=instance-table]")
    expect(shown).to_contain_text("Another long name of an instance for phones")
    assert_no_sideways_scroll(page)
