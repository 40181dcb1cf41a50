import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from apps.accounts.selectors import profile_get
from apps.assets.models import AssetType, MirroredAsset
from apps.audit.models import AuditEvent
from apps.instances.client import instance_budget, shared_governor
from apps.leads.detail import lead_memberships, lead_name, program_status_notes
from apps.leads.models import LeadLookup
from apps.leads.services import lead_lookup_run
from apps.marketo.governor import Lease, Priority
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
    client = client_for(otto)
    message = "No lead 999999 in Sandbox. It may have been deleted or merged."
    response = client.get(f"/leads/{instance.pk}/lead/999999/fields/")
    assert response.status_code == 404
    assert message in response.content.decode()
    # htmx: the message replaces the whole page, sections included (a 200: htmx swaps 2xx).
    response = client.get(f"/leads/{instance.pk}/lead/999999/fields/", HTTP_HX_REQUEST="true")
    assert response["HX-Retarget"] == "#lead-detail" and message in response.content.decode()
    # From then on the page itself says so at once, with a 404 and no empty sections.
    page = client.get(f"/leads/{instance.pk}/lead/999999/")
    assert page.status_code == 404
    body = page.content.decode()
    assert message in body and "Lists and programs" not in body and "hx-get" not in body


def test_the_page_is_titled_with_the_persons_name_once_it_is_known(
    client_for, otto, instance, sandbox
):
    client = client_for(otto)
    calls = sandbox.stats()["calls"]
    page = client.get(f"/leads/{instance.pk}/lead/100001/").content.decode()
    assert "<title>Lead 100001 · marketo-admin</title>" in page
    assert sandbox.stats()["calls"] == calls  # the page itself waits for no Marketo call
    lead = sandbox.instance.leads.render(0, ["firstName", "lastName"])
    name = f"{lead['firstName']} {lead['lastName']}"
    fields = client.get(
        f"/leads/{instance.pk}/lead/100001/fields/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f"<title>{name} · marketo-admin</title>" in fields
    assert f'<h1 id="lead-name" hx-swap-oob="true">{name}</h1>' in fields
    page = client.get(f"/leads/{instance.pk}/lead/100001/").content.decode()
    assert f"<title>{name} · marketo-admin</title>" in page and f">{name}</h1>" in page


@pytest.mark.parametrize(
    ("lead", "name"),
    [
        ({"firstName": "Ada", "lastName": "Lovelace", "email": "ada@x.com"}, "Ada Lovelace"),
        ({"firstName": "Ada", "lastName": None}, "Ada"),
        ({"firstName": " ", "email": "ada@x.com"}, "ada@x.com"),
        ({}, "Lead 100500"),
    ],
)
def test_a_lead_is_called_by_name_then_email_then_id(lead, name):
    assert lead_name(lead, 100500) == name


def test_datetime_fields_are_moments_in_the_viewers_zone(client_for, otto, instance):
    profile = profile_get(user=otto)
    profile.time_zone = "Europe/Paris"
    profile.save()
    body = (
        client_for(otto)
        .get(f"/leads/{instance.pk}/lead/100001/fields/", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    created = re.search(r'data-copy="(\d{4}-\d\d-\d\dT[^"]+Z)" title="Copy Created At"', body)
    assert created, "the lead's createdAt is in the page"
    written = created.group(1)
    moment = datetime.fromisoformat(written.replace("Z", "+00:00")).astimezone(
        ZoneInfo("Europe/Paris")
    )
    assert f"{moment:%-d %b %Y, %H:%M} {moment:%Z}</time>" in body
    assert f'<span class="value">{written}</span>' not in body


def test_memberships_list_static_lists_and_programs(client_for, otto, instance):
    body = client_for(otto).get(f"/leads/{instance.pk}/lead/100001/memberships/").content.decode()
    assert "Static lists" in body and "Programs" in body


def test_memberships_name_and_link_lists_and_programs_the_mirror_knows(
    client_for, api_client, otto, instance
):
    marketo = lead_memberships(instance=instance, user=otto, lead_id=100001)
    program, *others = [row["id"] for row in marketo["programs"]]
    static_list = marketo["lists"][0]["listId"]
    assert others, "the seeded lead is in several programs"
    MirroredAsset.objects.create(
        instance=instance, asset_type=AssetType.PROGRAM, marketo_id=program, name="Spring Webinar"
    )
    MirroredAsset.objects.create(
        instance=instance, asset_type=AssetType.STATIC_LIST, marketo_id=static_list,
        name="Newsletter subscribers",
    )  # fmt: skip
    body = client_for(otto).get(f"/leads/{instance.pk}/lead/100001/memberships/").content.decode()
    assert (
        f'<a href="/assets/{instance.pk}/asset/program/{program}/">Spring Webinar</a> '
        f'<small class="muted">id {program}</small>'
    ) in body
    assert (
        f'<a href="/assets/{instance.pk}/asset/static_list/{static_list}/">'
        "Newsletter subscribers</a>"
    ) in body
    text = re.sub(r"<[^>]+>", "", body)
    assert f"Program {others[0]} (not in the mirror yet)" in text
    statuses = [row["progressionStatus"] for row in marketo["programs"]]
    assert all(f">{status}" in body for status in statuses)
    # The API's lead detail names them too.
    api_client.force_authenticate(otto)
    answer = api_client.get(f"/api/v1/instances/{instance.pk}/leads/100001/").json()
    named = {row["id"]: (row["name"], row["url"]) for row in answer["programs"]}
    assert named[program] == ("Spring Webinar", f"/assets/{instance.pk}/asset/program/{program}/")
    assert named[others[0]] == (None, "")


def test_a_programs_status_flags_are_said_in_words():
    row = {
        "progressionStatus": "Engaged",
        "reachedSuccess": True,
        "acquiredBy": True,
        "stream": "Stream 1",
        "nurtureCadence": "paused",
        "isExhausted": True,
    }
    assert program_status_notes(row) == [
        "success reached",
        "acquired by this program",
        "in stream “Stream 1”, cadence paused",
        "has had all of the stream's content",
    ]
    assert program_status_notes({"progressionStatus": "Member"}) == []


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
        # Tokyo's time of day with its zone, and no UTC text of Marketo's.
        assert f">{moment:%-d %b %Y, %H:%M} JST</time>" in body
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


def test_api_answers_429_with_retry_after_while_the_instances_budget_is_spent(
    api_client, otto, instance, sandbox
):
    governor, budget = shared_governor(), instance_budget(instance)
    for _ in range(budget.calls_per_window):  # the whole window, as other work would
        lease = governor.try_acquire(budget, Priority.INTERACTIVE)
        assert isinstance(lease, Lease)
        governor.release(lease)
    calls_before = sandbox.stats()["calls"]
    api_client.force_authenticate(otto)
    response = api_client.get(
        f"/api/v1/instances/{instance.pk}/leads/", {"filterType": "email", "filterValues": "a@b.c"}
    )
    assert response.status_code == 429
    assert response.json()["code"] == "marketo_budget_spent"
    assert 1 <= int(response["Retry-After"]) <= budget.window_seconds + 1
    assert sandbox.stats()["calls"] == calls_before  # nothing was sent to Marketo
