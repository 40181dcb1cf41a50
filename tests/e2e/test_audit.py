"""The audit trail as an admin reads it: actions in words, targets linked to their pages,
instances chosen by name."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from apps.audit.services import audit_record
from apps.core.permissions import Role
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, sign_in
from tests.factories import UserFactory, make_instance


def _trail():
    ada = UserFactory(username="ada", role=Role.ADMIN)
    otto = UserFactory(username="otto", role=Role.OPERATOR)
    production = make_instance("Production")
    staging = make_instance("Staging", munchkin_id="222-BBB-222")
    audit_record(
        action="leads.view", actor=otto, instance=production, target_type="lead", target_id=100500
    )
    audit_record(
        action="assets.approve",
        actor=otto,
        instance=staging,
        target_type="email",
        target_id=1042,
        details={"name": "Welcome email", "outcome": "succeeded"},
    )
    audit_record(
        action="instance.grant",
        actor=ada,
        instance=production,
        target_type="user",
        target_id=otto.pk,
        details={"user": "otto", "role": "operator"},
    )
    return ada, otto, production, staging


@pytest.mark.parametrize("viewport", [None, NARROW], ids=["wide", "narrow"])
def test_the_audit_trail_reads_as_words_with_links_to_each_target(open_page, viewport):
    _, otto, production, staging = _trail()
    page = open_page(viewport=viewport)
    sign_in(page, "ada")
    page.goto("/audit/")
    table = page.locator("#event-table")
    expect(table).to_contain_text("Viewed a lead")
    expect(table).to_contain_text("Approved an asset")
    expect(table).to_contain_text("Gave a user access to an instance")
    expect(table).not_to_contain_text("leads.view")
    lead_row = table.locator("tr", has_text="Viewed a lead")
    expect(lead_row.get_by_role("link", name="Lead")).to_have_attribute(
        "href", reverse("lead_detail", args=[production.pk, 100500])
    )
    asset_row = table.locator("tr", has_text="Approved an asset")
    expect(asset_row.get_by_role("link", name="Welcome email")).to_have_attribute(
        "href", reverse("assets_detail", args=[staging.pk, "email", 1042])
    )
    expect(asset_row).to_contain_text("id 1042")
    if viewport:
        assert_no_sideways_scroll(page)

    grant_row = table.locator("tr", has_text="Gave a user access")
    grant_row.locator("td.audit-target").get_by_role("link", name="otto").click()
    expect(page).to_have_url(reverse("user_detail", args=[otto.pk]))
    page.go_back()
    page.locator("#event-table tr", has_text="Viewed a lead").get_by_role(
        "link", name="Production"
    ).click()
    expect(page).to_have_url(reverse("instance_detail", args=[production.pk]))
    expect(page.locator("h1")).to_contain_text("Production")


def test_the_instance_filter_is_a_list_of_names(page):
    _trail()
    sign_in(page, "ada")
    page.goto("/audit/")
    select = page.locator("#id_instance")
    assert select.locator("option").all_inner_texts() == ["Any instance", "Production", "Staging"]
    select.select_option(label="Staging")
    table = page.locator("#event-table")
    expect(table).to_contain_text("2 events")  # its creation, then the approval
    expect(table).to_contain_text("Added an instance")
    expect(table).to_contain_text("Approved an asset")
    expect(table).not_to_contain_text("Viewed a lead")
