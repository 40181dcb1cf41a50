import pytest
from django.core.cache import cache
from django.urls import reverse

from apps.accounts.services import api_token_create
from apps.audit.context import AuditContext

pytestmark = pytest.mark.django_db


def test_the_schema_is_served_and_documents_the_endpoints(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/me/", "/api/v1/audit-events/"} <= set(paths)
    assert "tokenAuth" in response.json()["components"]["securitySchemes"]


def test_the_docs_page_is_served_without_a_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger-ui" in response.content
    assert b"cdn." not in response.content and b"unpkg" not in response.content


def test_each_token_is_throttled_on_its_own(api_client, operator, settings, monkeypatch):
    from apps.accounts.throttling import PerTokenThrottle

    monkeypatch.setattr(PerTokenThrottle, "THROTTLE_RATES", {"per_token": "3/min"})
    _, first = api_token_create(user=operator, name="first", audit=AuditContext.system())
    _, second = api_token_create(user=operator, name="second", audit=AuditContext.system())
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert [api_client.get("/api/v1/me/").status_code for _ in range(4)] == [200, 200, 200, 429]
    throttled = api_client.get("/api/v1/me/")
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert api_client.get("/api/v1/me/").status_code == 200
    cache.clear()


def test_the_session_works_for_the_api_too(client_for, operator):
    client = client_for(operator)
    assert client.get(reverse("api_me")).json()["username"] == "otto"
