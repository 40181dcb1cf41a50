from datetime import timedelta

import pytest

from apps.audit.context import AuditContext
from apps.core.permissions import Role
from apps.instances.services import grant_set
from apps.usage.days import today
from apps.usage.models import ErrorDay, UsageDay, UsageSync
from tests.factories import UserFactory, make_instance


@pytest.fixture
def instance(db):
    instance = make_instance("Production")
    for ago, calls in enumerate([100, 200, 300]):
        UsageDay.objects.create(
            instance=instance, date=today() - timedelta(days=ago), api_user="crm@x", calls=calls
        )
    ErrorDay.objects.create(instance=instance, date=today(), code="606", count=3)
    return instance


@pytest.fixture
def as_admin(api_client, db):
    api_client.force_authenticate(UserFactory(username="ada", role=Role.ADMIN))
    return api_client


def test_usage_by_day_and_by_user(as_admin, instance):
    start = (today() - timedelta(days=2)).isoformat()
    by_day = as_admin.get(f"/api/v1/instances/{instance.pk}/usage/?start={start}").json()
    assert [r["total"] for r in by_day["results"]] == [300, 200, 100]
    by_user = as_admin.get(
        f"/api/v1/instances/{instance.pk}/usage/?start={start}&group_by=user"
    ).json()
    assert by_user["results"][0]["api_user"] == "crm@x"
    assert by_user["results"][0]["total"] == 600 and by_user["results"][0]["peak"] == 300


def test_an_end_before_the_start_is_a_400_with_a_message(as_admin, instance):
    response = as_admin.get(
        f"/api/v1/instances/{instance.pk}/usage/?start=2026-05-10&end=2026-05-01"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["end"] == [
        "The end date (2026-05-01) is before the start date (2026-05-10)."
    ]


def test_errors_quota_and_calls(as_admin, instance):
    errors = as_admin.get(f"/api/v1/instances/{instance.pk}/errors/").json()
    assert errors["codes"][0]["code"] == "606" and errors["total"] == 3
    quota = as_admin.get(f"/api/v1/instances/{instance.pk}/quota/").json()
    assert quota["used"] == 100 and quota["quota"] == 50_000
    assert quota["product_budget"] == 25_000 and quota["runs_out_at"] is None
    calls = as_admin.get(f"/api/v1/instances/{instance.pk}/calls/?group_by=endpoint").json()
    assert calls["group_by"] == "endpoint" and calls["results"] == []
    assert len(calls["reconciliation"]) == 30


def test_an_admin_starts_a_sync_and_a_viewer_may_not(api_client, as_admin, instance, viewer):
    response = as_admin.post(
        f"/api/v1/instances/{instance.pk}/usage-syncs/", {"kind": "settle"}, format="json"
    )
    assert response.status_code == 202
    assert UsageSync.objects.get(pk=response.json()["id"]).kind == "settle"
    grant_set(
        instance=instance, user=viewer, role="viewer", actor=None, audit=AuditContext.system()
    )
    api_client.force_authenticate(viewer)
    assert api_client.post(f"/api/v1/instances/{instance.pk}/usage-syncs/").status_code == 403
    assert api_client.get(f"/api/v1/instances/{instance.pk}/quota/").status_code == 200


def test_an_ungranted_instance_is_a_404(api_client, instance, viewer):
    api_client.force_authenticate(viewer)
    assert api_client.get(f"/api/v1/instances/{instance.pk}/usage/").status_code == 404


def test_the_endpoints_are_in_the_openapi_schema(api_client, db):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ["usage/", "errors/", "quota/", "calls/", "usage-syncs/"]:
        assert f"/api/v1/instances/{{id}}/{path}" in schema
