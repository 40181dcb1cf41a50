"""GET /api/v1/instances/{id}/api-users/ and the API users page, from stored rows: who may
see them, what they say of each API user, and the "Read users now" action."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.context import AuditContext
from apps.audit.models import AuditEvent
from apps.instances.services import grant_set
from apps.integrations.models import MarketoRole, MarketoUser, UserSync
from apps.usage.days import today
from apps.usage.models import UsageDay
from tests.factories import make_instance

pytestmark = pytest.mark.django_db


@pytest.fixture
def instance(db):
    instance = make_instance("Production")
    now = timezone.now()
    MarketoRole.objects.create(
        instance=instance, role_id=101, name="API Integration", description="REST services"
    )
    MarketoUser.objects.create(
        instance=instance,
        userid="crm@corp.example",
        first_name="CRM",
        last_name="Sync",
        api_only=True,
        roles=[
            {"role_id": 101, "role": "API Integration", "workspace_id": 0, "workspace": "AllZones"}
        ],
        first_seen_at=now,
        last_seen_at=now,
    )
    MarketoUser.objects.create(
        instance=instance,
        userid="ada@corp.example",
        first_name="Ada",
        last_name="Lovelace",
        api_only=False,
        first_seen_at=now,
        last_seen_at=now,
    )
    for ago, calls in enumerate([1200, 300]):
        day = today() - timedelta(days=ago)
        UsageDay.objects.create(
            instance=instance, date=day, api_user="crm@corp.example", calls=calls
        )
    UsageDay.objects.create(
        instance=instance, date=today(), api_user="webinar@corp.example", calls=9
    )
    # Older than 30 days: not counted.
    UsageDay.objects.create(
        instance=instance, date=today() - timedelta(days=31), api_user="crm@corp.example", calls=5
    )
    return instance


def _grant(instance, user, role="viewer"):
    grant_set(instance=instance, user=user, role=role, actor=None, audit=AuditContext.system())


def test_the_api_lists_listed_and_unlisted_api_users_with_their_calls(
    api_client, admin_user, instance
):
    api_client.force_authenticate(admin_user)
    answer = api_client.get(f"/api/v1/instances/{instance.pk}/api-users/")
    assert answer.status_code == 200
    rows = answer.json()
    assert [(r["userid"], r["state"], r["calls_30_days"]) for r in rows] == [
        ("crm@corp.example", "listed", 1500),
        ("webinar@corp.example", "unlisted", 9),
    ]
    assert rows[0]["name"] == "CRM Sync"
    assert rows[0]["roles"] == [
        {
            "role_id": 101,
            "role": "API Integration",
            "description": "REST services",
            "workspace_id": 0,
            "workspace": "AllZones",
        }
    ]
    assert rows[1]["roles"] == [] and rows[1]["api_only"] is False


def test_a_granted_viewer_may_read_and_an_ungranted_one_gets_404(api_client, viewer, instance):
    api_client.force_authenticate(viewer)
    url = f"/api/v1/instances/{instance.pk}/api-users/"
    assert api_client.get(url).status_code == 404
    _grant(instance, viewer)
    assert api_client.get(url).status_code == 200


def test_anonymous_callers_are_refused(api_client, instance):
    assert api_client.get(f"/api/v1/instances/{instance.pk}/api-users/").status_code in (401, 403)


def test_the_schema_documents_the_endpoint(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/instances/{id}/api-users/"]["get"]
    assert "integrations" in operation["tags"]


def test_the_page_shows_names_roles_calls_and_the_unlisted_user(client_for, admin_user, instance):
    page = client_for(admin_user).get(reverse("integrations_api_users", args=[instance.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "CRM Sync" in text and "crm@corp.example" in text
    assert "API Integration" in text and "AllZones" in text
    assert "1,500" in text
    assert "Seen in usage only" in text
    assert "1 API user made calls but is not in Marketo" in text
    assert "Read users now" in text


def test_a_viewer_sees_the_page_without_the_action_and_may_not_start_it(
    client_for, viewer, instance, job_messages
):
    _grant(instance, viewer)
    client = client_for(viewer)
    text = client.get(reverse("integrations_api_users", args=[instance.pk])).content.decode()
    assert "Read users now" not in text
    assert (
        client.post(reverse("integrations_user_sync_start", args=[instance.pk])).status_code == 403
    )
    assert not UserSync.objects.exists()


def test_an_admin_reads_users_now_once_while_a_run_is_under_way(
    client_for, admin_user, instance, job_messages, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    url = reverse("integrations_user_sync_start", args=[instance.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
        assert client.post(url).status_code == 302
    (sync,) = UserSync.objects.all()
    assert job_messages == [("integrations.UserSync", sync.pk, None)]
    assert AuditEvent.objects.filter(action="integrations.user_sync", target_id=sync.pk).exists()


def test_a_failed_reading_says_why_on_the_page(client_for, admin_user, instance):
    UserSync.objects.create(
        instance=instance,
        status="failed",
        finished_at=timezone.now(),
        error="Marketo refused to list the instance's users: add Access Users.",
    )
    text = (
        client_for(admin_user)
        .get(reverse("integrations_api_users", args=[instance.pk]))
        .content.decode()
    )
    assert "Marketo refused to list the instance&#x27;s users: add Access Users." in text
