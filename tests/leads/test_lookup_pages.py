"""A lookup's pages speak the marketer's language: describe's field names, every value that
matched no lead on the page, moments in the viewer's zone, the time left in words."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.audit.context import AuditContext
from apps.instances.client import instance_budget
from apps.leads import selectors, services
from apps.leads.models import LeadLookup
from tests.leads.conftest import missing_emails, sandbox_emails

pytestmark = pytest.mark.django_db


def _run(instance, user, values, django_capture_on_commit_callbacks, field="email"):
    lookup = services.lead_lookup_prepare(
        instance=instance, user=user, field=field, raw_values=values
    )
    with django_capture_on_commit_callbacks(execute=False):
        services.lead_lookup_start(lookup=lookup, user=user, audit=AuditContext.system())
    return services.lead_lookup_run(lookup_id=lookup.pk)


def test_a_lookup_keeps_api_names_and_describes_display_names_when_prepared(
    otto, instance, sandbox
):
    lookup = services.lead_lookup_prepare(
        instance=instance, user=otto, field="sfdcLeadId", raw_values=["00Q000000000001"]
    )
    assert lookup.field == "sfdcLeadId" and "customerTier" in lookup.fields
    assert lookup.field_label == "SFDC Lead ID"
    assert lookup.field_info["updatedAt"] == {"label": "Updated At", "type": "datetime"}


def test_the_results_name_their_columns_by_display_name_with_the_api_name_on_hover(
    client_for, otto, instance, sandbox, django_capture_on_commit_callbacks
):
    lookup = _run(instance, otto, sandbox_emails(sandbox, 3), django_capture_on_commit_callbacks)
    cache.clear()  # the names come with the lookup, not from Marketo
    calls = sandbox.stats()["by_endpoint"].get("GET /rest/v1/leads/describe.json")
    body = client_for(otto).get(f"/leads/lookups/{lookup.pk}/").content.decode()
    assert '<th title="email"><a' in body and "Email Address</a></th>" in body
    chooser = '<label title="customerTier"><input type="checkbox" name="cols" value="customerTier">'
    assert chooser in body and " Customer Tier</label>" in body
    assert 'Lookup of 3 <span title="email">Email Address</span> values' in body
    assert sandbox.stats()["by_endpoint"].get("GET /rest/v1/leads/describe.json") == calls
    # updatedAt is a moment: shown in the viewer's zone, not as Marketo writes it.
    rows = body[body.index("<tbody>") :]
    assert "<time datetime=" in rows and "Z</td>" not in rows


def test_values_that_matched_no_lead_are_listed_on_the_page_a_page_at_a_time(
    client_for, otto, instance, sandbox, django_capture_on_commit_callbacks
):
    missing = missing_emails(60)
    lookup = _run(
        instance, otto, sandbox_emails(sandbox, 2) + missing, django_capture_on_commit_callbacks
    )
    client = client_for(otto)
    body = client.get(f"/leads/lookups/{lookup.pk}/").content.decode()
    assert "Values that matched no lead" in body and "(60)" in body
    assert f"<code>{missing[0]}</code>" in body and f"<code>{missing[49]}</code>" in body
    assert f"<code>{missing[50]}</code>" not in body
    assert "Page 1 of 2" in body and "Download all 60 (CSV)" in body
    second = client.get(f"/leads/lookups/{lookup.pk}/?missing=2").content.decode()
    assert f"<code>{missing[59]}</code>" in second and f"<code>{missing[0]}</code>" not in second
    part = client.get(f"/leads/lookups/{lookup.pk}/not-found/?missing=2").content.decode()
    assert "<html" not in part and f"<code>{missing[50]}</code>" in part
    assert "51\u201360 of 60" in part  # 51-60 with an en dash
    # Nonsense in the URL is the nearest page, never an error.
    assert client.get(f"/leads/lookups/{lookup.pk}/not-found/?missing=x").status_code == 200


def test_a_lookup_where_every_value_matched_shows_no_empty_list(
    client_for, otto, instance, sandbox, django_capture_on_commit_callbacks
):
    lookup = _run(instance, otto, sandbox_emails(sandbox, 2), django_capture_on_commit_callbacks)
    body = client_for(otto).get(f"/leads/lookups/{lookup.pk}/").content.decode()
    assert "Values that matched no lead" not in body


def _running(instance, user, batches: int) -> LeadLookup:
    lookup = services.lead_lookup_prepare(
        instance=instance,
        user=user,
        field="email",
        raw_values=missing_emails(300 * batches),
    )
    LeadLookup.objects.filter(pk=lookup.pk).update(
        status="running", started_at=timezone.now() - timedelta(seconds=40)
    )
    lookup.refresh_from_db()
    return lookup


def _done(lookup, count, *, every: float, now):
    """`count` batches done, one every `every` seconds, the last at `now`."""
    for n, batch in enumerate(lookup.batches.order_by("position")[:count]):
        batch.done, batch.calls = True, 1
        batch.done_at = now - timedelta(seconds=every * (count - 1 - n))
        batch.save()
    LeadLookup.objects.filter(pk=lookup.pk).update(done_values=300 * count, calls_used=count)
    lookup.refresh_from_db()


def test_the_time_left_comes_from_the_lookups_own_pace_in_words(otto, instance, sandbox):
    lookup = _running(instance, otto, 40)
    now = timezone.now()
    started = selectors.lookup_progress(lookup, now=now)
    assert (started["time_left"], started["estimating"]) == ("", True)
    _done(lookup, 10, every=4.0, now=now)  # shared: a call every 4 s, not 3.9 a second
    progress = selectors.lookup_progress(lookup, now=now)
    assert progress["eta_seconds"] == pytest.approx(30 * 4, abs=6)
    assert progress["time_left"] == "about 2 minutes left" and not progress["estimating"]


def test_the_progress_bar_says_estimating_until_it_can_say_more(
    client_for, otto, instance, sandbox
):
    lookup = _running(instance, otto, 5)
    body = client_for(otto).get(f"/leads/lookups/{lookup.pk}/progress/").content.decode()
    assert "estimating the time left…" in body and " s left" not in body
    _done(lookup, 4, every=2.0, now=timezone.now())
    body = client_for(otto).get(f"/leads/lookups/{lookup.pk}/progress/").content.decode()
    # One batch left, at 4 batches in the 40 s since it started.
    assert "estimating" not in body and "less than a minute left" in body


def test_the_lookups_list_names_the_field_and_says_when(client_for, otto, instance, sandbox):
    lookup = services.lead_lookup_prepare(
        instance=instance, user=otto, field="email", raw_values=["a@example.com"]
    )
    LeadLookup.objects.filter(pk=lookup.pk).update(status="done")
    body = client_for(otto).get("/leads/").content.decode()
    assert '<td title="email">Email Address</td>' in body
    assert "just now</time></a>" in body


def test_a_burst_is_taken_at_the_pace_of_this_lookups_share_of_the_window(
    otto, instance, sandbox, monkeypatch
):
    lookup = _running(instance, otto, 40)
    now = timezone.now()
    LeadLookup.objects.filter(pk=lookup.pk).update(started_at=now - timedelta(seconds=3))
    _done(lookup, 10, every=0.3, now=now)  # 10 calls in 3 s: an idle window's burst
    budget = instance_budget(instance)
    pace = (budget.calls_per_window - budget.interactive_reserve) / budget.window_span
    assert pace < 10 / 3
    alone = selectors.lookup_progress(lookup, now=now)["eta_seconds"]
    assert alone == pytest.approx(30 / pace, abs=1)  # not 30 / (10 / 3 s)

    class Shared:  # another job made as many calls in the window as this one
        def state(self, budget):
            return {"in_window": 20}

    monkeypatch.setattr(selectors, "shared_governor", Shared)
    assert selectors.lookup_progress(lookup, now=now)["eta_seconds"] == pytest.approx(
        2 * 30 / pace, abs=1
    )


def test_the_field_choices_are_display_names_sorted_and_read_from_the_cache_without_a_call(
    otto, instance, sandbox
):
    from apps.leads import metadata

    assert metadata.searchable_choices_cached(instance=instance) is None
    choices = metadata.searchable_choices_get(instance=instance, user=otto)
    assert ("email", "Email Address") in choices and ("sfdcLeadId", "SFDC Lead ID") in choices
    assert [label for _, label in choices] == sorted(
        (label for _, label in choices), key=str.casefold
    )
    calls = sandbox.stats()["by_endpoint"].get("GET /rest/v1/leads/describe2.json")
    assert metadata.searchable_choices_cached(instance=instance) == choices
    assert sandbox.stats()["by_endpoint"].get("GET /rest/v1/leads/describe2.json") == calls == 1
