"""Marketo answers 1003 when more than 1,000 leads match a Get Leads by Filter Type call
(help/rest-api/leads.md, "Query"). A batch is then halved until each part answers; a value
that alone matches more than 1,000 leads is reported in words, never as "not found"."""

import csv
import io

import pytest
import requests

from apps.audit.context import AuditContext
from apps.leads import services
from apps.leads.models import LeadLookupBatch
from apps.marketo import leads as marketo_leads
from tests.leads.conftest import leads_calls, missing_emails, sandbox_emails
from tests.sandbox.conftest import get_token

pytestmark = pytest.mark.django_db

# Every seeded sandbox lead has leadPartitionId 1: 2,000 of them match "1".
BROAD, NARROW = "1", ["2", "3"]


def _run(instance, user, field, values, django_capture_on_commit_callbacks):
    lookup = services.lead_lookup_prepare(
        instance=instance, user=user, field=field, raw_values=values
    )
    with django_capture_on_commit_callbacks(execute=False):
        services.lead_lookup_start(lookup=lookup, user=user, audit=AuditContext.system())
    return services.lead_lookup_run(lookup_id=lookup.pk)


def _csv(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_sandbox_answers_1003_for_a_batch_that_matches_over_1000_leads(sandbox):
    url = f"{sandbox.rest_url}/v1/leads.json"
    headers = {"Authorization": f"Bearer {get_token(sandbox)}"}

    def ask(values: str):
        params = {"filterType": "leadPartitionId", "filterValues": values}
        return requests.get(url, params=params, headers=headers, timeout=5)

    broad = ask("1,2")
    assert broad.json()["errors"] == [
        {"code": "1003", "message": "Too many results match the filter"}
    ]
    narrow = ask("2")
    assert narrow.json() | {"requestId": ""} == {"requestId": "", "success": True, "result": []}


def test_a_value_matching_over_1000_leads_is_reported_in_words_not_as_not_found(
    client_for, otto, instance, sandbox, django_capture_on_commit_callbacks
):
    lookup = _run(
        instance, otto, "leadPartitionId", [BROAD, *NARROW], django_capture_on_commit_callbacks
    )
    assert lookup.status == "done"
    assert (lookup.found_count, lookup.not_found_count, lookup.too_many_count) == (0, 2, 1)
    (batch,) = LeadLookupBatch.objects.filter(lookup=lookup)
    assert (batch.too_many, batch.not_found, batch.error) == ([BROAD], NARROW, "")
    # 1,2,3 -> 1003; 1 -> 1003 (alone: too many); 2,3 -> answered.
    assert lookup.calls_used == 3 == leads_calls(sandbox)

    client = client_for(otto)
    missing = _csv(client.get(f"/leads/lookups/{lookup.pk}/not-found.csv"))
    assert missing == [["Lead Partition Id"], *[[value] for value in NARROW]]
    too_many = _csv(client.get(f"/leads/lookups/{lookup.pk}/too-many.csv"))
    assert too_many == [["Lead Partition Id", "Result"], [BROAD, "matches more than 1,000 leads"]]
    too_many = _csv(client.get(f"/leads/lookups/{lookup.pk}/too-many.csv?headers=api"))
    assert too_many == [["leadPartitionId", "result"], [BROAD, "matches more than 1,000 leads"]]
    page = client.get(f"/leads/lookups/{lookup.pk}/").content.decode()
    assert "“1” matches more than 1,000 leads" in page
    assert "1 matches more than 1,000 leads" in page  # the progress figures
    assert "Some values could not be looked up" not in page


def test_a_batch_refused_with_1003_is_halved_and_every_lead_found(
    otto, instance, sandbox, django_capture_on_commit_callbacks
):
    present = sandbox_emails(sandbox, 4)
    values = [*present, *missing_emails(2)]
    # A batch of values that together match more than 1,000 leads, each far fewer.
    sandbox.script_fault(path="leads.json", times=1, error="1003")
    lookup = _run(instance, otto, "email", values, django_capture_on_commit_callbacks)
    assert (lookup.found_count, lookup.not_found_count, lookup.too_many_count) == (4, 2, 0)
    assert lookup.lead_count == 4
    assert lookup.calls_used == 3  # the whole batch, then each half


def test_the_api_reports_too_many_matches_per_value(
    api_client, otto, instance, sandbox, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(otto)
    now = api_client.get(
        f"/api/v1/instances/{instance.pk}/leads/",
        {"filterType": "leadPartitionId", "filterValues": ",".join([BROAD, *NARROW])},
    )
    assert now.status_code == 200, now.content
    assert now.json()["result"] == []
    assert now.json()["tooManyMatches"] == [
        {"value": BROAD, "reason": "matches more than 1,000 leads"}
    ]
    with django_capture_on_commit_callbacks(execute=False):
        created = api_client.post(
            f"/api/v1/instances/{instance.pk}/lead-lookups/",
            {"field": "leadPartitionId", "values": [BROAD, *NARROW]},
            format="json",
        )
    services.lead_lookup_run(lookup_id=created.json()["id"])
    status = api_client.get(created["Location"]).json()
    assert (status["not_found_count"], status["too_many_count"]) == (2, 1)
    rows = _csv(api_client.get(status["too_many_csv"]))
    assert rows[1] == [BROAD, marketo_leads.TOO_MANY_MATCHES_WORDS]
    assert BROAD not in [row[0] for row in _csv(api_client.get(status["not_found_csv"]))]
