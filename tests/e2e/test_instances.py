import pytest
from playwright.sync_api import expect

from apps.audit.context import AuditContext
from apps.core.permissions import Role
from apps.instances.services import grant_set
from apps.sandbox.roles import EVERY_PERMISSION
from tests.conftest import needs_shared_services
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, screenshot, sign_in
from tests.factories import UserFactory, make_instance


def _fill_instance_form(page, *, name, rest_url, identity_url, client_id, secret):
    page.get_by_label("Name").fill(name)
    page.get_by_label("Munchkin id").fill("123-abc-456")
    page.get_by_label("Client id").fill(client_id)
    page.get_by_label("Client secret").fill(secret)
    page.get_by_text("Other addresses").click()
    page.get_by_label("REST base URL").fill(rest_url)
    page.get_by_label("Identity URL").fill(identity_url)


def test_a_bad_form_keeps_what_was_typed_but_never_the_secret(page):
    UserFactory(username="ada", role=Role.ADMIN)
    sign_in(page, "ada")
    page.goto("/instances/new/")
    _fill_instance_form(
        page,
        name="Production",
        rest_url="http://marketo.example.com/rest",
        identity_url="",
        client_id="abc",
        secret="typed-secret-value",
    )
    page.get_by_role("button", name="Add instance").click()
    expect(page.locator(".field-error").first).to_contain_text("Use an https:// URL")
    expect(page.get_by_label("Name")).to_have_value("Production")
    expect(page.get_by_label("Client secret")).to_have_value("")
    assert "typed-secret-value" not in page.content()


def test_an_operator_switches_between_granted_instances(page):
    otto = UserFactory(username="otto", role=Role.OPERATOR)
    for name, munchkin in [("Alpha", "111-AAA-111"), ("Beta", "222-BBB-222")]:
        grant_set(
            instance=make_instance(name, munchkin_id=munchkin),
            user=otto,
            role="operator",
            actor=None,
            audit=AuditContext.system(),
        )
    make_instance("Hidden", munchkin_id="333-CCC-333")
    sign_in(page, "otto")
    page.goto("/instances/")
    switcher = page.get_by_label("Instance")
    assert switcher.locator("option").all_inner_texts() == ["Alpha", "Beta"]
    switcher.select_option(label="Beta")
    page.wait_for_url("**/instances/")
    expect(page.get_by_label("Instance").locator("option:checked")).to_have_text("Beta")
    otto.profile.refresh_from_db()
    assert (
        otto.profile.last_instance_id == otto.instance_grants.get(instance__name="Beta").instance_id
    )


@pytest.mark.parametrize(
    "path", ["/instances/", "/instances/new/", "/instances/{pk}/", "/instances/{pk}/edit/"]
)
def test_instance_pages_fit_a_375px_screen(open_page, path):
    UserFactory(username="ada", role=Role.ADMIN)
    instance = make_instance("A rather long instance name for narrow screens", notes="EMEA " * 40)
    page = open_page(viewport=NARROW)
    sign_in(page, "ada")
    page.goto(path.format(pk=instance.pk))
    assert_no_sideways_scroll(page)


@needs_shared_services
def test_an_admin_adds_an_instance_and_sees_the_connection_test_result_appear(
    page, sandbox, celery_worker_process
):
    UserFactory(username="ada", role=Role.ADMIN)
    sign_in(page, "ada")
    page.goto("/instances/new/")
    _fill_instance_form(
        page,
        name="Sandbox",
        rest_url=sandbox.rest_url,
        identity_url=sandbox.identity_url,
        client_id=sandbox.client_id,
        secret=sandbox.client_secret,
    )
    page.get_by_role("button", name="Add instance").click()
    expect(page.get_by_role("heading", name="Sandbox", exact=True)).to_be_visible()
    expect(page.locator("main")).to_contain_text("set, ends in …" + sandbox.client_secret[-4:])
    url_before = page.url
    page.get_by_role("button", name="Test connection").click()
    result = page.locator("#connection-test")
    expect(result).to_contain_text("connected", timeout=20_000)
    expect(result).to_contain_text("api@sandbox.example")
    expect(result.locator("tbody tr")).to_have_count(4)
    expect(result.get_by_role("row", name="Read activities")).to_contain_text("ok")
    assert page.url == url_before  # no reload: htmx swapped the panel in
    screenshot(page, "instance")
    page.goto("/instances/")
    expect(page.locator("tbody")).to_contain_text("connected")
    assert sandbox.stats()["query_token_calls"] == 0


@needs_shared_services
def test_the_instance_page_tells_the_admin_which_permission_to_add_for_activities(
    page, sandbox, celery_worker_process
):
    UserFactory(username="ada", role=Role.ADMIN)
    instance = make_instance(
        "Sandbox",
        client_id=sandbox.client_id,
        secret=sandbox.client_secret,
        rest_url=sandbox.rest_url,
        identity_url=sandbox.identity_url,
    )
    sandbox.set_role(
        sandbox.client_id, sorted(EVERY_PERMISSION - {"Read-Only Activity", "Read-Write Activity"})
    )
    sign_in(page, "ada")
    page.goto(f"/instances/{instance.pk}/")
    page.get_by_role("button", name="Test connection").click()
    result = page.locator("#connection-test")
    expect(result).to_contain_text("permissions missing", timeout=20_000)
    row = result.get_by_role("row", name="Read activities")
    expect(row).to_contain_text("missing")
    expect(row).to_contain_text(
        "Add “Read-Only Activity” to the API user's role in Marketo (Admin > Users & Roles)."
    )
    expect(result.get_by_role("row", name="Read leads")).to_contain_text("ok")
