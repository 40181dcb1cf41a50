"""The Leads page waits for no Marketo call: it is served from what the product knows, and
the searchable fields are read after it (htmx), with a clear message when Marketo does not
answer."""

import pytest

from apps.audit.context import AuditContext
from apps.instances.services import grant_set
from apps.usage.models import LedgerEntry
from tests.factories import make_instance
from tests.processes import free_port

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _options(body: str, select_id: str) -> int:
    start = body.index(f'id="{select_id}"')
    return body[start : body.index("</select>", start)].count("<option")


def test_the_leads_page_is_served_before_any_call_then_reads_the_fields(
    client_for, otto, instance, sandbox
):
    client = client_for(otto)
    page = client.get("/leads/").content.decode()
    assert sandbox.stats()["calls"] == 0 and not LedgerEntry.objects.exists()
    assert 'hx-get="/leads/fields/searchable/?field=email"' in page
    assert _options(page, "search-field") == 1  # email, until the list comes
    fields = client.get("/leads/fields/searchable/", **HTMX).content.decode()
    assert sandbox.stats()["calls"] > 0
    assert '<select name="field" id="search-field" hx-swap-oob="true">' in fields
    assert '<select name="field" id="batch-field" hx-swap-oob="true">' in fields
    assert _options(fields, "search-field") > 5 and _options(fields, "batch-field") > 5
    calls = sandbox.stats()["calls"]
    # The next visit has the list at once, and asks for nothing.
    page = client.get("/leads/").content.decode()
    assert _options(page, "search-field") > 5 and "field-list-status" not in page
    assert sandbox.stats()["calls"] == calls


def unreachable_instance(user, port, **fields):
    instance = make_instance(
        "Unreachable",
        rest_url=f"http://127.0.0.1:{port}/rest",
        identity_url=f"http://127.0.0.1:{port}/identity",
        **fields,
    )
    grant_set(
        instance=instance, user=user, role="operator", actor=None, audit=AuditContext.system()
    )
    return instance


def test_an_instance_that_does_not_answer_delays_nothing_and_is_named(client_for, otto):
    port = free_port()  # nothing listens there: every connection is refused
    instance = unreachable_instance(otto, port)
    client = client_for(otto)
    page = client.get("/leads/")
    assert page.status_code == 200 and f"in {instance.name}" in page.content.decode()
    assert not LedgerEntry.objects.exists()
    body = client.get("/leads/fields/searchable/", **HTMX).content.decode()
    assert "Unreachable did not answer, so only email is offered to look up by for now" in body
    assert "hx-swap-oob" not in body


def test_an_unreachable_instance_whose_slots_are_held_still_reads_as_not_answering(
    client_for, otto
):
    # Each call that got no answer keeps its slot a while (the governor cannot know that
    # Marketo is not running it): with one slot, the next attempt waits for the governor.
    unreachable_instance(otto, free_port(), concurrent_calls=1)
    body = client_for(otto).get("/leads/fields/searchable/", **HTMX).content.decode()
    assert "Unreachable did not answer, so only email is offered to look up by for now" in body
