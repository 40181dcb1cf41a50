"""Instance URLs under production's outbound policy: one validator for the form, the API and
`add_instance`, and the same policy again at call time (apps/instances/outbound.py).

The test settings allow the sandbox's loopback like development does; `production` switches
to what production runs with (no loopback, no allow-list).
"""

import io
import socket
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from apps.instances.models import ConnectionTest, MarketoInstance
from apps.instances.outbound import marketo_allowed_hosts_check
from apps.instances.services import connection_test_run
from tests.factories import make_instance
from tests.marketo.local_servers import (
    ConnectionCounter,
    RecordingServer,
    redirect_to,
    resolver,
    running,
)

pytestmark = pytest.mark.django_db

REFUSED = [
    "https://169.254.169.254/",  # the cloud's metadata service
    "https://10.0.0.1/",
    "http://127.0.0.1:6379/",  # Redis
    "http://127.0.0.1:5432/",  # PostgreSQL
    "http://localhost:8765/identity",
    "https://2130706433/",  # 127.0.0.1 as a decimal number
    "https://[::ffff:169.254.169.254]/",
    "https://marketo.example.com/rest",
]
ALLOW_LISTED = "https://marketo-proxy.corp.example/rest"

FORM = {
    "name": "Production",
    "munchkin_id": "123-ABC-456",
    "client_id": "a1b2c3",
    "client_secret": "the-client-secret-4f2a",
    "rest_url": "",
    "identity_url": "",
    "calls_per_20s": 50,
    "concurrent_calls": 5,
    "daily_quota": 50000,
    "quota_share_percent": 50,
    "notes": "",
    "enabled": "on",
}


@pytest.fixture
def production(settings):
    settings.MARKETO_ALLOW_LOOPBACK = False
    settings.MARKETO_ALLOWED_HOSTS = []
    return settings


def add_instance(monkeypatch, rest_url="", identity_url=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO("piped-secret-value\n"))
    args = ["--name", "X", "--munchkin-id", "123-ABC-456", "--client-id", "cid"]
    args += ["--rest-url", rest_url, "--identity-url", identity_url]
    call_command("add_instance", *args, stdout=io.StringIO())


def connection_test(instance) -> ConnectionTest:
    return connection_test_run(test_id=ConnectionTest.objects.create(instance=instance).pk)


# --- saving: the form, the API, the command ----------------------------------------------


@pytest.mark.parametrize("url", REFUSED)
def test_the_form_refuses_what_production_may_not_call(production, client_for, admin_user, url):
    response = client_for(admin_user).post(reverse("instance_create"), {**FORM, "rest_url": url})
    assert response.status_code == 200
    assert response.context["form"].errors["rest_url"]
    assert not MarketoInstance.objects.exists()


@pytest.mark.parametrize("url", REFUSED)
def test_the_api_refuses_what_production_may_not_call(production, api_client, admin_user, url):
    api_client.force_authenticate(admin_user)
    body = {**FORM, "identity_url": url}
    response = api_client.post("/api/v1/instances/", body, format="json")
    assert response.status_code == 400
    assert "identity_url" in response.json()["errors"]
    assert not MarketoInstance.objects.exists()


def test_the_api_refuses_it_on_a_change_too(production, api_client, admin_user):
    instance = make_instance()
    api_client.force_authenticate(admin_user)
    response = api_client.patch(
        f"/api/v1/instances/{instance.pk}/",
        {"rest_url": "https://169.254.169.254/latest/meta-data/"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["rest_url"] == [
        "169.254.169.254 is a link-local address: marketo-admin calls only public addresses."
    ]
    instance.refresh_from_db()
    assert instance.rest_url == ""


@pytest.mark.parametrize("url", REFUSED)
def test_the_command_refuses_what_production_may_not_call(production, monkeypatch, url):
    with pytest.raises(CommandError, match=r"The instance was not added\. --rest-url: "):
        add_instance(monkeypatch, rest_url=url)
    assert not MarketoInstance.objects.exists()


def test_an_allow_listed_host_is_accepted_by_the_form_the_api_and_the_command(
    production, client_for, admin_user, api_client, monkeypatch
):
    production.MARKETO_ALLOWED_HOSTS = ["*.corp.example"]
    client_for(admin_user).post(reverse("instance_create"), {**FORM, "rest_url": ALLOW_LISTED})
    api_client.force_authenticate(admin_user)
    # Another LaunchPoint service (client id) each time: one service twice is refused.
    body = {**FORM, "name": "Via the API", "client_id": "d4e5f6", "identity_url": ALLOW_LISTED}
    assert api_client.post("/api/v1/instances/", body, format="json").status_code == 201
    add_instance(monkeypatch, rest_url=ALLOW_LISTED)
    assert MarketoInstance.objects.count() == 3


# --- calling ------------------------------------------------------------------------------


def test_production_reaches_the_sandbox_only_when_the_allow_list_names_it(production, sandbox):
    production.MARKETO_ALLOWED_HOSTS = ["127.0.0.1"]
    instance = make_instance(
        rest_url=sandbox.rest_url,
        identity_url=sandbox.identity_url,
        client_id=sandbox.client_id,
        secret=sandbox.client_secret,
    )
    assert connection_test(instance).status == ConnectionTest.Status.OK


def test_an_instance_saved_before_is_refused_at_call_time(settings, sandbox):
    instance = make_instance(  # saved in development, where the sandbox's loopback is allowed
        rest_url=sandbox.rest_url,
        identity_url=sandbox.identity_url,
        client_id=sandbox.client_id,
        secret=sandbox.client_secret,
    )
    settings.MARKETO_ALLOW_LOOPBACK = False
    test = connection_test(instance)
    assert test.status == ConnectionTest.Status.FAILED
    assert test.error == (
        "Could not get a token: 127.0.0.1 is this machine: marketo-admin calls it only in "
        "development, or when MARKETO_ALLOWED_HOSTS names it."
    )
    assert sandbox.stats()["identity_calls"] == 0


def test_a_marketo_host_that_resolves_to_this_machine_is_refused_at_call_time(
    production, monkeypatch
):
    instance = make_instance()  # https://123-ABC-456.mktorest.com/...
    with running(ConnectionCounter()) as (counter,):
        fake = resolver(
            socket.getaddrinfo, {"123-abc-456.mktorest.com": ["127.0.0.1"]}, counter.port
        )
        monkeypatch.setattr(socket, "getaddrinfo", fake)
        test = connection_test(instance)
    assert test.status == ConnectionTest.Status.FAILED
    assert test.error == (
        "Could not get a token: 123-abc-456.mktorest.com resolves to 127.0.0.1, a loopback "
        "address: marketo-admin connects only to public addresses."
    )
    assert counter.accepted == 0


def test_a_redirect_from_the_identity_endpoint_keeps_the_secret_and_says_so():
    with running(RecordingServer()) as (elsewhere,):
        redirecting = RecordingServer(answer=redirect_to(f"{elsewhere.url}/identity/oauth/token"))
        with running(redirecting):
            instance = make_instance(
                rest_url=f"{redirecting.url}/rest",
                identity_url=f"{redirecting.url}/identity",
                secret="do-not-forward-this-secret",
            )
            test = connection_test(instance)
        assert elsewhere.received == []
    assert test.status == ConnectionTest.Status.FAILED
    assert "marketo-admin does not follow redirects" in test.error
    assert "do-not-forward-this-secret" not in test.error


def test_a_malformed_allow_list_is_reported_at_start(settings):
    settings.MARKETO_ALLOWED_HOSTS = ["https://proxy.corp.example:8443"]
    (error,) = marketo_allowed_hosts_check(None)
    assert error.id == "instances.E010"
    assert "MARKETO_ALLOWED_HOSTS" in error.msg
