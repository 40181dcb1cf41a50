"""The audit context: who acts and from where, built once by a view or handed by a task or a
command, and what each way of calling a service writes into the trail."""

import dataclasses
import io
import sys

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.http import HttpRequest
from django.test import RequestFactory
from django.urls import reverse

from apps.audit.context import AuditContext
from apps.audit.models import AuditEvent
from apps.audit.services import audit_record

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
ALICE = "203.0.113.10"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _who_and_where(event: AuditEvent) -> tuple:
    return (event.actor, event.actor_username, event.ip_address, event.user_agent)


def test_a_request_gives_the_signed_in_user_the_client_behind_our_proxies_and_the_browser(
    settings, operator
):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().post(
        "/x", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ALICE, HTTP_USER_AGENT=FIREFOX
    )
    request.user = operator
    assert AuditContext.from_request(request) == AuditContext(
        user=operator, address=ALICE, user_agent=FIREFOX
    )


def test_an_anonymous_request_has_no_user_but_still_an_address(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().post("/login/", REMOTE_ADDR=ALICE)
    request.user = AnonymousUser()
    assert AuditContext.from_request(request) == AuditContext(address=ALICE)
    # The test client's login() sends its signal with a bare request: no user, no address.
    assert AuditContext.from_request(HttpRequest()) == AuditContext.system()


def test_the_system_has_no_user_no_address_and_no_browser():
    assert AuditContext.system() == AuditContext(user=None, address=None, user_agent="")


def test_a_context_cannot_be_changed_once_built(operator):
    context = AuditContext(user=operator, address=ALICE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        context.address = "198.51.100.20"


def test_an_event_takes_the_contexts_user_unless_the_service_names_another(operator, admin_user):
    context = AuditContext(user=admin_user, address=ALICE, user_agent=FIREFOX)
    own = audit_record(action="x.y", audit=context)
    named = audit_record(action="x.y", audit=context, actor=operator)
    assert _who_and_where(own) == (admin_user, "ada", ALICE, FIREFOX)
    # e.g. an admin acting on someone's token: the owner is named, the admin's address kept
    assert _who_and_where(named) == (operator, "otto", ALICE, FIREFOX)


def test_a_user_agent_longer_than_its_column_is_cut_to_fit(operator):
    event = audit_record(action="x.y", audit=AuditContext(user=operator, user_agent="A" * 2000))
    event.refresh_from_db()
    assert event.user_agent == "A" * AuditEvent._meta.get_field("user_agent").max_length


# --- the same service from a page and from the API ------------------------------------------


def test_the_page_and_the_api_record_the_same_who_and_where(
    settings, client_for, api_client, operator
):
    settings.TRUSTED_PROXY_COUNT = 1
    where = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": ALICE, "HTTP_USER_AGENT": FIREFOX}
    client_for(operator).post(reverse("profile"), {"time_zone": "Asia/Kolkata"}, **where)
    api_client.force_authenticate(operator)
    response = api_client.patch("/api/v1/me/", {"time_zone": "Europe/Paris"}, **where)
    assert response.status_code == 200
    page, api = AuditEvent.objects.filter(action="profile.update").order_by("id")
    assert _who_and_where(page) == _who_and_where(api) == (operator, "otto", ALICE, FIREFOX)
    assert (page.details, api.details) == (
        {"time_zone": ["UTC", "Asia/Kolkata"]},
        {"time_zone": ["Asia/Kolkata", "Europe/Paris"]},
    )


# --- commands and tasks pass their own context ----------------------------------------------


def test_the_create_api_token_command_names_the_tokens_owner_with_no_address(capsys, viewer):
    call_command("create_api_token", "vera", "--name", "nightly export")
    event = AuditEvent.objects.get(action="api_token.create")
    assert _who_and_where(event) == (viewer, "vera", None, "")
    assert event.details["name"] == "nightly export"


def test_the_add_instance_command_is_recorded_as_the_system(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("piped-secret-value\n"))
    call_command(
        "add_instance",
        "--name",
        "Production",
        "--munchkin-id",
        "123-ABC-456",
        "--client-id",
        "cid",
        stdout=io.StringIO(),
    )
    event = AuditEvent.objects.get(action="instance.create")
    assert _who_and_where(event) == (None, "", None, "")
    assert (event.instance_name, event.details) == (
        "Production",
        {"munchkin_id": "123-ABC-456", "client_id": "cid"},
    )


def test_the_schedules_start_syncs_for_no_one_and_write_no_event(job_messages):
    from apps.assets.services import asset_syncs_scheduled
    from apps.usage.services import usage_sync_due
    from tests.factories import make_instance

    instance = make_instance()
    before = AuditEvent.objects.count()
    assert asset_syncs_scheduled(mode="full") == 1
    [usage_sync] = usage_sync_due(kind="today")
    assert AuditEvent.objects.count() == before
    assert instance.asset_syncs.get().requested_by is None
    assert usage_sync.requested_by is None


def test_a_sync_asked_for_on_a_page_names_the_person_there_and_in_the_workers_event(
    settings, client_for, admin_user, sandbox
):
    from tests.assets.conftest import run_sync
    from tests.factories import make_instance

    settings.TRUSTED_PROXY_COUNT = 0
    instance = make_instance(
        "Sandbox",
        client_id=sandbox.client_id,
        secret=sandbox.client_secret,
        rest_url=sandbox.rest_url,
        identity_url=sandbox.identity_url,
        calls_per_20s=100,
    )
    client_for(admin_user).post(
        reverse("assets_sync_start", args=[instance.pk]),
        {"mode": "full"},
        REMOTE_ADDR=ALICE,
        HTTP_USER_AGENT=FIREFOX,
    )
    sync_id = instance.asset_syncs.get().pk
    asked = AuditEvent.objects.get(action="assets.sync_requested")
    assert _who_and_where(asked) == (admin_user, "ada", ALICE, FIREFOX)
    assert run_sync(sync_id).status == "succeeded"
    done = AuditEvent.objects.get(action="assets.sync")
    # The worker acts for the person who asked, from no address of theirs.
    assert _who_and_where(done) == (admin_user, "ada", None, "")
    assert done.target_id == str(sync_id)
