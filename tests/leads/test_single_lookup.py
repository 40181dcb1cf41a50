import threading

import pytest
from django.core.cache import cache
from django.db import connection

from apps.audit.context import AuditContext
from apps.audit.models import AuditEvent
from apps.leads import coalesce
from apps.leads.coalesce import coalesced_find
from apps.leads.services import lead_search
from apps.usage.models import LedgerEntry
from tests.leads.conftest import leads_calls, sandbox_emails
from tests.plugins.services import service_missing

pytestmark = pytest.mark.django_db


def _search(client, **data):
    return client.post("/leads/search/", data, HTTP_HX_REQUEST="true")


def test_a_found_lead_appears_as_a_row_linking_to_its_detail(client_for, otto, instance, sandbox):
    email = sandbox_emails(sandbox, 1)[0]
    response = _search(client_for(otto), field="email", value=f"  {email.upper()} ")
    body = response.content.decode()
    assert response.status_code == 200
    assert '1 lead with <span title="email">Email Address</span>' in body
    assert f"/leads/{instance.pk}/lead/100001/" in body
    assert "<html" not in body  # a fragment for htmx


def test_nothing_matched_is_said_clearly(client_for, otto, instance):
    body = _search(client_for(otto), field="email", value="nobody@nowhere.example").content
    assert (
        'No lead has <span title="email">Email Address</span> “nobody@nowhere.example” in Sandbox.'
        in body.decode()
    )


def test_too_many_matches_answer_1003_and_ask_to_narrow(client_for, otto, instance):
    body = _search(client_for(otto), field="leadPartitionId", value="1").content.decode()
    assert "Too many leads match (more than 1,000): narrow the search." in body


def test_a_field_that_is_not_searchable_is_refused_before_any_lookup(
    client_for, otto, instance, sandbox
):
    body = _search(client_for(otto), field="company", value="Acme Corp").content.decode()
    assert "“company” is not a searchable field of Sandbox" in body
    assert leads_calls(sandbox) == 0


def test_an_empty_value_gets_a_message(client_for, otto, instance):
    body = _search(client_for(otto), field="email", value="   ").content.decode()
    assert "Enter a value to look up." in body


def test_searchable_fields_come_from_describe2_and_are_cached_with_a_refresh(
    client_for, otto, instance, sandbox
):
    client = client_for(otto)
    client.get("/leads/fields/searchable/", HTTP_HX_REQUEST="true")  # as the page asks (htmx)
    page = client.get("/leads/").content.decode()
    # describe2's display names, the API name on hover (swagger-mapi.json, LeadAttribute2Fields)
    assert '<option value="customerTier" title="customerTier">Customer Tier</option>' in page
    assert '<option value="company"' not in page
    client.get("/leads/")
    assert sandbox.stats()["by_endpoint"].get("GET /rest/v1/leads/describe2.json") == 1
    assert cache.get(f"leads:describe2:{instance.pk}") is not None
    # "Refresh the field list" answers without a call: the page it leads to reads the list
    # again after it is served, showing the one it has meanwhile.
    response = client.post("/leads/fields/refresh/")
    assert response.url == "/leads/?fields=refresh"
    assert sandbox.stats()["by_endpoint"].get("GET /rest/v1/leads/describe2.json") == 1
    page = client.get(response.url).content.decode()
    assert "fields/searchable/?field=email&amp;refresh=1" in page
    assert '<option value="customerTier"' in page
    fragment = client.get(
        "/leads/fields/searchable/?field=email&refresh=1", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert sandbox.stats()["by_endpoint"].get("GET /rest/v1/leads/describe2.json") == 2
    assert "Searchable fields read again from" in fragment


def test_a_refresh_that_marketo_refuses_keeps_the_field_list_read_before(
    client_for, otto, instance, sandbox
):
    client = client_for(otto)
    client.get("/leads/fields/searchable/", HTTP_HX_REQUEST="true")
    sandbox.script_fault(path="describe2.json", times=1, error="603")
    fragment = client.get(
        "/leads/fields/searchable/?refresh=1", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "could not be read again from" in fragment
    assert "so the one read before is kept" in fragment
    assert "customerTier" in client.get("/leads/").content.decode()  # the cache is kept


def test_a_lookup_is_audited_and_ledgered_to_the_user_as_interactive(
    client_for, otto, instance, sandbox
):
    _search(client_for(otto), field="email", value=sandbox_emails(sandbox, 1)[0])
    event = AuditEvent.objects.get(action="leads.lookup")
    assert event.actor == otto and event.instance_id == instance.pk
    assert event.details == {"mode": "single", "field": "email", "values": 1, "found": 1}
    call = LedgerEntry.objects.get(endpoint="/rest/v1/leads.json")
    assert (call.user_id, call.priority, call.feature) == (otto.pk, "interactive", "lead_lookup")


@pytest.mark.parametrize(
    "path",
    [
        "/leads/",
        "/leads/lookups/1/",
        "/leads/lookups/1/results.csv",
        "/leads/1/lead/100001/",
        "/leads/1/lead/100001/fields/",
        "/leads/1/lead/100001/activities/",
        "/leads/1/lead/100001/memberships/",
    ],
)
def test_viewers_may_not_open_any_leads_page(client_for, viewer, path):
    assert client_for(viewer).get(path).status_code == 403


@pytest.mark.parametrize("path", ["/leads/search/", "/leads/lookups/", "/leads/fields/refresh/"])
def test_viewers_may_not_post_to_leads(client_for, viewer, path):
    assert client_for(viewer).post(path, {"value": "a@b.c"}).status_code == 403


def test_an_operator_without_a_grant_sees_no_instance(client_for, otto):
    assert (
        "No Marketo instance is granted to you" in client_for(otto).get("/leads/").content.decode()
    )


def _email_finder(instance):
    """coalesced_find by email on `instance`, each call an interactive Get Leads."""
    from apps.instances.client import marketo_client
    from apps.marketo import leads as marketo_leads
    from apps.marketo.governor import Priority

    client = marketo_client(instance, priority=Priority.INTERACTIVE, feature="lead_lookup")

    def find(email):
        return coalesced_find(
            instance_id=instance.pk,
            field="email",
            value=email,
            fields=["id", "email"],
            call=lambda values, fields: marketo_leads.leads_find(
                client, filter_type="email", values=values, fields=fields
            ),
        )

    return find


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_lookups_share_at_most_two_calls(sandbox, role_groups, settings):
    if not settings.REDIS_URL:
        service_missing("lookups are shared through Redis")
    from tests.factories import UserFactory
    from tests.leads.conftest import sandbox_instance_for

    user = UserFactory(role="operator")
    instance = sandbox_instance_for(sandbox, user)
    emails = sandbox_emails(sandbox, 50)
    answers, barrier = {}, threading.Barrier(50)

    def one(email):
        barrier.wait()
        try:
            answers[email] = _find(email)
        finally:
            connection.close()  # the ledger wrote from this thread

    _find = _email_finder(instance)

    threads = [threading.Thread(target=one, args=(email,)) for email in emails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert {email: [lead["email"] for lead in answers[email]] for email in emails} == {
        email: [email] for email in emails
    }
    assert 1 <= leads_calls(sandbox) <= 2


@pytest.mark.django_db(transaction=True)
def test_a_lookup_made_alone_does_not_wait_for_company_and_a_burst_waits_one_window(
    sandbox, role_groups, settings
):
    if not settings.REDIS_URL:
        service_missing("lookups are shared through Redis")
    from tests.factories import UserFactory
    from tests.leads.conftest import sandbox_instance_for

    # A window longer than the test may run: a lookup that waited it would never answer.
    settings.LEAD_LOOKUP_COALESCE_MS = 600_000
    instance = sandbox_instance_for(sandbox, UserFactory(role="operator"))
    first, second = sandbox_emails(sandbox, 2)

    find = _email_finder(instance)

    assert [lead["email"] for lead in find(first)] == [first]
    assert leads_calls(sandbox) == 1
    # A lookup within the window of that call waits the rest of it (made 5 s here), then
    # makes the next call.
    settings.LEAD_LOOKUP_COALESCE_MS = 5000
    coalesce._redis().set(f"marketo-admin:leads:coalesce:{instance.pk}:email:recent", 1, px=5000)
    answers = []

    def look_up_second():
        try:
            answers.append(find(second))
        finally:
            connection.close()  # the ledger wrote from this thread

    waiting = threading.Thread(target=look_up_second)
    waiting.start()
    waiting.join(timeout=2)
    assert waiting.is_alive() and leads_calls(sandbox) == 1
    waiting.join(timeout=30)
    assert [[lead["email"] for lead in leads] for leads in answers] == [[second]]
    assert leads_calls(sandbox) == 2
    connection.close()


def test_lead_search_service_returns_the_matching_leads(otto, instance, sandbox):
    emails = sandbox_emails(sandbox, 2)
    leads = lead_search(
        instance=instance, user=otto, field="email", value=emails[1], audit=AuditContext.system()
    )
    assert [lead["id"] for lead in leads] == [100002]
