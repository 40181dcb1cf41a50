"""The lead detail page speaks the marketer's language: the person's name, programs and lists
by name (linked to their page here), every time in the viewer's zone; a lead that does not
exist is said to be missing, plainly."""

import re

import pytest
from playwright.sync_api import expect

from apps.assets.models import AssetType, MirroredAsset
from apps.core.permissions import Role
from apps.leads.detail import lead_memberships
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, sign_in
from tests.factories import UserFactory
from tests.leads.conftest import sandbox_instance_for

LEAD = 100001


@pytest.fixture
def otto_in_paris(sandbox, role_groups):
    otto = UserFactory(username="otto", role=Role.OPERATOR, time_zone="Europe/Paris")
    return otto, sandbox_instance_for(sandbox, otto)


def test_the_lead_is_named_and_its_programs_are_named_and_linked_in_the_viewers_zone(
    open_page, sandbox, otto_in_paris
):
    otto, instance = otto_in_paris
    marketo = lead_memberships(instance=instance, user=otto, lead_id=LEAD)
    program, missing = marketo["programs"][0]["id"], marketo["programs"][1]["id"]
    MirroredAsset.objects.create(
        instance=instance, asset_type=AssetType.PROGRAM, marketo_id=program, name="Spring Webinar"
    )
    MirroredAsset.objects.create(
        instance=instance,
        asset_type=AssetType.STATIC_LIST,
        marketo_id=marketo["lists"][0]["listId"],
        name="Newsletter subscribers",
    )
    person = sandbox.instance.leads.render(0, ["firstName", "lastName"])
    name = f"{person['firstName']} {person['lastName']}"
    page = open_page(viewport=NARROW)
    sign_in(page, "otto")
    page.goto(f"/leads/{instance.pk}/lead/{LEAD}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(name, timeout=15_000)
    expect(page).to_have_title(f"{name} · marketo-admin")
    memberships = page.locator("#lead-memberships")
    link = memberships.get_by_role("link", name="Spring Webinar")
    expect(link).to_have_attribute("href", f"/assets/{instance.pk}/asset/program/{program}/")
    expect(memberships).to_contain_text(f"id {program}")
    expect(memberships).to_contain_text(f"Program {missing} (not in the mirror yet)")
    expect(memberships.get_by_role("link", name="Newsletter subscribers")).to_be_visible()
    expect(page.locator("#lead-activities")).not_to_contain_text("Loading", timeout=15_000)
    expect(page.locator("#lead-fields .lead-field", has_text="Created At")).to_contain_text(
        re.compile(r"\d{4}, \d\d:\d\d CES?T")
    )
    # Every moment on the page is Paris time with its zone (never Marketo's UTC text).
    moments = page.locator("#lead-detail time")
    assert moments.count() > 3
    for text in moments.all_inner_texts():
        assert re.search(r"CES?T$", text), text
    expect(page.locator("#lead-detail")).not_to_contain_text(re.compile(r"\d\dT\d\d:\d\d:\d\dZ"))
    assert_no_sideways_scroll(page)
    link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Spring Webinar")
    page.wait_for_load_state("networkidle")


def test_a_lead_that_does_not_exist_is_said_to_be_missing_without_empty_sections(
    open_page, sandbox, otto_in_paris
):
    _, instance = otto_in_paris
    page = open_page(viewport=NARROW)
    sign_in(page, "otto")
    page.goto(f"/leads/{instance.pk}/lead/999999/")
    message = "No lead 999999 in Sandbox. It may have been deleted or merged."
    expect(page.locator("main")).to_contain_text(message, timeout=15_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("No lead 999999")
    expect(page).to_have_title("No lead 999999 · marketo-admin")
    for section in ("#lead-fields", "#lead-activity-section", "#lead-memberships"):
        expect(page.locator(section)).to_have_count(0)
    page.wait_for_load_state("networkidle")  # the sections' requests, answered into nothing
    expect(page.locator("main")).to_contain_text(message)
    response = page.reload()
    assert response is not None and response.status == 404
    expect(page.locator("main")).to_contain_text(message)
    expect(page.locator("#lead-memberships")).to_have_count(0)
    assert_no_sideways_scroll(page)
