"""The connection test against edge cases the sandbox cannot produce (with `responses`).

The sandbox run, over real HTTP, is in tests/e2e/test_instances.py.
"""

import uuid

import pytest
import requests
import responses
from cryptography.fernet import Fernet

from apps.core.redaction import REDACTED, redact
from apps.instances.models import ConnectionTest
from apps.instances.services import connection_test_run
from tests.factories import make_instance

pytestmark = pytest.mark.django_db

REST = "https://123-ABC-456.mktorest.com/rest"
USERS = "https://123-ABC-456.mktorest.com/userservice/management/v1/users/allusers.json"
TOKEN_URL = "https://123-ABC-456.mktorest.com/identity/oauth/token"


def _ok(result=None):
    return {"requestId": "a1#b2", "success": True, "result": result or []}


def _denied():
    return {
        "requestId": "a1#b3",
        "success": False,
        "errors": [{"code": "603", "message": "Access denied"}],
    }


def _token():
    return {
        "access_token": "tok-123:ab",
        "token_type": "bearer",
        "expires_in": 3599,
        "scope": "api@corp.com",
    }


def _run(instance):
    test = ConnectionTest.objects.create(instance=instance)
    return connection_test_run(test_id=test.pk)


@responses.activate
def test_a_working_connection_reports_the_api_user_and_each_permission():
    instance = make_instance()
    responses.post(TOKEN_URL, json=_token())
    responses.get(f"{REST}/v1/leads/describe2.json", json=_ok())
    responses.get(f"{REST}/v1/activities/types.json", json=_ok())
    responses.get(f"{REST}/asset/v1/folders.json", json=_ok())
    responses.get(USERS, json=[])  # the User Management API answers no envelope
    responses.get(f"{REST}/v1/stats/usage.json", json=_ok())
    test = _run(instance)
    assert test.status == ConnectionTest.Status.OK
    assert test.api_user == "api@corp.com"
    assert 3590 <= test.token_seconds_left <= 3599
    assert {k: v["state"] for k, v in test.permissions.items()} == {
        "leads": "ok",
        "activities": "ok",
        "assets": "ok",
        "users": "ok",
        "usage": "ok",
    }
    instance.refresh_from_db()
    assert instance.api_user == "api@corp.com"
    token_call = responses.calls[0].request
    assert "client_secret" not in token_call.url  # the secret travels in the body
    assert "client_secret=s3cret-client-secret-0001" in token_call.body
    for call in responses.calls[1:]:
        assert call.request.headers["Authorization"] == "Bearer tok-123:ab"
        assert "access_token" not in call.request.url


@responses.activate
def test_the_access_token_is_kept_out_of_the_logs():
    token = f"tok-{uuid.uuid4().hex}:ab"
    responses.post(TOKEN_URL, json={**_token(), "access_token": token})
    for path in (
        "v1/leads/describe2.json",
        "v1/activities/types.json",
        "asset/v1/folders.json",
        "v1/stats/usage.json",
    ):
        responses.get(f"{REST}/{path}", json=_ok())
    responses.get(USERS, json=[])
    assert redact(f"Bearer {token}") == f"Bearer {token}"
    assert _run(make_instance()).status == ConnectionTest.Status.OK
    assert redact(f"Bearer {token}") == f"Bearer {REDACTED}"


@responses.activate
def test_a_603_names_the_permission_to_add():
    responses.post(TOKEN_URL, json=_token())
    responses.get(f"{REST}/v1/leads/describe2.json", json=_ok())
    responses.get(f"{REST}/v1/activities/types.json", json=_ok())
    responses.get(f"{REST}/asset/v1/folders.json", json=_denied())
    responses.get(USERS, json=[])
    responses.get(f"{REST}/v1/stats/usage.json", json=_ok())
    test = _run(make_instance())
    assert test.status == ConnectionTest.Status.LIMITED
    assets = test.permissions["assets"]
    assert (assets["state"], assets["code"], assets["role_permission"]) == (
        "missing",
        "603",
        "Read-Only Assets",
    )


@responses.activate
def test_a_role_that_cannot_read_users_is_told_both_permissions_to_add():
    responses.post(TOKEN_URL, json=_token())
    for path in ("v1/leads/describe2.json", "v1/activities/types.json", "asset/v1/folders.json"):
        responses.get(f"{REST}/{path}", json=_ok())
    responses.get(f"{REST}/v1/stats/usage.json", json=_ok())
    # user-management.md: a failure is a non-200 status with the standard errors array.
    responses.get(USERS, status=403, json={"errors": [{"code": 603, "message": "Access denied"}]})
    test = _run(make_instance())
    assert test.status == ConnectionTest.Status.LIMITED
    users = test.permissions["users"]
    assert (users["state"], users["code"], users["label"]) == ("missing", "603", "Read users")
    assert users["role_permission"] == "Access User Management Api and Access Users"
    assert users["all_of"] == ["Access User Management Api", "Access Users"]
    assert {key: check["state"] for key, check in test.permissions.items() if key != "users"} == {
        "leads": "ok",
        "activities": "ok",
        "assets": "ok",
        "usage": "ok",
    }


@responses.activate
def test_refused_credentials_are_explained_in_words():
    responses.post(
        TOKEN_URL,
        status=401,
        json={"error": "unauthorized", "error_description": "Bad client credentials"},
    )
    test = _run(make_instance())
    assert test.status == ConnectionTest.Status.FAILED
    assert (
        test.error
        == "Could not get a token: 401 the client id or secret was refused (Bad client credentials)"
    )


@responses.activate
def test_an_unreachable_identity_endpoint_is_explained():
    responses.post(TOKEN_URL, body=requests.ConnectionError("[Errno 111] Connection refused"))
    test = _run(make_instance())
    assert test.status == ConnectionTest.Status.FAILED
    assert "Could not get a token" in test.error and "Connection refused" in test.error


def test_undecryptable_credentials_fail_the_test_with_the_plain_message(settings):
    instance = make_instance()
    settings.CREDENTIALS_KEYS = [Fernet.generate_key().decode()]
    test = _run(instance)
    assert test.status == ConnectionTest.Status.FAILED
    assert test.error.startswith("The credentials of Production cannot be decrypted")


def test_the_queued_task_carries_only_the_test_id(
    client_for, admin_user, django_capture_on_commit_callbacks, monkeypatch
):
    from apps.instances import tasks

    sent = []
    monkeypatch.setattr(
        tasks.connection_test_run_task, "delay", lambda *args, **kw: sent.append((args, kw))
    )
    instance = make_instance()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin_user).post(f"/instances/{instance.pk}/test/")
    test = ConnectionTest.objects.get()
    assert sent == [((test.pk,), {})]
