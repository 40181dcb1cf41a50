"""The users pages (issue 15, item 6): admins add users, change roles and grants, and
deactivate users, without the Django admin."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from apps.audit.models import AuditEvent
from apps.core.permissions import Role, user_role
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, sign_in
from tests.factories import PASSWORD, UserFactory, make_instance

NEW_PASSWORD = "a long new password 4 vera"


def _user(username):
    return get_user_model().objects.get(username=username)


def test_an_admin_adds_a_user_with_a_password_and_they_can_sign_in(open_page):
    UserFactory(username="ada", role=Role.ADMIN, first_name="Ada", last_name="Lovelace")
    page = open_page()
    sign_in(page, "ada")
    page.get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("button", name="Add user").click()
    page.get_by_label("User name").fill("vera")
    page.get_by_label("First name").fill("Vera")
    page.get_by_label("E-mail", exact=True).fill("vera@example.com")
    page.get_by_label("Role").select_option(label="Viewer")
    page.get_by_label("Set a password now").check()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Add user").click()
    expect(page.locator(".flash")).to_contain_text("vera is added")
    vera = _user("vera")
    assert user_role(vera) == Role.VIEWER and not vera.is_staff and not vera.is_superuser
    assert AuditEvent.objects.filter(action="user.create", target_id=str(vera.pk)).exists()
    other = open_page()
    sign_in(other, "vera", NEW_PASSWORD)
    expect(other.locator("main")).not_to_contain_text("Sign in")


def test_an_admin_invites_a_user_by_email_link(open_page, settings, mailoutbox):
    settings.EMAIL_HOST = "smtp.example.com"  # what EMAIL_URL sets; the test backend keeps it
    UserFactory(username="ada", role=Role.ADMIN)
    page = open_page()
    sign_in(page, "ada")
    page.goto("/users/new/")
    page.get_by_label("User name").fill("otto")
    page.get_by_label("E-mail", exact=True).fill("otto@example.com")
    page.get_by_label("Role").select_option(label="Operator")
    page.get_by_label("E-mail them a link").check()
    page.get_by_role("button", name="Add user").click()
    expect(page.locator(".flash")).to_contain_text("A link to set a password is e-mailed to otto")
    assert not _user("otto").has_usable_password()
    (mail,) = mailoutbox
    assert mail.to == ["otto@example.com"]
    link = next(line for line in mail.body.splitlines() if "/accounts/password/set/" in line)
    invited = open_page()
    invited.goto(link.strip())
    invited.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    invited.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    invited.get_by_role("button", name="Set password").click()
    expect(invited.locator(".flash")).to_contain_text("Your password is set")
    sign_in(invited, "otto", NEW_PASSWORD)
    expect(invited.get_by_role("link", name="Leads", exact=True)).to_be_visible()


def test_an_admin_changes_a_role_grants_instances_and_deactivates_a_user(page):
    UserFactory(username="ada", role=Role.ADMIN)
    vera = UserFactory(username="vera", role=Role.VIEWER)
    make_instance("Alpha", munchkin_id="111-AAA-111")
    make_instance("Beta", munchkin_id="222-BBB-222")
    sign_in(page, "ada")
    page.goto("/users/")
    row = page.locator("tr[data-user=vera]")
    expect(row).to_contain_text("Viewer")
    expect(row).to_contain_text("none")
    expect(row).to_contain_text("never")
    row.get_by_role("link").click()
    page.get_by_label("Role").select_option(label="Operator")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#user-role")).to_have_text("Operator")
    page.get_by_label("Alpha").select_option(label="Operator")
    page.get_by_label("Beta").select_option(label="Viewer")
    page.get_by_role("button", name="Save access").click()
    expect(page.locator(".flash")).to_contain_text("operator of Alpha; viewer of Beta")
    assert dict(vera.instance_grants.values_list("instance__name", "role")) == {
        "Alpha": "operator",
        "Beta": "viewer",
    }
    page.get_by_role("button", name="Deactivate vera").click()
    expect(page.locator(".flash")).to_contain_text("vera is deactivated")
    vera.refresh_from_db()
    assert not vera.is_active
    assert get_user_model().objects.filter(username="vera").exists()  # never deleted
    actions = set(
        AuditEvent.objects.filter(target_type="user", target_id=str(vera.pk)).values_list(
            "action", flat=True
        )
    )
    assert {"user.update", "instance.grant", "user.deactivate"} <= actions
    page.goto("/users/")
    expect(page.locator("tr[data-user=vera]")).to_contain_text("deactivated")
    expect(page.locator("tr[data-user=vera]")).to_contain_text("Alpha (operator), Beta (viewer)")


def test_an_admin_cannot_take_their_own_admin_role_or_deactivate_themselves(page):
    ada = UserFactory(username="ada", role=Role.ADMIN)
    sign_in(page, "ada")
    page.goto(f"/users/{ada.pk}/")
    expect(page.get_by_label("Role")).to_be_disabled()
    expect(page.locator("#user-details")).to_contain_text("cannot take away your own admin role")
    expect(page.get_by_role("button", name="Deactivate ada")).to_have_count(0)
    expect(page.locator("#cannot-deactivate")).to_contain_text("You cannot deactivate yourself")
    # A hand-made request is refused too, with the reason.
    page.evaluate(
        """() => { const f = document.createElement('form'); f.method = 'post';
        f.action = location.pathname + 'active/';
        f.innerHTML = document.querySelector('#user-details input[name=csrfmiddlewaretoken]')
            .outerHTML + '<input name="active" value="0">';
        document.body.append(f); f.submit(); }"""
    )
    expect(page.locator(".flash")).to_contain_text("You cannot deactivate yourself")
    ada.refresh_from_db()
    assert ada.is_active and user_role(ada) == Role.ADMIN


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.VIEWER])
def test_a_non_admin_gets_403_and_no_users_menu(open_page, role):
    user = UserFactory(role=role)
    page = open_page()
    sign_in(page, user.username)
    expect(page.get_by_role("link", name="Users", exact=True)).to_have_count(0)
    response = page.goto("/users/")
    assert response is not None and response.status == 403
    response = page.goto(f"/users/{user.pk}/")
    assert response is not None and response.status == 403


@pytest.mark.parametrize("path", ["/users/", "/users/new/", "/users/{pk}/"])
def test_users_pages_fit_a_375px_screen(open_page, path):
    UserFactory(username="ada", role=Role.ADMIN)
    vera = UserFactory(
        username="vera.with.a.rather.long.user.name",
        email="vera.with.a.rather.long.address@marketing.example.com",
        role=Role.VIEWER,
    )
    make_instance("A rather long instance name for narrow screens")
    page = open_page(viewport=NARROW)
    sign_in(page, "ada")
    response = page.goto(path.format(pk=vera.pk))
    assert response is not None and response.status == 200
    assert_no_sideways_scroll(page)


def test_the_password_an_admin_sets_replaces_the_old_one(open_page):
    UserFactory(username="ada", role=Role.ADMIN)
    vera = UserFactory(username="vera", role=Role.VIEWER)
    page = open_page()
    sign_in(page, "ada")
    page.goto(f"/users/{vera.pk}/")
    expect(page.locator("#password")).to_contain_text("EMAIL_URL is not set")
    page.locator("#password").get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.locator("#password").get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.locator(".flash")).to_contain_text("The password of vera is changed")
    vera.refresh_from_db()
    assert vera.check_password(NEW_PASSWORD) and not vera.check_password(PASSWORD)


def test_an_admin_in_paris_sees_sign_ins_and_grants_in_paris_time(open_page):
    UserFactory(username="ada", role=Role.ADMIN, time_zone="Europe/Paris")
    vera = UserFactory(username="vera", role=Role.VIEWER)
    vera.last_login = datetime(2026, 7, 1, 6, 30, tzinfo=UTC)
    vera.save()
    page = open_page()
    sign_in(page, "ada")
    page.goto(f"/users/{vera.pk}/")
    last = page.locator("dt:has-text('Last sign-in') + dd time")
    expect(last).to_have_attribute("title", "1 Jul 2026, 08:30 CEST")
    expect(page.locator("dt:has-text('Added') + dd time")).to_contain_text("CET")
