import re

import pytest
from playwright.sync_api import expect

from apps.audit.context import AuditContext
from apps.core.permissions import Role
from apps.instances.models import MarketoInstance
from apps.instances.services import grant_set
from apps.sandbox.roles import EVERY_PERMISSION
from tests.conftest import needs_shared_services
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, sign_in
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
    expect(result.locator("tbody tr")).to_have_count(5)
    expect(result.get_by_role("row", name="Read activities")).to_contain_text("ok")
    expect(result.get_by_role("row", name="Read users")).to_contain_text("ok")
    assert page.url == url_before  # no reload: htmx swapped the panel in
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


@needs_shared_services
def test_the_instance_page_names_both_permissions_reading_users_needs(
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
    sandbox.set_role(sandbox.client_id, sorted(EVERY_PERMISSION - {"Access Users"}))
    sign_in(page, "ada")
    page.goto(f"/instances/{instance.pk}/")
    page.get_by_role("button", name="Test connection").click()
    result = page.locator("#connection-test")
    expect(result).to_contain_text("permissions missing", timeout=20_000)
    row = result.get_by_role("row", name="Read users")
    expect(row).to_contain_text("missing")
    expect(row).to_contain_text(
        "Add “Access User Management Api” and “Access Users” to the API user's role in Marketo"
    )
    expect(result.get_by_role("row", name="Read leads")).to_contain_text("ok")


# --- the instance form and page (issue 15, item 5) ------------------------------------------

LIMIT_FIELDS = ["calls_per_20s", "concurrent_calls", "daily_quota", "quota_share_percent"]


def _box(page, selector):
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not on the page"
    return box


def test_the_limits_section_lays_out_each_field_as_its_label_input_and_help(page):
    UserFactory(username="ada", role=Role.ADMIN)
    page.set_viewport_size({"width": 1200, "height": 900})
    sign_in(page, "ada")
    page.goto("/instances/new/")
    for name in LIMIT_FIELDS:
        label = _box(page, f"label[for=id_{name}]")
        field = _box(page, f"#id_{name}")
        help_text = _box(page, f"#id_{name}_helptext")
        # The label sits above its input and the help under it, in one column of one cell.
        assert label["y"] + label["height"] <= field["y"] + 1, name
        assert help_text["y"] >= field["y"] + field["height"] - 1, name
        assert abs(label["x"] - field["x"]) <= 1 and abs(help_text["x"] - field["x"]) <= 1, name
    # Two fields a row: the second field's input is beside the first's, not under it.
    first, second = _box(page, "#id_calls_per_20s"), _box(page, "#id_concurrent_calls")
    assert abs(first["y"] - second["y"]) <= 1 and second["x"] > first["x"] + first["width"]


def test_a_munchkin_id_with_a_digit_too_many_is_refused_with_the_reason_not_cut_short(page):
    UserFactory(username="ada", role=Role.ADMIN)
    sign_in(page, "ada")
    page.goto("/instances/new/")
    page.get_by_label("Name").fill("Production")
    page.get_by_label("Munchkin id").fill("123-ABC-4567")
    page.get_by_label("Client id").fill("abc")
    page.get_by_label("Client secret").fill("typed-secret-value")
    expect(page.get_by_label("Munchkin id")).to_have_value("123-ABC-4567")
    page.get_by_role("button", name="Add instance").click()
    expect(page.locator("#id_munchkin_id_error")).to_contain_text(
        "Its last part has 4 digits, not 3."
    )
    expect(page.get_by_label("Munchkin id")).to_have_value("123-ABC-4567")
    assert not MarketoInstance.objects.exists()


def test_the_same_launchpoint_service_twice_is_refused_and_a_second_service_is_warned_about(page):
    UserFactory(username="ada", role=Role.ADMIN)
    make_instance("Production", munchkin_id="123-ABC-456", client_id="service-one")
    sign_in(page, "ada")
    page.goto("/instances/new/")
    page.get_by_label("Name").fill("Production again")
    page.get_by_label("Munchkin id").fill("123-abc-456")
    page.get_by_label("Client id").fill("service-one")
    page.get_by_label("Client secret").fill("typed-secret-value")
    page.get_by_role("button", name="Add instance").click()
    expect(page.locator("#id_client_id_error")).to_contain_text(
        "“Production” already uses this LaunchPoint service"
    )
    assert MarketoInstance.objects.count() == 1
    page.get_by_label("Client id").fill("service-two")
    page.get_by_label("Client secret").fill("typed-secret-value")
    page.get_by_role("button", name="Add instance").click()
    expect(page.get_by_role("heading", name="Production again", exact=True)).to_be_visible()
    expect(page.locator(".flash-warning")).to_contain_text(
        "“Production” also uses the Marketo instance 123-ABC-456"
    )


def test_adding_an_instance_makes_it_current_and_says_so(page):
    UserFactory(username="ada", role=Role.ADMIN)
    make_instance("Beta", munchkin_id="222-BBB-222")
    sign_in(page, "ada")
    page.goto("/instances/")
    expect(page.get_by_label("Instance").locator("option:checked")).to_have_text("Beta")
    page.goto("/instances/new/")
    page.get_by_label("Name").fill("Gamma")
    page.get_by_label("Munchkin id").fill("333-CCC-333")
    page.get_by_label("Client id").fill("gamma")
    page.get_by_label("Client secret").fill("typed-secret-value")
    page.get_by_role("button", name="Add instance").click()
    expect(page.locator(".flash")).to_contain_text("Gamma is now your current instance.")
    expect(page.get_by_label("Instance").locator("option:checked")).to_have_text("Gamma")


def test_an_instance_added_by_someone_else_does_not_switch_the_current_one(page):
    UserFactory(username="ada", role=Role.ADMIN)
    make_instance("Beta", munchkin_id="222-BBB-222")
    sign_in(page, "ada")
    page.goto("/instances/")
    expect(page.get_by_label("Instance").locator("option:checked")).to_have_text("Beta")
    make_instance("Alpha", munchkin_id="111-AAA-111")  # another admin, alphabetically first
    page.reload()
    expect(page.get_by_label("Instance").locator("option:checked")).to_have_text("Beta")


def test_the_grant_form_lists_only_users_without_access(page):
    UserFactory(username="ada", role=Role.ADMIN)
    otto = UserFactory(username="otto", role=Role.OPERATOR)
    UserFactory(username="vera", role=Role.VIEWER)
    instance = make_instance("Production")
    grant_set(
        instance=instance, user=otto, role="operator", actor=None, audit=AuditContext.system()
    )
    sign_in(page, "ada")
    page.goto(f"/instances/{instance.pk}/")
    options = page.locator("#grants select[name=user] option").all_inner_texts()
    assert [o for o in options if not o.startswith("-")] == ["vera"]
    page.locator("#grants select[name=user]").select_option(label="vera")
    page.get_by_role("button", name="Grant access").click()
    expect(page.locator("#grants tbody")).to_contain_text("vera")
    expect(page.locator("#grant-none-left")).to_contain_text("Every active operator and viewer")


@needs_shared_services
def test_a_connection_test_fills_in_the_api_user_row_and_gives_the_token_life_in_minutes(
    page, sandbox, celery_worker_process
):
    UserFactory(username="ada", role=Role.ADMIN)
    instance = make_instance(
        "Sandbox",
        munchkin_id="123-ABC-456",
        rest_url=sandbox.rest_url,
        identity_url=sandbox.identity_url,
        client_id=sandbox.client_id,
        secret=sandbox.client_secret,
    )
    sign_in(page, "ada")
    page.goto(f"/instances/{instance.pk}/")
    api_user_row = page.locator("#instance-api-user")
    expect(api_user_row).to_have_text("learned from the first connection test")
    url_before = page.url
    page.get_by_role("button", name="Test connection").click()
    result = page.locator("#connection-test")
    expect(result).to_contain_text("connected", timeout=20_000)
    expect(api_user_row).to_have_text("api@sandbox.example")
    lifetime = result.locator("dt:has-text('Token lifetime left') + dd")
    expect(lifetime).to_have_text(re.compile(r"^(59|60) min$"))
    assert page.url == url_before  # no reload
