"""One client address for lock-out, the audit trail and throttling, behind any proxies."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.core.client_address import client_address
from tests.factories import PASSWORD

PROXY = "10.0.0.2"  # the reverse proxy's address, as the app's socket sees it
ALICE = "203.0.113.10"
BOB = "198.51.100.20"


def _request(remote=PROXY, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(_request(remote=ALICE, forwarded=BOB)) == ALICE


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, ALICE, ALICE),
        # The client wrote BOB itself; our one proxy appended the address it really saw.
        (1, f"{BOB}, {ALICE}", ALICE),
        (2, f"{BOB}, {ALICE}, 10.0.0.1", ALICE),
        # Fewer entries than proxies: the leftmost was still written by one of ours.
        (2, ALICE, ALICE),
        # Ports and brackets that some proxies write.
        (1, f"{ALICE}:51234", ALICE),
        (1, "[2001:db8::7]:443", "2001:db8::7"),
        (1, "2001:DB8::7", "2001:db8::7"),
    ],
)
def test_behind_trusted_proxies_the_client_is_the_entry_our_outermost_proxy_wrote(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(_request(forwarded=forwarded)) == expected


@pytest.mark.parametrize("forwarded", [None, "", "not-an-address", "unknown"])
def test_behind_a_proxy_a_missing_or_malformed_header_falls_back_to_the_socket(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(_request(forwarded=forwarded)) == PROXY


def test_drf_resolves_the_same_address_for_its_own_throttles(settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    # NUM_PROXIES is read from the settings module once; it must agree with ours.
    assert api_settings.NUM_PROXIES == settings.TRUSTED_PROXY_COUNT
    request = _request(remote=ALICE, forwarded=BOB)
    assert SimpleRateThrottle.get_ident(None, request) == client_address(request)


# --- sign-in lock-out and the audit trail --------------------------------------------------


def _sign_in(client, password, forwarded):
    return client.post(
        reverse("login"),
        {"username": "otto", "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.django_db
def test_behind_a_proxy_five_wrong_passwords_lock_out_that_client_only(settings, client, operator):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        _sign_in(client, "wrong", forwarded=ALICE)
    assert _sign_in(client, PASSWORD, forwarded=ALICE).status_code == 429
    # The same user name from another client behind the same proxy still signs in.
    response = _sign_in(client, PASSWORD, forwarded=BOB)
    assert response.status_code == 302
    locked_out = AuditEvent.objects.filter(action="auth.locked_out")
    assert set(locked_out.values_list("ip_address", flat=True)) == {ALICE}
    assert AuditEvent.objects.get(action="auth.login").ip_address == BOB


@pytest.mark.django_db
def test_a_forged_x_forwarded_for_neither_escapes_a_lock_out_nor_enters_the_audit_trail(
    settings, client, operator
):
    settings.TRUSTED_PROXY_COUNT = 0
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"):
        _sign_in(client, "wrong", forwarded=address)
    assert _sign_in(client, PASSWORD, forwarded=BOB).status_code == 429
    addresses = set(AuditEvent.objects.values_list("ip_address", flat=True))
    assert addresses == {PROXY}


@pytest.mark.django_db
def test_behind_a_proxy_the_audit_trail_records_the_client(settings, client, operator):
    settings.TRUSTED_PROXY_COUNT = 1
    _sign_in(client, PASSWORD, forwarded=f"{BOB}, {ALICE}")
    assert AuditEvent.objects.get(action="auth.login").ip_address == ALICE
