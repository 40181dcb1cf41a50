"""GET and POST /api/v1/instances/{id}/integrations/, and the api-users rows' integration."""

import pytest
from django.utils import timezone

from apps.audit.context import AuditContext
from apps.audit.models import AuditEvent
from apps.instances.services import grant_set
from apps.integrations.models import Integration, IntegrationApiUser, MarketoUser
from apps.usage.days import today
from apps.usage.models import UsageDay
from tests.factories import make_instance

pytestmark = pytest.mark.django_db


@pytest.fixture
def production():
    instance = make_instance("Production")
    now = timezone.now()
    MarketoUser.objects.create(
        instance=instance,
        userid="crm@corp.example",
        api_only=True,
        first_seen_at=now,
        last_seen_at=now,
    )
    UsageDay.objects.create(instance=instance, date=today(), api_user="crm@corp.example", calls=450)
    UsageDay.objects.create(
        instance=instance, date=today(), api_user="webinar@corp.example", calls=30
    )
    crm = Integration.objects.create(
        name="Salesforce sync",
        owner_email="crm-team@corp.example",
        purpose="Leads both ways",
        budget_calls=500,
    )
    IntegrationApiUser.objects.create(integration=crm, instance=instance, userid="crm@corp.example")
    return instance


def _url(instance):
    return f"/api/v1/instances/{instance.pk}/integrations/"


def test_the_list_gives_each_integration_on_the_instance_with_calls_and_budget(
    api_client, admin_user, production
):
    elsewhere = make_instance("Staging")
    other = Integration.objects.create(name="Only on staging")
    IntegrationApiUser.objects.create(
        integration=other, instance=elsewhere, userid="x@corp.example"
    )
    api_client.force_authenticate(admin_user)

    answer = api_client.get(_url(production))

    assert answer.status_code == 200
    assert answer.json() == [
        {
            "id": Integration.objects.get(name="Salesforce sync").pk,
            "name": "Salesforce sync",
            "owner": "crm-team@corp.example",
            "purpose": "Leads both ways",
            "api_users": ["crm@corp.example"],
            "budget_calls": 500,
            "budget_percent": None,
            "warn_percent": 80,
            "critical_percent": 100,
            "calls_today": 450,
            "budget": 500,
            "level": "warning",
        }
    ]


def test_an_admin_creates_one_with_api_users_of_the_instance(api_client, admin_user, production):
    api_client.force_authenticate(admin_user)
    answer = api_client.post(
        _url(production),
        {
            "name": "Webinar connector",
            "owner": admin_user.get_username(),
            "api_users": ["WEBINAR@corp.example"],
            "budget_percent": 1,
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["owner"], body["api_users"], body["calls_today"]) == (
        admin_user.get_username(),
        ["webinar@corp.example"],
        30,
    )
    assert (body["budget"], body["level"]) == (500, "ok")
    webinar = Integration.objects.get(name="Webinar connector")
    assert webinar.owner == admin_user
    assert AuditEvent.objects.filter(action="integrations.create", target_id=webinar.pk).exists()


def test_one_without_api_users_is_created_too(api_client, admin_user, production):
    api_client.force_authenticate(admin_user)
    answer = api_client.post(
        _url(production), {"name": "Later", "owner": "someone@corp.example"}, format="json"
    )
    assert answer.status_code == 201
    assert (answer.json()["api_users"], answer.json()["budget"]) == ([], None)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"budget_calls": 10, "budget_percent": 5}, "budget_percent", "not both"),
        ({"warn_percent": 90, "critical_percent": 50}, "warn_percent", "must come before"),
        ({"owner": "nobody"}, "owner", "No user of marketo-admin is called “nobody”"),
        ({"name": "SALESFORCE sync"}, "name", "An integration is already called"),
        ({"api_users": ["ghost@corp.example"]}, "api_users", "not an API user of Production"),
        ({"api_users": ["crm@corp.example"]}, "api_users", "already belongs to Salesforce sync"),
    ],
)
def test_invalid_input_answers_400_with_field_errors_in_words(
    api_client, admin_user, production, body, field, words
):
    api_client.force_authenticate(admin_user)
    answer = api_client.post(
        _url(production), {"name": "New", "owner": "a@corp.example", **body}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["code"]
    assert words in " ".join(answer.json()["errors"][field])
    assert Integration.objects.count() == 1


def test_who_may_read_and_create(api_client, viewer, operator, production):
    url = _url(production)
    api_client.force_authenticate(viewer)
    assert api_client.get(url).status_code == 404
    assert (
        api_client.post(url, {"name": "X", "owner": "a@b.example"}, format="json").status_code
        == 404
    )
    for user in (viewer, operator):
        grant_set(
            instance=production,
            user=user,
            role="operator" if user == operator else "viewer",
            actor=None,
            audit=AuditContext.system(),
        )
        api_client.force_authenticate(user)
        assert api_client.get(url).status_code == 200
        answer = api_client.post(url, {"name": "X", "owner": "a@b.example"}, format="json")
        assert answer.status_code == 403
    assert Integration.objects.count() == 1


def test_api_users_rows_name_their_integration(api_client, admin_user, production):
    api_client.force_authenticate(admin_user)
    rows = {
        row["userid"]: row["integration"]
        for row in api_client.get(f"/api/v1/instances/{production.pk}/api-users/").json()
    }
    crm = Integration.objects.get(name="Salesforce sync")
    assert rows == {
        "crm@corp.example": {"id": crm.pk, "name": "Salesforce sync"},
        "webinar@corp.example": None,
    }


def test_the_schema_documents_both_operations(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    path = schema["paths"]["/api/v1/instances/{id}/integrations/"]
    assert {"get", "post"} <= set(path)
    assert "integrations" in path["post"]["tags"]
    assert "201" in path["post"]["responses"]
