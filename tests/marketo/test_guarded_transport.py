"""At call time: the client checks the address it connects to, and never follows a redirect.

Real HTTP to small servers on 127.0.0.1 (local_servers.py); where a test needs a name that
resolves somewhere, socket.getaddrinfo is patched, the function urllib3 resolves through.
"""

import socket
import time
from urllib.parse import parse_qs

import pytest

from apps.marketo import identity, transport
from apps.marketo.client import MarketoClient
from apps.marketo.config import InstanceConfig
from apps.marketo.errors import DestinationRefused, RedirectRefused
from apps.marketo.governor import Budget, Priority, memory_governor
from apps.marketo.identity import AccessToken
from apps.marketo.outbound import OutboundPolicy
from apps.marketo.token_broker import MemoryTokenStore, TokenBroker
from tests.marketo.local_servers import (
    ConnectionCounter,
    RecordingServer,
    redirect_to,
    resolver,
    running,
)

PRODUCTION = OutboundPolicy.build()
DEVELOPMENT = OutboundPolicy.build(loopback_allowed=True)
SECRET = "the-client-secret-9f3e"


def config(identity_url, rest_url="https://123-abc-456.mktorest.com/rest", outbound=PRODUCTION):
    return InstanceConfig(
        instance_id=1,
        name="Test",
        rest_url=rest_url,
        identity_url=identity_url,
        client_id="the-client-id",
        client_secret=SECRET,
        outbound=outbound,
    )


@pytest.fixture
def counter():
    with running(ConnectionCounter()) as (server,):
        yield server


def test_a_marketo_name_that_resolves_to_this_machine_is_refused_before_connecting(
    monkeypatch, counter
):
    # Were the address not checked, urllib3 would connect to the counter (and start TLS).
    fake = resolver(socket.getaddrinfo, {"123-abc-456.mktorest.com": ["127.0.0.1"]}, counter.port)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with pytest.raises(DestinationRefused) as caught:
        identity.token_request(config("https://123-abc-456.mktorest.com/identity"))
    assert str(caught.value) == (
        "123-abc-456.mktorest.com resolves to 127.0.0.1, a loopback address: "
        "marketo-admin connects only to public addresses."
    )
    assert counter.accepted == 0


@pytest.mark.parametrize(
    ("addresses", "kind"),
    [
        (["169.254.169.254"], "link-local"),
        (["10.0.0.1"], "private"),
        (["::ffff:127.0.0.1"], "loopback"),
        (["::1"], "loopback"),
        # One bad address spoils the name: nothing is tried, not even the public one.
        (["192.28.144.10", "127.0.0.1"], "loopback"),
    ],
)
def test_any_non_public_address_of_an_allowed_name_is_refused(
    monkeypatch, counter, addresses, kind
):
    fake = resolver(socket.getaddrinfo, {"123-abc-456.mktorest.com": addresses}, counter.port)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with pytest.raises(DestinationRefused, match=f"{kind} address"):
        identity.token_request(config("https://123-abc-456.mktorest.com/identity"))
    assert counter.accepted == 0


def test_the_name_is_resolved_once_per_connection_and_the_checked_address_is_the_one_used(
    monkeypatch,
):
    # DNS rebinding answers a public address to the check and a private one to the connect;
    # here there is only one resolution, inside the connection, before its own connect.
    calls = []
    with running(RecordingServer()) as (server,):
        real = socket.getaddrinfo
        fake = resolver(real, {"localhost": ["127.0.0.1"]}, server.port)
        monkeypatch.setattr(
            socket, "getaddrinfo", lambda *a, **k: calls.append(a[0]) or fake(*a, **k)
        )
        token = identity.token_request(
            config(f"http://localhost:{server.port}/identity", outbound=DEVELOPMENT)
        )
    assert token.value == "tok-1:ab"
    assert calls == ["localhost"]


def test_localhost_is_refused_in_production_and_reached_in_development():
    with running(RecordingServer()) as (server,):
        url = f"http://localhost:{server.port}/identity"
        with pytest.raises(DestinationRefused, match="localhost is this machine"):
            identity.token_request(config(url, outbound=PRODUCTION))
        assert server.received == []
        assert identity.token_request(config(url, outbound=DEVELOPMENT)).value == "tok-1:ab"


def test_a_decimal_loopback_address_is_refused_in_production():
    with running(RecordingServer()) as (server,):
        with pytest.raises(DestinationRefused, match="2130706433 is this machine"):
            identity.token_request(config(f"http://2130706433:{server.port}/identity"))
        assert server.received == []


def test_a_redirect_on_the_identity_call_is_not_followed_and_the_secret_stays_home():
    with running(RecordingServer()) as (elsewhere,):
        target = f"{elsewhere.url}/identity/oauth/token"
        redirecting = RecordingServer(answer=redirect_to(target, 307))
        with running(redirecting), pytest.raises(RedirectRefused) as caught:
            identity.token_request(config(f"{redirecting.url}/identity", outbound=DEVELOPMENT))
        assert elsewhere.received == []
        (asked,) = redirecting.received
        assert parse_qs(asked.body)["client_secret"] == [SECRET]  # sent to the URL chosen only
    assert str(caught.value) == (
        f"Marketo answered with a redirect to {target}; marketo-admin does not follow "
        "redirects (HTTP 307; check the instance's URLs)."
    )
    assert caught.value.code == "redirect"
    assert not caught.value.retryable


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_on_a_rest_call_is_reported_once_and_never_retried(status):
    with running(RecordingServer()) as (elsewhere,):
        answer = redirect_to(f"{elsewhere.url}/rest/v1/leads.json", status)
        with running(RecordingServer(answer=answer)) as (rest_server,):
            ledger = []
            client = MarketoClient(
                config("unused", rest_url=f"{rest_server.url}/rest", outbound=DEVELOPMENT),
                budget=Budget(instance_id=1, calls_per_window=50, concurrency=5, daily_limit=100),
                governor=memory_governor(),
                broker=TokenBroker(MemoryTokenStore(), fetch=_a_token),
                ledger=ledger.append,
                priority=Priority.INTERACTIVE,
                sleep=lambda seconds: None,
            )
            with pytest.raises(RedirectRefused, match="does not follow redirects"):
                client.get("/v1/leads.json", {"filterType": "id", "filterValues": "1"})
            assert len(rest_server.received) == 1
        assert elsewhere.received == []
    (row,) = ledger
    assert (row.code, row.http_status) == ("redirect", status)


def test_a_refused_call_is_not_counted_against_the_budget():
    client = MarketoClient(
        config("http://127.0.0.1:9/identity", rest_url="http://127.0.0.1:9/rest"),
        budget=Budget(instance_id=1, calls_per_window=50, concurrency=5, daily_limit=100),
        governor=memory_governor(),
        broker=TokenBroker(MemoryTokenStore(), fetch=_a_token),
        priority=Priority.INTERACTIVE,
    )
    with pytest.raises(DestinationRefused, match=r"127\.0\.0\.1 is this machine"):
        client.get("/v1/leads/describe2.json")
    assert client.governor.state(client.budget)["daily_used"] == 0


def test_environment_proxies_are_ignored(monkeypatch):
    # Through a proxy the proxy would resolve the name, out of the address check's sight.
    monkeypatch.setenv("HTTP_PROXY", "http://10.0.0.1:3128")
    monkeypatch.setenv("NO_PROXY", "")
    with running(RecordingServer()) as (server,):
        url = f"http://127.0.0.1:{server.port}/identity"
        assert identity.token_request(config(url, outbound=DEVELOPMENT)).value == "tok-1:ab"
    assert transport.session(DEVELOPMENT).trust_env is False


def _a_token(_config):
    return AccessToken(value="tok-1:ab", expires_in=3600, scope="x", obtained_at=time.time())
