import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import ApiToken
from apps.audit.models import AuditEvent
from apps.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_times_are_shown_in_the_users_own_time_zone(client_for, admin_user):
    client = client_for(admin_user)
    event = audit_record(action="demo.event", actor=admin_user)
    utc_text = timezone.localtime(event.occurred_at, dt.UTC).strftime("%H:%M UTC")
    assert utc_text in client.get("/audit/").content.decode()

    client.post(reverse("profile"), {"time_zone": "Asia/Kolkata"})
    kolkata = timezone.localtime(event.occurred_at, dt.timezone(dt.timedelta(hours=5, minutes=30)))
    assert kolkata.strftime("%H:%M IST") in client.get("/audit/").content.decode()


def test_an_unknown_time_zone_is_refused_and_changes_nothing(client_for, operator):
    client = client_for(operator)
    response = client.post(reverse("profile"), {"time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    operator.profile.refresh_from_db()
    assert operator.profile.time_zone == "UTC"


def test_a_new_token_is_shown_once_and_only_its_hash_is_stored(client_for, operator):
    client = client_for(operator)
    response = client.post(reverse("api_token_create"), {"name": "BI export"})
    key = response.context["new_key"]
    assert key.startswith("mka_")
    assert key in response.content.decode()
    token = ApiToken.objects.get(user=operator)
    assert token.key_hash != key and key not in token.key_hint + token.key_hash
    assert key not in client.get(reverse("profile")).content.decode()
    event = AuditEvent.objects.get(action="api_token.create")
    assert key not in str(event.details)


def test_a_token_without_a_name_is_refused(client_for, operator):
    response = client_for(operator).post(reverse("api_token_create"), {"name": "  "})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_a_token_authenticates_api_calls_until_it_is_revoked(client_for, api_client, operator):
    client = client_for(operator)
    key = client.post(reverse("api_token_create"), {"name": "script"}).context["new_key"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "otto"
    assert ApiToken.objects.get().last_used_at is not None

    token = ApiToken.objects.get()
    client.post(reverse("api_token_revoke", args=[token.pk]))
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Invalid or revoked token.",
        "code": "authentication_failed",
    }


def test_nobody_can_revoke_someone_elses_token(client_for, operator, viewer):
    client = client_for(viewer)
    token = ApiToken(user=operator, name="x")
    token.set_key(ApiToken.new_key())
    token.save()
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_the_command_prints_a_working_token(capsys, api_client, viewer):
    call_command("create_api_token", "vera")
    key = capsys.readouterr().out.strip()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/me/").json()["role"] == "viewer"


def test_the_command_refuses_an_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No active user named 'ghost'"):
        call_command("create_api_token", "ghost")
