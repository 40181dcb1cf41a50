import pytest
from playwright.sync_api import expect

from apps.audit.services import audit_record
from apps.core.permissions import Role
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, sign_in
from tests.factories import UserFactory

MENU = ["Leads", "Assets", "Usage", "Alerts", "Instances", "Audit"]


def test_an_admin_signs_in_and_opens_every_menu_item(page):
    UserFactory(username="ada", role=Role.ADMIN)
    sign_in(page, "ada")
    expect(page.get_by_role("heading", name="Welcome, ada")).to_be_visible()
    for label in MENU:
        page.locator("#menu").get_by_role("link", name=label, exact=True).click()
        expect(page.locator("h1")).to_contain_text("Audit trail" if label == "Audit" else label)
        link = page.locator("#menu").get_by_role("link", name=label, exact=True)
        expect(link).to_have_attribute("aria-current", "page")


def test_a_wrong_password_is_told_plainly(page):
    UserFactory(username="ada", role=Role.ADMIN)
    sign_in(page, "ada", password="not it")
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username")
    assert page.url.endswith("/accounts/login/")


def test_a_viewer_sees_only_their_sections_and_gets_the_403_page_on_the_audit_trail(page):
    UserFactory(username="vera", role=Role.VIEWER)
    sign_in(page, "vera")
    labels = page.locator("#menu > li > a").all_inner_texts()
    shown = [label for label in labels if label in MENU]
    assert shown == ["Assets", "Usage", "Alerts", "Instances"]
    response = page.goto("/audit/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Your role does not allow this")


def test_the_audit_trail_filters_without_a_reload(page):
    ada = UserFactory(username="ada", role=Role.ADMIN)
    otto = UserFactory(username="otto", role=Role.OPERATOR)
    audit_record(action="lead.lookup", actor=otto, details={"field": "email"})
    audit_record(action="asset.approve", actor=otto)
    audit_record(action="instance.create", actor=ada)
    sign_in(page, "ada")
    page.goto("/audit/")
    page.get_by_label("Actor (user name)").fill("otto")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#event-table")).to_contain_text("2 events")
    expect(page).to_have_url("/audit/?actor=otto&action=&instance=&since=&until=")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/leads/",
        "/assets/",
        "/usage/",
        "/alerts/",
        "/instances/",
        "/audit/",
        "/accounts/profile/",
        "/nowhere/",
    ],
)
def test_no_page_scrolls_sideways_on_a_375px_screen(open_page, path):
    ada = UserFactory(username="ada", role=Role.ADMIN)
    audit_record(  # long values must wrap or scroll inside their table, not widen the page
        action="instance.credentials_change",
        actor=ada,
        target_type="instance",
        target_id="a-very-long-identifier-" * 4,
        details={"fields": ["client_id", "client_secret", "rest_url", "identity_url"] * 3},
    )
    page = open_page(viewport=NARROW)
    sign_in(page, "ada")
    page.goto(path)
    assert_no_sideways_scroll(page)


def test_the_narrow_menu_folds_behind_a_button(open_page):
    UserFactory(username="ada", role=Role.ADMIN)
    page = open_page(viewport=NARROW)
    sign_in(page, "ada")
    menu = page.locator("#menu")
    expect(menu).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(menu).to_be_visible()
    menu.get_by_role("link", name="Usage").click()
    expect(page.locator("h1")).to_contain_text("Usage")


def test_the_login_page_works_on_a_narrow_screen(open_page):
    page = open_page(viewport=NARROW)
    page.goto("/accounts/login/")
    assert_no_sideways_scroll(page)


def test_a_new_api_token_is_shown_once(page):
    UserFactory(username="otto", role=Role.OPERATOR)
    sign_in(page, "otto")
    page.goto("/accounts/profile/")
    page.get_by_label("Name of a new token").fill("BI export")
    page.get_by_role("button", name="Create token").click()
    key = page.get_by_test_id("new-token-key").inner_text()
    assert key.startswith("mka_")
    page.goto("/accounts/profile/")
    expect(page.get_by_test_id("new-token-key")).to_have_count(0)
    expect(page.locator("#api-tokens table")).to_contain_text("BI export")
    page.get_by_role("button", name="Revoke").click()
    expect(page.locator("#api-tokens table")).to_contain_text("revoked")


def test_the_api_docs_load(page):
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .title").first).to_contain_text("marketo-admin API")
