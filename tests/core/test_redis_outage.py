"""Redis down degrades, it does not break: pages that need no Marketo call work, whatever
needs one says why it cannot be done (503 on the API), never a 500. (The same with real
processes, and Redis coming back, is tests/faults/test_redis_restart.py.)"""

import logging

import pytest
from django.test import RequestFactory
from django.urls import reverse
from kombu.exceptions import OperationalError

from apps.accounts.throttling import PerTokenThrottle
from apps.assets.models import AssetAction, MirroredAsset
from apps.audit.context import AuditContext
from apps.core import cache as degrading_cache
from apps.core.outages import GOVERNOR_DOWN, QUEUE_DOWN, OutageMiddleware
from apps.core.permissions import Role
from apps.instances import client as instance_client
from apps.instances.models import ConnectionTest
from apps.instances.services import connection_test_start
from apps.leads import coalesce
from apps.marketo.governor import GovernorUnavailable
from tests.factories import UserFactory
from tests.leads.conftest import sandbox_instance_for
from tests.plugins.services import service_missing
from tests.processes import PrivateRedis, free_port

GOVERNOR_MESSAGE = f"{GOVERNOR_DOWN} Try again in a minute."


@pytest.fixture
def redis_gone(settings):
    """A deployment's configuration (REDIS_URL), with Redis gone: everything that uses it
    points at a port where nothing listens."""
    configured = settings.CACHES["default"]
    if "Redis" not in configured["BACKEND"]:
        service_missing("these tests need REDIS_URL, as a deployment has")
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.REDIS_URL = settings.GOVERNOR_REDIS_URL = dead
    settings.GOVERNOR_BACKEND = "redis"
    settings.CACHES = {"default": {**configured, "LOCATION": dead}}
    built_on_redis = (
        instance_client._redis_client,
        instance_client.shared_governor,
        instance_client.shared_token_broker,
        coalesce._redis,
    )
    for cached in built_on_redis:
        cached.cache_clear()
    yield dead
    for cached in built_on_redis:  # later tests get clients of the real Redis again
        cached.cache_clear()


@pytest.fixture
def ada(db):
    return UserFactory(username="ada", role=Role.ADMIN)


@pytest.fixture
def instance(sandbox, ada):
    instance = sandbox_instance_for(sandbox, name="Sandbox")
    MirroredAsset.objects.create(instance=instance, asset_type="email", marketo_id=7, name="Hi")
    return instance


def test_pages_and_api_calls_that_need_no_marketo_call_keep_working(
    redis_gone, instance, ada, client_for, api_client
):
    client = client_for(ada)
    pages = [
        "/",
        "/leads/",
        f"/assets/{instance.pk}/",
        f"/assets/{instance.pk}/asset/email/7/",
        "/usage/",
        f"/usage/instances/{instance.pk}/",
        "/instances/",
        f"/instances/{instance.pk}/",
        "/audit/",
        "/accounts/profile/",
    ]
    for page in pages:
        assert client.get(page).status_code == 200, page
    api_client.force_authenticate(ada)
    for endpoint in [
        "/api/v1/me/",
        "/api/v1/instances/",
        f"/api/v1/instances/{instance.pk}/assets/",
        f"/api/v1/instances/{instance.pk}/quota/",
        f"/api/v1/instances/{instance.pk}/usage/",
    ]:
        assert api_client.get(endpoint).status_code == 200, endpoint


def test_what_needs_a_marketo_call_says_the_governor_is_down(
    redis_gone, instance, ada, client_for, api_client
):
    client = client_for(ada)
    search = client.post(reverse("lead_search"), {"field": "email", "value": "a@example.com"})
    assert search.status_code == 200 and GOVERNOR_MESSAGE in search.content.decode()
    fields = client.get(reverse("lead_detail_fields", args=[instance.pk, 5]))
    assert GOVERNOR_MESSAGE in fields.content.decode()
    api_client.force_authenticate(ada)
    for answer in [
        api_client.get(f"/api/v1/instances/{instance.pk}/leads/?filterValues=a@example.com"),
        api_client.post(
            f"/api/v1/instances/{instance.pk}/lead-lookups/", {"values": ["a@example.com"]}
        ),
        api_client.get(f"/api/v1/instances/{instance.pk}/leads/5/"),
    ]:
        assert answer.status_code == 503
        assert answer.json() == {"detail": GOVERNOR_MESSAGE, "code": "marketo_unavailable"}


def test_the_api_throttle_counts_in_the_process_while_redis_is_down_and_says_so_once(
    redis_gone, instance, ada, api_client, monkeypatch, caplog
):
    monkeypatch.setattr(PerTokenThrottle, "THROTTLE_RATES", {"per_token": "3/min"})
    api_client.force_authenticate(ada)
    with caplog.at_level(logging.WARNING, logger="apps.core.cache"):
        answers = [api_client.get("/api/v1/me/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    said = [r for r in caplog.records if "the cache (Redis) cannot be reached" in r.message]
    assert len(said) == 1


def test_the_cache_goes_back_to_redis_when_it_returns(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(degrading_cache, "RETRY_SECONDS", 0)
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        cache = degrading_cache.DegradingRedisCache(server.url, {"OPTIONS": {}})
        cache.set("shared", "in redis")
        server.stop()
        assert cache.get("shared") is None  # this process's own memory: empty
        cache.set("local", "in memory")
        assert cache.get("local") == "in memory"
        server.start()  # empty, as after a restart
        assert cache.get("local") is None  # Redis again
        cache.set("shared", "again")
        assert cache.get("shared") == "again"
    finally:
        server.stop()
    assert "the cache (Redis) is reachable again" in caplog.text


def test_an_outage_anywhere_else_is_a_503_with_the_reason_never_a_500():
    middleware = OutageMiddleware(lambda request: None)
    factory = RequestFactory()
    api = middleware.process_exception(factory.get("/api/v1/anything/"), GovernorUnavailable("x"))
    assert api.status_code == 503
    assert api.content.decode() == (
        '{"detail": "' + GOVERNOR_MESSAGE + '", "code": "governor_unavailable"}'
    )
    broker = middleware.process_exception(factory.get("/api/v1/x/"), OperationalError("refused"))
    assert broker.status_code == 503 and b"queue_unavailable" in broker.content
    assert middleware.process_exception(factory.get("/"), ValueError("a bug")) is None


def test_an_action_that_cannot_be_queued_says_why_instead_of_waiting(
    instance, ada, monkeypatch, django_capture_on_commit_callbacks
):
    from apps.assets.services import asset_action_start
    from apps.assets.tasks import asset_action_run_task
    from apps.instances.tasks import connection_test_run_task

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(asset_action_run_task, "apply_async", broker_down)
    monkeypatch.setattr(connection_test_run_task, "delay", broker_down)
    asset = MirroredAsset.objects.get(instance=instance)
    with django_capture_on_commit_callbacks(execute=True):
        action = asset_action_start(asset=asset, kind="refresh", user=ada)
        test = connection_test_start(instance=instance, actor=ada, audit=AuditContext.system())
    action = AssetAction.objects.get(pk=action.pk)
    assert (action.status, action.message) == ("failed", QUEUE_DOWN)
    assert ConnectionTest.objects.get(pk=test.pk).error == QUEUE_DOWN
