"""API throttling: exact per token under concurrency, and per address for failed sign-ins."""

import threading
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from apps.accounts.models import ApiToken
from apps.accounts.services import api_token_create
from apps.accounts.throttling import FailedAuthenticationThrottle, PerTokenThrottle
from apps.audit.context import AuditContext
from tests.factories import UserFactory

THREADS = 16
# A fixed instant, so that no window starts or ends while a test runs; the limits are per
# day so that no counter expires while a slow machine works through the requests either.
FROZEN_TIME = 1_800_000_030.0

ALICE = "203.0.113.10"
BOB = "198.51.100.20"


@pytest.fixture
def frozen_clock(monkeypatch):
    for throttle in (PerTokenThrottle, FailedAuthenticationThrottle):
        monkeypatch.setattr(throttle, "timer", lambda self: FROZEN_TIME)


@pytest.fixture(params=["configured", "file"])
def throttle_cache(request, settings, tmp_path):
    """The configured cache (Redis in CI) and the embedded default's file cache."""
    if request.param == "file":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path / "cache"),
            }
        }
    yield request.param
    cache.clear()


def _at_once(threads, work):
    """Runs work() in `threads` threads released together; returns all their results."""
    results, start, lock = [], threading.Barrier(threads), threading.Lock()

    def run():
        start.wait()
        mine = work()
        with lock:
            results.extend(mine)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def test_sixteen_threads_of_a_thousand_requests_admit_exactly_the_limit(
    throttle_cache, frozen_clock, monkeypatch
):
    monkeypatch.setattr(PerTokenThrottle, "THROTTLE_RATES", {"per_token": "100/day"})
    request = SimpleNamespace(auth=ApiToken(pk=7), user=None, META={})

    def requests():
        throttle = PerTokenThrottle()
        return [throttle.allow_request(request, None) for _ in range(1000)]

    admitted = _at_once(THREADS, requests)
    assert len(admitted) == THREADS * 1000
    assert admitted.count(True) == 100


@pytest.mark.django_db(transaction=True)
def test_concurrent_api_clients_of_one_token_get_exactly_its_limit(frozen_clock, monkeypatch):
    monkeypatch.setattr(PerTokenThrottle, "THROTTLE_RATES", {"per_token": "20/day"})
    _, key = api_token_create(user=UserFactory(), name="script", audit=AuditContext.system())

    def requests():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        try:
            return [client.get("/api/v1/me/").status_code for _ in range(25)]
        finally:
            connection.close()  # each thread has its own; the test database must drop

    codes = _at_once(THREADS, requests)
    assert codes.count(200) == 20
    assert codes.count(429) == THREADS * 25 - 20


# --- failed authentication ------------------------------------------------------------------


def _get(client, key, address):
    return client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR=address)


@pytest.mark.django_db
def test_invalid_tokens_are_throttled_per_address(api_client, frozen_clock, monkeypatch):
    monkeypatch.setattr(FailedAuthenticationThrottle, "THROTTLE_RATES", {"failed_auth": "30/min"})
    answers = [_get(api_client, f"mka_guess{n}", ALICE).status_code for n in range(31)]
    assert answers == [401] * 30 + [429]
    throttled = _get(api_client, "mka_guess31", ALICE)
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) == 30  # the rest of the minute
    # Another address is not held back by the first one's failures.
    assert _get(api_client, "mka_guess32", BOB).status_code == 401


@pytest.mark.django_db
def test_a_throttled_address_cannot_tell_a_valid_token_from_an_invalid_one(
    api_client, operator, frozen_clock, monkeypatch
):
    monkeypatch.setattr(FailedAuthenticationThrottle, "THROTTLE_RATES", {"failed_auth": "3/min"})
    _, key = api_token_create(user=operator, name="real", audit=AuditContext.system())
    for n in range(3):
        _get(api_client, f"mka_guess{n}", ALICE)
    assert _get(api_client, key, ALICE).status_code == 429
    assert _get(api_client, key, BOB).status_code == 200


@pytest.mark.django_db
def test_behind_a_proxy_failures_count_against_the_client_not_the_proxy(
    api_client, operator, settings, frozen_clock, monkeypatch
):
    settings.TRUSTED_PROXY_COUNT = 1
    monkeypatch.setattr(FailedAuthenticationThrottle, "THROTTLE_RATES", {"failed_auth": "3/min"})
    _, key = api_token_create(user=operator, name="real", audit=AuditContext.system())

    def get(token, client_address):
        return api_client.get(
            "/api/v1/me/",
            HTTP_AUTHORIZATION=f"Token {token}",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=client_address,
        ).status_code

    assert [get(f"mka_guess{n}", ALICE) for n in range(4)] == [401, 401, 401, 429]
    assert get(key, BOB) == 200


@pytest.mark.django_db
def test_valid_tokens_do_not_count_as_failures(api_client, operator, frozen_clock, monkeypatch):
    monkeypatch.setattr(FailedAuthenticationThrottle, "THROTTLE_RATES", {"failed_auth": "3/min"})
    _, key = api_token_create(user=operator, name="real", audit=AuditContext.system())
    assert {_get(api_client, key, ALICE).status_code for _ in range(10)} == {200}
