"""The Leads page with Marketo answering, and with it unreachable: the page comes first, the
field list after it, and an instance that does not answer is named in a clear message."""

import pytest
from playwright.sync_api import expect

from apps.audit.context import AuditContext
from apps.core.permissions import Role
from apps.instances.services import grant_set
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, sign_in
from tests.factories import UserFactory, make_instance
from tests.leads.conftest import sandbox_instance_for
from tests.processes import free_port


@pytest.fixture
def otto(role_groups):
    return UserFactory(username="otto", role=Role.OPERATOR)


def test_the_field_list_arrives_after_the_page(open_page, sandbox, otto):
    sandbox_instance_for(sandbox, otto)
    page = open_page(viewport=NARROW)
    sign_in(page, "otto")
    page.goto("/leads/")
    for menu in ("#search-field", "#batch-field"):
        expect(page.locator(f"{menu} option[value=customerTier]")).to_have_count(1, timeout=15_000)
    expect(page.locator("#field-list-status")).not_to_contain_text("Reading")
    page.locator("#search-field").select_option("customerTier")
    assert_no_sideways_scroll(page)
    # A refresh answers at once with the fields it has, and reads them again after.
    page.get_by_role("button", name="Refresh the field list").click()
    expect(page.locator("#search-field option[value=customerTier]")).to_have_count(1)
    expect(page.locator("#field-list-status")).to_contain_text(
        "Searchable fields read again from Sandbox", timeout=15_000
    )


def test_an_unreachable_instance_is_named_and_email_still_works(open_page, otto):
    port = free_port()  # nothing listens there: every connection is refused
    instance = make_instance(
        "Unreachable",
        rest_url=f"http://127.0.0.1:{port}/rest",
        identity_url=f"http://127.0.0.1:{port}/identity",
    )
    grant_set(
        instance=instance, user=otto, role="operator", actor=None, audit=AuditContext.system()
    )
    page = open_page(viewport=NARROW)
    sign_in(page, "otto")
    page.goto("/leads/")
    expect(page.get_by_role("heading", name="Look up one lead")).to_be_visible()
    status = page.locator("#field-list-status")
    expect(status).to_contain_text("Reading the searchable fields from Unreachable")
    expect(status).to_contain_text(
        "Unreachable did not answer, so only email is offered to look up by for now",
        timeout=30_000,
    )
    expect(page.locator("#search-field option")).to_have_text(["Email Address"])
    assert_no_sideways_scroll(page)


def test_a_slow_instance_is_named_after_the_wait_and_its_late_fields_still_arrive(
    open_page, sandbox, otto, monkeypatch
):
    monkeypatch.setattr("apps.leads.views.FIELD_LIST_WAIT_SECONDS", 1)
    sandbox_instance_for(sandbox, otto)
    sandbox.script_fault(path="describe2", hang=4, times=1)
    page = open_page()
    sign_in(page, "otto")
    page.goto("/leads/")
    status = page.locator("#field-list-status")
    # The page stops waiting without aborting the request (so no error in the console)...
    expect(status).to_contain_text("Sandbox did not answer", timeout=3_000)
    # ...and the late answer still brings the fields.
    expect(page.locator("#search-field option[value=customerTier]")).to_have_count(
        1, timeout=15_000
    )
    expect(status).not_to_contain_text("did not answer")
