import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from apps.accounts.services import profile_update
from apps.audit.context import AuditContext
from apps.audit.models import AuditEvent
from apps.core.jobs import jobs_sweep
from apps.instances.client import instance_budget, shared_governor
from apps.leads import services
from apps.leads.models import LeadLookup, LeadLookupBatch, LeadLookupResult
from apps.leads.parsing import BadInput
from apps.marketo import client as marketo_client
from apps.marketo.governor import Priority
from tests.leads.conftest import leads_calls, missing_emails, sandbox_emails

pytestmark = pytest.mark.django_db


def _prepare(instance, user, values, field="email"):
    return services.lead_lookup_prepare(
        instance=instance, user=user, field=field, raw_values=values
    )


def _started(instance, user, values, django_capture_on_commit_callbacks):
    lookup = _prepare(instance, user, values)
    with django_capture_on_commit_callbacks(execute=False):
        services.lead_lookup_start(lookup=lookup, user=user, audit=AuditContext.system())
    return lookup


def test_a_lookup_of_1000_emails_half_present_costs_4_calls_and_stores_everything(
    otto, instance, sandbox, django_capture_on_commit_callbacks
):
    present, missing = sandbox_emails(sandbox, 500), missing_emails(500)
    lookup = _started(instance, otto, present + missing, django_capture_on_commit_callbacks)
    assert lookup.batch_count == 4 and lookup.status == "queued"
    lookup = services.lead_lookup_run(lookup_id=lookup.pk)
    assert lookup.status == "done"
    assert (lookup.done_values, lookup.found_count, lookup.not_found_count) == (1000, 500, 500)
    assert lookup.calls_used == 4 == leads_calls(sandbox)
    assert LeadLookupResult.objects.filter(lookup=lookup).count() == 500
    result = LeadLookupResult.objects.filter(lookup=lookup).first()
    assert "customerTier" in result.data  # every describe field, for the column chooser


def test_a_crashed_job_resumes_without_repeating_finished_batches(
    otto, instance, sandbox, monkeypatch, django_capture_on_commit_callbacks, job_messages
):
    lookup = _started(
        instance, otto, sandbox_emails(sandbox, 1500), django_capture_on_commit_callbacks
    )
    real_fetch, fetched = services._fetch, []

    def dies_on_the_third_batch(client, lookup, values):
        if len(fetched) == 2:
            raise SystemExit("the worker was killed")
        fetched.append(values)
        return real_fetch(client, lookup, values)

    monkeypatch.setattr(services, "_fetch", dies_on_the_third_batch)
    with pytest.raises(SystemExit):
        services.lead_lookup_run(lookup_id=lookup.pk)
    assert LeadLookupBatch.objects.filter(lookup=lookup, done=True).count() == 2
    monkeypatch.setattr(services, "_fetch", real_fetch)
    # Delivered again while its heartbeat is fresh, it waits: the worker may still be alive.
    assert services.lead_lookup_run(lookup_id=lookup.pk).status == "running"
    # Once the heartbeat is stale, the sweeper hands it to a new task, which resumes it.
    LeadLookup.objects.filter(pk=lookup.pk).update(
        heartbeat_at=timezone.now() - timedelta(minutes=2)
    )
    assert jobs_sweep() == {"leads.LeadLookup": 1}
    assert job_messages == [("leads.LeadLookup", lookup.pk, None)]
    lookup = services.lead_lookup_run(lookup_id=lookup.pk)
    assert lookup.status == "done" and lookup.found_count == 1500
    assert leads_calls(sandbox) == 5 == lookup.calls_used
    assert LeadLookupResult.objects.filter(lookup=lookup).count() == 1500


def test_a_marketo_failure_pauses_the_job_and_says_so(
    otto, instance, sandbox, monkeypatch, django_capture_on_commit_callbacks, job_messages
):
    lookup = _started(
        instance, otto, sandbox_emails(sandbox, 10), django_capture_on_commit_callbacks
    )
    # Marketo answers 608 until the client gives up; it gives up after 1 s instead of 300.
    sandbox.script_fault(path="/v1/leads.json", error="608")
    monkeypatch.setitem(marketo_client.DEADLINE_SECONDS, Priority.BACKGROUND, 1.0)
    lookup = services.lead_lookup_run(lookup_id=lookup.pk)
    assert lookup.status == "paused"
    assert "Retrying in 30 s; finished batches are kept." in lookup.message
    # It goes on by itself: a message in 30 s, and the sweeper once resume_at has passed.
    assert 25 < (lookup.resume_at - timezone.now()).total_seconds() <= 30
    assert job_messages == [("leads.LeadLookup", lookup.pk, 30)]


def test_a_cancelled_job_stops_before_its_next_batch(
    otto, instance, sandbox, django_capture_on_commit_callbacks
):
    lookup = _started(
        instance, otto, sandbox_emails(sandbox, 600), django_capture_on_commit_callbacks
    )
    services.lead_lookup_cancel(lookup=lookup, user=otto, audit=AuditContext.system())
    lookup = services.lead_lookup_run(lookup_id=lookup.pk)
    assert lookup.status == "cancelled" and leads_calls(sandbox) == 0


def test_a_lookup_over_the_days_share_is_refused_with_the_reason(otto, instance, sandbox):
    instance.daily_quota, instance.quota_share_percent = 10_000, 1  # 100 calls a day
    instance.save()
    lookup = _prepare(instance, otto, sandbox_emails(sandbox, 600))
    shared_governor().set_daily_used(instance_budget(instance), 99)
    cost = services.lookup_cost(lookup)
    assert (cost["calls"], cost["left"], cost["allowed"]) == (2, 1, False)
    with pytest.raises(BadInput, match="needs 2 calls, and Sandbox has 1 left today"):
        services.lead_lookup_start(lookup=lookup, user=otto, audit=AuditContext.system())
    assert LeadLookup.objects.get(pk=lookup.pk).status == "draft"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"values": ""}, "Enter at least one value to look up."),
        ({"values": "a@x.com", "field": "company"}, "is not a searchable field"),
        ({"values": "not-an-email"}, "None of the 1 values is a valid email"),
    ],
)
def test_bad_input_gets_a_clear_message_and_starts_nothing(
    client_for, otto, instance, data, message
):
    response = client_for(otto).post("/leads/lookups/", {"field": "email", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LeadLookup.objects.exists()


def test_a_csv_upload_without_the_column_is_refused(client_for, otto, instance):
    upload = SimpleUploadedFile("list.csv", b"name,mail\nAda,ada@x.com\n", "text/csv")
    response = client_for(otto).post(
        "/leads/lookups/", {"field": "email", "column": "email", "file": upload}
    )
    assert (
        "The file has no column “email”; its columns are: name, mail." in response.content.decode()
    )


def test_the_cost_page_then_start_runs_the_lookup_and_audits_it(
    client_for, otto, instance, sandbox, django_capture_on_commit_callbacks
):
    client = client_for(otto)
    emails = sandbox_emails(sandbox, 3)
    upload = SimpleUploadedFile(
        "fair.csv",
        ("\ufeffName;Email\n" + "\n".join(f"x;{e}" for e in emails) + "\nx;bad\n").encode(),
    )
    response = client.post("/leads/lookups/", {"field": "email", "column": "Email", "file": upload})
    lookup = LeadLookup.objects.get()
    assert response.url == f"/leads/lookups/{lookup.pk}/"
    page = client.get(response.url).content.decode()
    assert "Calls it will take</dt><dd>1" in page
    assert "1 invalid value left out" in page and "<code>bad</code>" in page
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(f"/leads/lookups/{lookup.pk}/start/")
    assert len(callbacks) == 1
    lookup.refresh_from_db()
    event = AuditEvent.objects.get(action="leads.lookup")
    assert event.details["values"] == 3 and event.details["field"] == "email"
    # CELERY_TASK_ALWAYS_EAGER is off: run the job as the worker would.
    services.lead_lookup_run(lookup_id=lookup.pk)
    page = client.get(f"/leads/lookups/{lookup.pk}/").content.decode()
    assert "100%" in page and "Found leads" in page and emails[0] in page


def _csv(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_downloads_give_found_leads_with_chosen_fields_and_not_found_values(
    client_for, otto, instance, sandbox, django_capture_on_commit_callbacks
):
    emails = sandbox_emails(sandbox, 2)
    lookup = _started(
        instance, otto, [*emails, "gone@nowhere.example"], django_capture_on_commit_callbacks
    )
    services.lead_lookup_run(lookup_id=lookup.pk)
    client = client_for(otto)
    url = f"/leads/lookups/{lookup.pk}/results.csv?cols=email&cols=customerTier"
    found = _csv(client.get(url))
    assert found[0] == ["Email Address", "Customer Tier"]  # describe's names, as on the page
    assert sorted(row[0] for row in found[1:]) == sorted(emails)
    assert _csv(client.get(f"{url}&headers=api"))[0] == ["email", "customerTier"]
    missing = _csv(client.get(f"/leads/lookups/{lookup.pk}/not-found.csv"))
    assert missing == [["Email Address"], ["gone@nowhere.example"]]
    missing = _csv(client.get(f"/leads/lookups/{lookup.pk}/not-found.csv?headers=api"))
    assert missing == [["email"], ["gone@nowhere.example"]]


def test_csv_cells_that_look_like_formulas_are_escaped(
    client_for, otto, instance, sandbox, django_capture_on_commit_callbacks
):
    lookup = _started(
        instance, otto, sandbox_emails(sandbox, 1), django_capture_on_commit_callbacks
    )
    services.lead_lookup_run(lookup_id=lookup.pk)
    result = LeadLookupResult.objects.get(lookup=lookup)
    result.data["company"] = '=HYPERLINK("http://evil")'
    result.save()
    rows = _csv(client_for(otto).get(f"/leads/lookups/{lookup.pk}/results.csv?cols=company"))
    assert rows[1] == ['\'=HYPERLINK("http://evil")']


def test_results_are_paginated_and_sortable(
    client_for, otto, instance, sandbox, django_capture_on_commit_callbacks
):
    lookup = _started(
        instance, otto, sandbox_emails(sandbox, 120), django_capture_on_commit_callbacks
    )
    services.lead_lookup_run(lookup_id=lookup.pk)
    client = client_for(otto)
    page = client.get(f"/leads/lookups/{lookup.pk}/results/?cols=id&cols=email&sort=-id&page=3")
    body = page.content.decode()
    assert "Page 3 of 3" in body and ">100020<" in body and ">100001<" in body


def test_another_users_lookup_is_not_found(client_for, otto, instance, sandbox, admin_user):
    from tests.factories import UserFactory

    lookup = _prepare(instance, otto, sandbox_emails(sandbox, 1))
    other = UserFactory(role="operator")
    assert client_for(other).get(f"/leads/lookups/{lookup.pk}/").status_code == 404


def test_old_lookups_are_deleted_with_their_results(
    otto, instance, sandbox, settings, django_capture_on_commit_callbacks
):
    settings.LEAD_LOOKUP_RETENTION_DAYS = 7
    old = _started(instance, otto, sandbox_emails(sandbox, 2), django_capture_on_commit_callbacks)
    services.lead_lookup_run(lookup_id=old.pk)
    LeadLookup.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    recent = _prepare(instance, otto, ["a@x.com"])
    out = io.StringIO()
    call_command("leads_prune", stdout=out)
    assert "Deleted 1 lead lookup(s) older than 7 days." in out.getvalue()
    assert list(LeadLookup.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not LeadLookupResult.objects.exists()


def _paused(lookup, minutes=10):
    LeadLookup.objects.filter(pk=lookup.pk).update(
        status="paused",
        message="Marketo is not answering properly right now.",
        resume_at=timezone.now() + timedelta(minutes=minutes),
    )


def test_a_paused_lookup_shows_when_it_goes_on_and_resume_now_queues_it_at_once(
    client_for, otto, instance, sandbox, django_capture_on_commit_callbacks, job_messages
):
    emails = sandbox_emails(sandbox, 10)
    lookup = _started(instance, otto, emails, django_capture_on_commit_callbacks)
    _paused(lookup)
    client = client_for(otto)
    page = client.get(reverse("lead_lookup_detail", args=[lookup.pk])).content.decode()
    assert "It tries again by itself in" in page
    assert reverse("lead_lookup_resume", args=[lookup.pk]) in page and "Resume now" in page
    response = client.post(reverse("lead_lookup_resume", args=[lookup.pk]), follow=True)
    assert "The lookup is queued again; finished batches are kept." in response.content.decode()
    lookup.refresh_from_db()
    assert (lookup.status, lookup.resume_at) == ("queued", None)
    assert job_messages == [("leads.LeadLookup", lookup.pk, None)]
    assert AuditEvent.objects.filter(action="leads.lookup_resume", target_id=lookup.pk).exists()
    page = client.get(reverse("lead_lookup_detail", args=[lookup.pk])).content.decode()
    assert "Resume now" not in page


def test_the_api_resumes_a_paused_lookup_and_refuses_one_that_is_not_paused(
    api_client, otto, instance, sandbox, django_capture_on_commit_callbacks, job_messages
):
    emails = sandbox_emails(sandbox, 10)
    lookup = _started(instance, otto, emails, django_capture_on_commit_callbacks)
    _paused(lookup)
    api_client.force_authenticate(otto)
    described = api_client.get(f"/api/v1/lead-lookups/{lookup.pk}/").json()
    assert described["status"] == "paused" and described["resume_at"]
    answer = api_client.post(f"/api/v1/lead-lookups/{lookup.pk}/resume/")
    assert answer.status_code == 202
    assert answer.json()["status"] == "queued"
    again = api_client.post(f"/api/v1/lead-lookups/{lookup.pk}/resume/")
    assert again.status_code == 409
    assert again.json() == {
        "detail": "Only a paused lookup can be resumed; this one is queued.",
        "code": "not_paused",
    }
    assert job_messages == [("leads.LeadLookup", lookup.pk, None)]


def test_the_found_csv_gives_datetime_fields_in_the_viewers_zone_with_the_offset(
    client_for, otto, instance, sandbox, django_capture_on_commit_callbacks
):
    profile_update(user=otto, time_zone="Asia/Kolkata", audit=AuditContext.system())
    lookup = _started(
        instance, otto, sandbox_emails(sandbox, 1), django_capture_on_commit_callbacks
    )
    services.lead_lookup_run(lookup_id=lookup.pk)
    result = LeadLookupResult.objects.get(lookup=lookup)
    result.data["updatedAt"] = "2026-03-08T06:00:00Z"
    result.save()
    url = f"/leads/lookups/{lookup.pk}/results.csv?cols=email&cols=updatedAt&cols=company"
    (header, row) = _csv(client_for(otto).get(url))
    assert header == ["Email Address", "Updated At", "Company Name"]
    assert row[1] == "2026-03-08T11:30:00+05:30"  # the page's moment, exact for a program
    assert row[2] == result.data["company"]  # every other value as Marketo wrote it
