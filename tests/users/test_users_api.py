"""/api/v1/users/: admins list, add and change users; nobody else may (issue 15, item 6)."""

import pytest
from django.contrib.auth import get_user_model

from apps.audit.context import AuditContext
from apps.audit.models import AuditEvent
from apps.core.permissions import Role, user_role
from apps.instances.services import grant_set
from tests.factories import UserFactory, make_instance

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long new password 4 vera"


@pytest.fixture
def as_admin(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


def test_the_list_shows_role_grants_last_sign_in_and_deactivated_users(as_admin, operator):
    grant_set(
        instance=make_instance("Alpha"),
        user=operator,
        role="operator",
        actor=None,
        audit=AuditContext.system(),
    )
    UserFactory(username="gone", role=Role.VIEWER, is_active=False)
    body = as_admin.get("/api/v1/users/").json()
    by_name = {user["username"]: user for user in body["results"]}
    assert set(by_name) == {"ada", "otto", "gone"}
    assert by_name["otto"]["role"] == "operator"
    assert by_name["otto"]["grants"] == [
        {
            "instance_id": operator.instance_grants.get().instance_id,
            "instance": "Alpha",
            "role": "operator",
        }
    ]
    assert by_name["gone"]["is_active"] is False and by_name["gone"]["role"] == "viewer"
    assert by_name["otto"]["last_login"] is None
    assert "password" not in by_name["otto"]


def test_an_admin_adds_a_user_with_a_password(as_admin, admin_user):
    response = as_admin.post(
        "/api/v1/users/",
        {
            "username": "vera",
            "email": "vera@example.com",
            "role": "viewer",
            "password": NEW_PASSWORD,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    vera = get_user_model().objects.get(username="vera")
    assert response.json()["id"] == vera.pk
    assert user_role(vera) == Role.VIEWER and vera.check_password(NEW_PASSWORD)
    assert not vera.is_staff and not vera.is_superuser
    event = AuditEvent.objects.get(action="user.create")
    assert event.actor == admin_user and event.details["role"] == "viewer"
    assert NEW_PASSWORD not in str(event.details)


def test_a_weak_password_is_refused_with_the_reason(as_admin):
    response = as_admin.post(
        "/api/v1/users/", {"username": "vera", "role": "viewer", "password": "123"}, format="json"
    )
    assert response.status_code == 400
    assert "too short" in " ".join(response.json()["errors"]["password"])
    assert not get_user_model().objects.filter(username="vera").exists()


def test_an_invitation_link_needs_email_to_be_configured(as_admin):
    response = as_admin.post(
        "/api/v1/users/",
        {
            "username": "vera",
            "email": "v@example.com",
            "role": "viewer",
            "send_password_link": True,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "EMAIL_URL is not set" in response.json()["errors"]["send_password_link"][0]
    assert not get_user_model().objects.filter(username="vera").exists()


def test_an_invitation_link_is_emailed_when_email_is_configured(as_admin, settings, mailoutbox):
    settings.EMAIL_HOST = "smtp.example.com"
    response = as_admin.post(
        "/api/v1/users/",
        {
            "username": "vera",
            "email": "v@example.com",
            "role": "viewer",
            "send_password_link": True,
        },
        format="json",
    )
    assert response.status_code == 201
    assert [mail.to for mail in mailoutbox] == [["v@example.com"]]
    assert "/accounts/password/set/" in mailoutbox[0].body
    assert AuditEvent.objects.filter(action="user.password_link").count() == 1


def test_an_admin_changes_role_details_and_deactivates(as_admin, operator):
    response = as_admin.patch(
        f"/api/v1/users/{operator.pk}/",
        {"role": "viewer", "first_name": "Otto", "is_active": False},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["role"] == "viewer" and response.json()["is_active"] is False
    operator.refresh_from_db()
    assert operator.first_name == "Otto" and not operator.is_active
    update = AuditEvent.objects.get(action="user.update")
    assert update.details["role"] == ["operator", "viewer"]
    assert update.details["first_name"] == ["", "Otto"]
    assert AuditEvent.objects.filter(action="user.deactivate", target_id=str(operator.pk)).exists()


def test_the_username_cannot_be_changed(as_admin, operator):
    as_admin.patch(f"/api/v1/users/{operator.pk}/", {"username": "renamed"}, format="json")
    operator.refresh_from_db()
    assert operator.username == "otto"


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"role": "operator"}, "role", "cannot take away your own admin role"),
        ({"is_active": False}, "is_active", "cannot deactivate yourself"),
    ],
)
def test_an_admin_cannot_demote_or_deactivate_themselves(
    as_admin, admin_user, change, field, reason
):
    response = as_admin.patch(f"/api/v1/users/{admin_user.pk}/", change, format="json")
    assert response.status_code == 400
    assert reason in response.json()["errors"][field][0]
    admin_user.refresh_from_db()
    assert admin_user.is_active and user_role(admin_user) == Role.ADMIN
    assert not AuditEvent.objects.filter(action__startswith="user.").exists()


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.VIEWER])
def test_only_admins_may_use_the_users_api(api_client, role, admin_user):
    api_client.force_authenticate(UserFactory(role=role))
    assert api_client.get("/api/v1/users/").status_code == 403
    assert api_client.get(f"/api/v1/users/{admin_user.pk}/").status_code == 403
    assert (
        api_client.patch(f"/api/v1/users/{admin_user.pk}/", {"is_active": False}).status_code == 403
    )
    response = api_client.post("/api/v1/users/", {"username": "x", "role": "admin"}, format="json")
    assert response.status_code == 403
    assert get_user_model().objects.filter(is_active=True).count() == 2


def test_signed_out_callers_get_401(api_client):
    assert api_client.get("/api/v1/users/").status_code == 401


def test_the_schema_documents_the_users_endpoints(api_client):
    paths = api_client.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert set(paths["/api/v1/users/"]) >= {"get", "post"}
    assert set(paths["/api/v1/users/{id}/"]) >= {"get", "patch"}
    assert "delete" not in paths["/api/v1/users/{id}/"]  # users are never deleted
