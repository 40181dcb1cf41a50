"""Finding a person in every instance at once: each instance's answer appears as it arrives,
and one that does not answer is named without holding the others up."""

import pytest
from playwright.sync_api import expect

from apps.audit.context import AuditContext
from apps.core.permissions import Role
from apps.instances.services import grant_set
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, sign_in
from tests.factories import UserFactory, make_instance
from tests.leads.conftest import sandbox_emails, sandbox_instance_for
from tests.processes import free_port


@pytest.fixture
def otto(role_groups):
    return UserFactory(username="otto", role=Role.OPERATOR)


def test_a_person_is_found_in_every_instance_at_375_px(open_page, sandbox, otto):
    sandbox_instance_for(sandbox, otto, name="EMEA")
    port = free_port()  # nothing listens there: every connection is refused
    apac = make_instance(
        "APAC",
        rest_url=f"http://127.0.0.1:{port}/rest",
        identity_url=f"http://127.0.0.1:{port}/identity",
    )
    grant_set(instance=apac, user=otto, role="operator", actor=None, audit=AuditContext.system())
    email = sandbox_emails(sandbox, 1)[0]
    page = open_page(viewport=NARROW)
    sign_in(page, "otto")
    page.goto("/leads/")

    page.get_by_role("searchbox", name="Email address").fill(email)
    page.get_by_role("button", name="Find", exact=True).click()

    emea = page.get_by_role("region", name="EMEA")
    expect(emea.get_by_role("link", name="100001")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("region", name="APAC")).to_contain_text(
        "APAC did not answer", timeout=30_000
    )
    assert_no_sideways_scroll(page)
