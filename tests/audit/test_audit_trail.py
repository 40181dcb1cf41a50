import csv
import io

import pytest
from django.contrib import admin
from django.test import RequestFactory

from apps.audit.context import AuditContext
from apps.audit.models import AppendOnlyError, AuditEvent
from apps.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_an_event_records_who_what_where(operator):
    request = RequestFactory().post("/x", HTTP_USER_AGENT="Firefox", REMOTE_ADDR="10.0.0.7")
    request.user = operator

    class Instance:
        pk = 42

        def __str__(self):
            return "Production"

    event = audit_record(
        action="lead.lookup",
        audit=AuditContext.from_request(request),
        instance=Instance(),
        target_type="lead",
        target_id=1001,
        details={"field": "email"},
    )
    event.refresh_from_db()
    assert (event.actor, event.actor_username, event.action) == (operator, "otto", "lead.lookup")
    assert (event.instance_id, event.instance_name) == (42, "Production")
    assert (event.target_type, event.target_id) == ("lead", "1001")
    assert (event.ip_address, event.user_agent) == ("10.0.0.7", "Firefox")


def test_an_event_cannot_be_changed_or_deleted(admin_user):
    event = audit_record(action="x.y", actor=admin_user)
    event.action = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "x.y"


def test_the_admin_site_offers_no_way_to_change_an_event(rf, admin_user):
    model_admin = admin.site._registry[AuditEvent]
    request = rf.get("/")
    request.user = admin_user
    event = audit_record(action="x.y", actor=admin_user)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)


def test_an_event_outlives_its_actor(operator):
    event = audit_record(action="x.y", actor=operator)
    operator.delete()
    event.refresh_from_db()
    assert event.actor is None
    assert event.actor_username == "otto"


def _events(admin_user, operator):
    audit_record(action="auth.login", actor=admin_user)
    audit_record(action="lead.lookup", actor=operator, details={"value": "=HYPERLINK(1)"})
    audit_record(action="auth.login", actor=operator)


def test_the_audit_page_filters_by_actor_and_action(client_for, admin_user, operator):
    _events(admin_user, operator)
    client = client_for(admin_user)
    page = client.get("/audit/", {"actor": "otto", "action": "auth.login"})
    assert page.status_code == 200
    assert [e.action for e in page.context["page"].object_list] == ["auth.login"]
    assert page.context["page"].object_list[0].actor_username == "otto"


def test_a_malformed_filter_is_reported_and_lists_nothing(client_for, admin_user, operator):
    _events(admin_user, operator)
    page = client_for(admin_user).get("/audit/", {"since": "yesterday"})
    assert page.status_code == 200
    assert b"Some filters are not valid" in page.content
    assert page.context["page"].paginator.count == 0


def test_the_htmx_filter_gets_only_the_table(client_for, admin_user, operator):
    _events(admin_user, operator)
    page = client_for(admin_user).get("/audit/", {"actor": "otto"}, headers={"HX-Request": "true"})
    assert b"<html" not in page.content
    assert b"2 events" in page.content


def test_the_csv_export_keeps_the_filters_and_defuses_formulas(client_for, admin_user, operator):
    _events(admin_user, operator)
    response = client_for(admin_user).get("/audit/", {"action": "lead.lookup", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["action"] for row in rows] == ["lead.lookup"]
    assert rows[0]["details"] == '{"value": "=HYPERLINK(1)"}'  # a JSON cell starts with "{"


def test_a_cell_that_starts_like_a_formula_is_escaped(client_for, admin_user):
    audit_record(action="@SUM(A1)", actor=admin_user)
    response = client_for(admin_user).get("/audit/", {"format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'@SUM(A1)" in body


@pytest.mark.parametrize("role_fixture", ["operator", "viewer"])
def test_only_admins_read_the_audit_trail(request, client_for, role_fixture):
    user = request.getfixturevalue(role_fixture)
    response = client_for(user).get("/audit/")
    assert response.status_code == 403
    assert b"Your role does not allow this" in response.content
