from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

pytestmark = pytest.mark.django_db


def test_an_unknown_page_gets_the_404_page(client_for, operator):
    response = client_for(operator).get("/no/such/page/")
    assert response.status_code == 404
    assert b"Not found" in response.content
    assert b"marketo-admin" in response.content


def test_an_unknown_api_path_gets_a_json_404(api_client, operator):
    api_client.force_authenticate(operator)
    response = api_client.get("/api/v1/nothing/")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "There is nothing here, or you have no access to it.",
        "code": "not_found",
    }


def test_an_anonymous_api_call_gets_a_json_401(api_client):
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_malformed_json_body_gets_a_clear_400(api_client, operator):
    api_client.force_authenticate(operator)
    response = api_client.patch("/api/v1/me/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_an_invalid_value_gets_field_errors_and_changes_nothing(api_client, operator):
    api_client.force_authenticate(operator)
    response = api_client.patch("/api/v1/me/", {"time_zone": "Nowhere/Land"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "time_zone" in response.json()["errors"]
    operator.profile.refresh_from_db()
    assert operator.profile.time_zone == "UTC"


def test_me_reports_the_role_and_takes_a_time_zone(api_client, operator):
    api_client.force_authenticate(operator)
    response = api_client.patch("/api/v1/me/", {"time_zone": "America/Chicago"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == "operator"
    assert body["time_zone"] == "America/Chicago"
    assert "lookup_leads" in body["permissions"]
    assert "view_audit" not in body["permissions"]


def test_a_server_error_shows_the_500_page_with_a_reference(client_for, admin_user, monkeypatch):
    import apps.site.views as views

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "menu_for", explode)
    client = client_for(admin_user)
    client.raise_request_exception = False
    response = client.get("/", headers={"X-Request-ID": "support-ref-1234"})
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"support-ref-1234" in response.content
    assert b"boom" not in response.content


@contextmanager
def database_unreachable():
    """Every query fails as it does when the database server is down or out of reach."""
    refused = OperationalError('connection to server at "127.0.0.1", port 5432 failed')
    with mock.patch.object(BaseDatabaseWrapper, "_cursor", side_effect=refused):
        yield


def test_with_the_database_unreachable_a_signed_in_user_gets_the_static_error_page(
    client_for, operator
):
    client = client_for(operator)
    client.raise_request_exception = False
    with database_unreachable():
        response = client.get("/", headers={"X-Request-ID": "db-down-ref-5678"})
    assert response.status_code == 500
    body = response.content.decode()
    assert "<h1>Something went wrong</h1>" in body
    assert "db-down-ref-5678" in body  # the reference to give the admin
    assert "Traceback" not in body
    assert "OperationalError" not in body


def test_with_the_database_unreachable_the_api_answers_a_json_500(api_client, operator):
    from rest_framework.test import APIClient

    client = APIClient(raise_request_exception=False)
    client.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    with database_unreachable():
        response = client.get("/api/v1/me/")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "The error is logged. Please try again.",
        "code": "server_error",
    }


def test_with_the_database_unreachable_healthz_answers_503(client):
    with database_unreachable():
        response = client.get("/healthz")
    assert response.status_code == 503
    report = response.json()
    assert report["ok"] is False
    assert report["checks"]["database"] == {
        "ok": False,
        "error": "OperationalError",
        "ms": report["checks"]["database"]["ms"],
    }
