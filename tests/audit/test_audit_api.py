import pytest

from apps.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_admins_list_events_newest_first_with_filters(api_client, admin_user, operator):
    audit_record(action="auth.login", actor=operator)
    audit_record(action="lead.lookup", actor=operator)
    audit_record(action="auth.login", actor=admin_user)
    api_client.force_authenticate(admin_user)
    body = api_client.get("/api/v1/audit-events/", {"actor": "otto"}).json()
    assert body["count"] == 2
    assert [e["action"] for e in body["results"]] == ["lead.lookup", "auth.login"]
    assert body["results"][0]["actor"] == "otto"
    # The words of the audit page, for clients that show the trail to people.
    assert [e["action_label"] for e in body["results"]] == ["Lead lookup", "Signed in"]


def test_the_api_refuses_non_admins(api_client, operator):
    api_client.force_authenticate(operator)
    response = api_client.get("/api/v1/audit-events/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_the_api_offers_no_way_to_write_an_event(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    response = api_client.post("/api/v1/audit-events/", {"action": "forged"}, format="json")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "POST" not allowed.', "code": "method_not_allowed"}


def test_an_invalid_filter_gets_a_field_error(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    response = api_client.get("/api/v1/audit-events/", {"since": "soon"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "since" in body["errors"]
