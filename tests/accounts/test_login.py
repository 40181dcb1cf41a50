import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_pages_redirect_to_the_login_page_when_signed_out(client):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/audit/"


def test_an_htmx_request_from_an_expired_session_reloads_the_login_page(client):
    response = client.get("/audit/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/audit/"


def test_signing_in_records_an_audit_event(client, operator):
    response = client.post(reverse("login"), {"username": "otto", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor == operator
    assert event.ip_address == "127.0.0.1"


def test_a_wrong_password_says_so_and_signs_nobody_in(client, operator):
    response = client.post(reverse("login"), {"username": "otto", "password": "wrong"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.target_id == "otto"
    assert "wrong" not in str(event.details)


def test_five_wrong_passwords_lock_the_account_for_that_address(client, operator):
    for _ in range(5):
        client.post(reverse("login"), {"username": "otto", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "otto", "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.locked_out").exists()


def test_signing_out_needs_a_post_and_is_recorded(client_for, operator):
    client = client_for(operator)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout", actor=operator).exists()
    assert client.get("/").status_code == 302


def test_changing_the_password_checks_the_old_one(client_for, operator):
    client = client_for(operator)
    url = reverse("password_change")
    new = "a new and long passphrase"
    response = client.post(
        url, {"old_password": "nope", "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 200
    assert b"Your old password was entered incorrectly" in response.content
    response = client.post(
        url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.check_password(new)
    assert AuditEvent.objects.filter(action="auth.password_change").count() == 1


def test_a_form_sent_without_its_csrf_token_changes_nothing(operator):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("profile"), {"time_zone": "Europe/Paris"})
    assert response.status_code == 403
    assert b"Form expired" in response.content
    operator.profile.refresh_from_db()
    assert operator.profile.time_zone == "UTC"
