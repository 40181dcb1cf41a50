"""The profile page: a searchable time-zone list, the browser's zone taken at the first
sign-in, and a Copy button for a new API token."""

import pytest
from playwright.sync_api import expect

from apps.accounts.models import Profile
from apps.core.permissions import Role
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, sign_in
from tests.factories import UserFactory

VIEWPORTS = pytest.mark.parametrize("viewport", [None, NARROW], ids=["wide", "narrow"])


def _zone(username):
    profile = Profile.objects.get(user__username=username)
    return profile.time_zone, profile.time_zone_source


@VIEWPORTS
def test_the_zone_search_finds_paris_and_saving_chooses_it(open_page, viewport):
    UserFactory(username="otto", role=Role.OPERATOR)
    page = open_page(viewport=viewport, timezone_id="UTC")
    sign_in(page, "otto")
    page.goto("/accounts/profile/")
    select = page.locator("#id_time_zone")
    expect(select.locator("optgroup").first).to_have_attribute("label", "Common")
    page.get_by_label("Find a time zone").fill("paris")
    expect(page.locator("[data-zone-search-status]")).to_have_text("1 zone matches.")
    expect(select).to_have_value("Europe/Paris")
    assert select.locator("option").all_inner_texts()[0].endswith(") Europe/Paris")
    assert select.locator("option").all_inner_texts()[0].startswith("(UTC+0")
    page.get_by_label("Find a time zone").fill("new york")
    expect(select).to_have_value("America/New_York")
    page.get_by_label("Find a time zone").fill("paris")
    if viewport:
        assert_no_sideways_scroll(page)
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status").first).to_contain_text("Your settings are saved")
    assert _zone("otto") == ("Europe/Paris", "chosen")


def test_the_first_sign_in_takes_the_browsers_zone(open_page):
    UserFactory(username="otto", role=Role.OPERATOR)
    page = open_page(timezone_id="Europe/Paris")
    sign_in(page, "otto")
    assert _zone("otto") == ("Europe/Paris", "browser")
    page.goto("/accounts/profile/")
    expect(page.locator("#id_time_zone")).to_have_value("Europe/Paris")
    expect(page.locator("main")).to_contain_text("taken from your browser")


def test_a_chosen_zone_is_kept_at_the_next_sign_in(open_page):
    otto = UserFactory(username="otto", role=Role.OPERATOR)
    Profile.objects.filter(user=otto).update(time_zone="America/Chicago", time_zone_source="chosen")
    page = open_page(timezone_id="Europe/Paris")
    sign_in(page, "otto")
    assert _zone("otto") == ("America/Chicago", "chosen")


def _new_token(page):
    page.goto("/accounts/profile/")
    page.get_by_label("Name of a new token").fill("BI export")
    page.get_by_role("button", name="Create token").click()
    return page.get_by_test_id("new-token-key").inner_text().strip()


@VIEWPORTS
def test_the_copy_button_puts_the_new_key_on_the_clipboard(open_page, viewport):
    UserFactory(username="otto", role=Role.OPERATOR)
    page = open_page(viewport=viewport, permissions=["clipboard-read", "clipboard-write"])
    sign_in(page, "otto")
    key = _new_token(page)
    assert key.startswith("mka_")
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    expect(page.locator("[data-copy-status]")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == key
    if viewport:
        assert_no_sideways_scroll(page)


def test_without_the_clipboard_api_the_key_is_selected(open_page):
    UserFactory(username="otto", role=Role.OPERATOR)
    page = open_page()
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    sign_in(page, "otto")
    key = _new_token(page)
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("[data-copy-status]")).to_contain_text("press Ctrl+C")
    assert page.evaluate("window.getSelection().toString()").strip() == key
