from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from apps.accounts.selectors import profile_get
from apps.audit.models import AuditEvent
from apps.leads.detail import lead_memberships
from apps.leads.models import LeadLookup
from apps.leads.services import lead_lookup_run
from tests.factories import UserFactory
from tests.leads.conftest import missing_emails, sandbox_emails

pytestmark = pytest.mark.django_db


def test_the_detail_page_is_audited_and_loads_its_sections_separately(client_for, otto, instance):
    page = client_for(otto).get(f"/leads/{instance.pk}/lead/100001/").content.decode()
    for section in ("fields/", "activities/?start=", "memberships/"):
        assert f'hx-get="/leads/{instance.pk}/lead/100001/{section}' in page
    assert "leadDatabase/loadLeadDetail?leadId=100001" in page
    event = AuditEvent.objects.get(action="leads.view")
    assert (event.target_type, event.target_id, event.actor) == ("lead", "100001", otto)


def test_the_fields_are_grouped_standard_custom_system(client_for, otto, instance, sandbox):
    body = (
        client_for(otto)
        .get(f"/leads/{instance.pk}/lead/100001/fields/", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert body.index("Standard fields") < body.index("Custom fields") < body.index("System fields")
    assert sandbox_emails(sandbox, 1)[0] in body and "Customer Tier" in body
    assert 'data-copy="' in body and 'data-field-filter="lead-field-groups"' in body


def test_a_lead_id_that_does_not_exist_gets_a_clear_message(client_for, otto, instance):
    response = client_for(otto).get(f"/leads/{instance.pk}/lead/999999/fields/")
    assert response.status_code == 404
    assert "No lead with id 999999 exists in Sandbox." in response.content.decode()


def test_memberships_list_static_lists_and_programs(client_for, otto, instance):
    body = client_for(otto).get(f"/leads/{instance.pk}/lead/100001/memberships/").content.decode()
    assert "Static lists" in body and "Programs" in body


def test_memberships_show_their_dates_in_the_viewers_time_zone(client_for, otto, instance):
    profile = profile_get(user=otto)
    profile.time_zone = "Asia/Tokyo"
    profile.save()
    marketo = lead_memberships(instance=instance, user=otto, lead_id=100001)
    rows = [(row["createdAt"], row) for row in marketo["lists"]] + [
        (row["membershipDate"], row) for row in marketo["programs"]
    ]
    assert rows, "the seeded lead is a member of something"
    body = client_for(otto).get(f"/leads/{instance.pk}/lead/100001/memberships/").content.decode()
    tokyo = ZoneInfo("Asia/Tokyo")
    for written, _row in rows:
        moment = datetime.fromisoformat(written.replace("Z", "+00:00")).astimezone(tokyo)
        # Tokyo's time of day, and Marketo's UTC text only in the machine-readable attribute.
        assert f">{moment:%-d %b %Y, %H:%M}</time>" in body
        assert f">{written}<" not in body


def test_api_looks_up_up_to_300_values(api_client, otto, instance, sandbox):
    api_client.force_authenticate(otto)
    emails = sandbox_emails(sandbox, 2)
    response = api_client.get(
        f"/api/v1/instances/{instance.pk}/leads/",
        {"filterType": "email", "filterValues": ",".join(emails), "fields": "email,company"},
    )
    assert response.status_code == 200
    assert sorted(lead["email"] for lead in response.json()["result"]) == sorted(emails)
    assert set(response.json()["result"][0]) == {"id", "email", "company"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"filterValues": ""}, "Give at least one value"),
        ({"filterValues": ",".join(missing_emails(301))}, "At most 300 values"),
        ({"filterType": "company", "filterValues": "x"}, "is not a searchable field"),
        ({"filterValues": "a@x.com", "fields": "nope"}, "Unknown field(s): nope"),
    ],
)
def test_api_bad_lookups_answer_400(api_client, otto, instance, params, message):
    api_client.force_authenticate(otto)
    response = api_client.get(f"/api/v1/instances/{instance.pk}/leads/", params)
    assert response.status_code == 400
    assert message in response.json()["errors"]["non_field_errors"][0]


def test_api_batch_lookup_answers_202_and_reports_progress_and_csvs(
    api_client, otto, instance, sandbox, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(otto)
    with django_capture_on_commit_callbacks(execute=False):
        response = api_client.post(
            f"/api/v1/instances/{instance.pk}/lead-lookups/",
            {"field": "email", "values": [*sandbox_emails(sandbox, 2), "x@nowhere.example"]},
            format="json",
        )
    assert response.status_code == 202
    lookup = LeadLookup.objects.get()
    assert response["Location"].endswith(f"/api/v1/lead-lookups/{lookup.pk}/")
    lead_lookup_run(lookup_id=lookup.pk)
    status = api_client.get(f"/api/v1/lead-lookups/{lookup.pk}/").json()
    assert (status["status"], status["percent"], status["found_count"]) == ("done", 100, 2)
    csv_body = b"".join(api_client.get(status["not_found_csv"]).streaming_content).decode()
    assert "x@nowhere.example" in csv_body
    assert api_client.get(status["results_csv"]).status_code == 200


def test_api_lead_detail_has_fields_activities_and_memberships(api_client, otto, instance):
    api_client.force_authenticate(otto)
    response = api_client.get(f"/api/v1/instances/{instance.pk}/leads/100001/?days=365")
    assert response.status_code == 200
    assert set(response.json()) == {
        "lead",
        "activities",
        "activities_complete",
        "lists",
        "programs",
    }
    assert response.json()["lead"]["id"] == 100001
    assert api_client.get(f"/api/v1/instances/{instance.pk}/leads/999999/").status_code == 404


def test_api_refuses_viewers_and_other_users_lookups(api_client, viewer, otto, instance):
    api_client.force_authenticate(viewer)
    assert api_client.get(f"/api/v1/instances/{instance.pk}/leads/?filterValues=a").status_code in (
        403,
        404,
    )
    lookup = LeadLookup.objects.create(instance=instance, user=otto, field="email")
    api_client.force_authenticate(UserFactory(role="operator"))
    assert api_client.get(f"/api/v1/lead-lookups/{lookup.pk}/").status_code == 404


def test_every_endpoint_is_in_the_openapi_schema(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    for path in [
        "/api/v1/instances/{id}/leads/",
        "/api/v1/instances/{id}/leads/{lead_id}/",
        "/api/v1/instances/{id}/lead-lookups/",
        "/api/v1/lead-lookups/{id}/",
        "/api/v1/lead-lookups/{id}/results.csv",
        "/api/v1/lead-lookups/{id}/not-found.csv",
    ]:
        assert path in paths


def test_api_csvs_name_columns_as_the_page_does_and_give_api_names_with_headers_api(
    api_client, otto, instance, sandbox, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(otto)
    with django_capture_on_commit_callbacks(execute=False):
        api_client.post(
            f"/api/v1/instances/{instance.pk}/lead-lookups/",
            {"field": "email", "values": [*sandbox_emails(sandbox, 1), "x@nowhere.example"]},
            format="json",
        )
    lookup = LeadLookup.objects.get()
    lead_lookup_run(lookup_id=lookup.pk)

    def header(path):
        body = b"".join(api_client.get(path).streaming_content).decode("utf-8-sig")
        return body.splitlines()[0]

    base = f"/api/v1/lead-lookups/{lookup.pk}"
    assert header(f"{base}/results.csv?cols=email&cols=firstName") == "Email Address,First Name"
    assert header(f"{base}/results.csv?cols=email&cols=firstName&headers=api") == "email,firstName"
    assert header(f"{base}/not-found.csv") == "Email Address"
    assert header(f"{base}/not-found.csv?headers=api") == "email"


def test_the_openapi_schema_documents_the_headers_parameter_of_each_csv(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    for name in ["results.csv", "not-found.csv", "too-many.csv"]:
        parameters = paths[f"/api/v1/lead-lookups/{{id}}/{name}"]["get"]["parameters"]
        (headers,) = [item for item in parameters if item["name"] == "headers"]
        assert headers["schema"]["enum"] == ["api"] and "display names" in headers["description"]
