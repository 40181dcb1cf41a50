"""A canary secret goes in once, then everything the product does with it is searched.

It may appear nowhere except as ciphertext: not in pages, API answers, log output (SQL
included), audit events, any database row, any Redis key or queued Celery message, nor in
a traceback of an exception that carries it in its message.
"""

import base64
import io
import json
import logging
import uuid

import pytest
import redis
import responses
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from apps.core.redaction import RedactingFilter
from apps.instances.credentials import instance_config
from apps.instances.models import ConnectionTest, MarketoInstance
from apps.instances.services import connection_test_run
from apps.instances.tasks import connection_test_run_task

CANARY = f"canary-{uuid.uuid4().hex}"
REST = "https://123-ABC-456.mktorest.com/rest"


@pytest.fixture
def captured_logs():
    """Everything the configured console handler prints, at DEBUG, SQL included."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactingFilter) for f in h.filters)
    )
    buffer = io.StringIO()
    old_stream = handler.setStream(buffer)
    root = logging.getLogger()
    old_level, old_handler_level = root.level, handler.level
    root.setLevel(logging.DEBUG)
    handler.setLevel(logging.DEBUG)
    db_logger = logging.getLogger("django.db.backends")
    old_db_level = db_logger.level
    db_logger.setLevel(logging.DEBUG)
    connection.force_debug_cursor = True
    yield buffer
    connection.force_debug_cursor = False
    db_logger.setLevel(old_db_level)
    root.setLevel(old_level)
    handler.setLevel(old_handler_level)
    handler.setStream(old_stream)


def _redis_dump():
    client = redis.Redis.from_url(settings.REDIS_URL)
    dumped = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key).decode()
        value = {
            "string": lambda k: client.get(k),
            "list": lambda k: client.lrange(k, 0, -1),
            "hash": lambda k: client.hgetall(k),
            "set": lambda k: client.smembers(k),
            "zset": lambda k: client.zrange(k, 0, -1),
        }.get(kind, lambda k: b"")(key)
        dumped.append(f"{key!r} {value!r}")
        if kind == "list":  # Celery messages: their body is base64, so decode it too
            dumped.extend(_message_body(item) for item in value)
    return "\n".join(dumped)


def _message_body(raw: bytes) -> str:
    try:
        return base64.b64decode(json.loads(raw)["body"]).decode()
    except (ValueError, KeyError, TypeError):
        return ""


@pytest.mark.django_db
@responses.activate
def test_the_canary_secret_appears_nowhere_but_as_ciphertext(
    client_for,
    api_client,
    admin_user,
    captured_logs,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    seen = []  # every body the product sent back
    client = client_for(admin_user)
    form = {
        "name": "Canary",
        "munchkin_id": "123-ABC-456",
        "client_id": "canary-client",
        "client_secret": CANARY,
        "calls_per_20s": 50,
        "concurrent_calls": 5,
        "daily_quota": 50000,
        "quota_share_percent": 50,
        "enabled": "on",
    }
    # Error path first: invalid input with the secret in it is re-rendered without it.
    seen.append(client.post("/instances/new/", {**form, "munchkin_id": "bad"}).content)
    seen.append(client.post("/instances/new/", form).content)
    instance = MarketoInstance.objects.get()
    pk = instance.pk
    for path in [
        "/instances/",
        f"/instances/{pk}/",
        f"/instances/{pk}/edit/",
        f"/instances/{pk}/delete/",
        "/audit/",
        "/audit/?format=csv",
        "/",
    ]:
        response = client.get(path)
        seen.append(
            b"".join(response.streaming_content) if response.streaming else response.content
        )
    seen.append(
        client.post(
            f"/instances/{pk}/edit/", {**form, "client_secret": CANARY, "daily_quota": 1}
        ).content
    )

    api_client.force_authenticate(admin_user)
    for response in [
        api_client.get("/api/v1/instances/"),
        api_client.get(f"/api/v1/instances/{pk}/"),
        api_client.patch(
            f"/api/v1/instances/{pk}/", {"client_secret": CANARY, "daily_quota": 1}, format="json"
        ),
        api_client.patch(f"/api/v1/instances/{pk}/", {"client_secret": CANARY}, format="json"),
        api_client.post(
            "/api/v1/instances/", {**form, "name": "Canary", "client_secret": CANARY}, format="json"
        ),
        api_client.get("/api/v1/audit-events/"),
    ]:
        seen.append(response.content)

    # A real connection test: the token call carries the secret in its body, nowhere else.
    responses.post(
        "https://123-ABC-456.mktorest.com/identity/oauth/token",
        json={
            "access_token": "t:ab",
            "expires_in": 3599,
            "scope": "api@corp.com",
            "token_type": "bearer",
        },
    )
    responses.get(
        f"{REST}/v1/leads/describe2.json",
        json={
            "requestId": "1",
            "success": False,
            "errors": [{"code": "603", "message": "Access denied"}],
        },
    )
    responses.get(
        f"{REST}/asset/v1/folders.json", json={"requestId": "2", "success": True, "result": []}
    )
    responses.get(
        f"{REST}/v1/stats/usage.json", json={"requestId": "3", "success": True, "result": []}
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        seen.append(client.post(f"/instances/{pk}/test/", headers={"HX-Request": "true"}).content)
    if settings.REDIS_URL:
        for callback in callbacks:
            callback()  # queue the task on the real broker; no worker takes it
        queued = _redis_dump()
        assert "instances.connection_test_run" in queued
        assert f"[[{ConnectionTest.objects.get().pk}], {{}}" in queued  # the id, nothing else
    connection_test_run(test_id=ConnectionTest.objects.get().pk)
    seen.append(api_client.get(f"/api/v1/instances/{pk}/test/").content)

    # Forced exceptions whose message carries the secret, raised where the secret lives:
    # in a page (a 500 whose traceback Django logs) and in a worker (Celery logs it).
    def leaky(instance_or_client):
        if isinstance(instance_or_client, MarketoInstance):
            config = instance_config(instance_or_client)
        else:
            config = instance_or_client.config
        raise RuntimeError(f"a library bug printed {config.client_secret}")

    monkeypatch.setattr("apps.instances.views.credentials_problem", leaky)
    client.raise_request_exception = False
    response = client.get(f"/instances/{pk}/")
    assert response.status_code == 500
    seen.append(response.content)
    monkeypatch.setattr("apps.instances.services.connection_check", leaky)
    test = ConnectionTest.objects.create(instance=instance)
    result = connection_test_run_task.apply(args=[test.pk])
    assert result.failed()

    logs = captured_logs.getvalue()
    # Both tracebacks were logged, redacted.
    assert logs.count("a library bug printed [redacted]") >= 2, logs[-3000:]
    assert "INSERT INTO" in logs  # SQL was logged too
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    raw = connection.cursor()
    raw.execute("SELECT client_secret_encrypted FROM instances_marketoinstance")
    (ciphertext,) = raw.fetchone()

    assert CANARY not in ciphertext
    assert CANARY not in dump.getvalue()
    assert CANARY not in logs
    for body in seen:
        assert CANARY.encode() not in body
    if settings.REDIS_URL:
        assert CANARY not in _redis_dump()
    token_request = next(c.request for c in responses.calls if "oauth/token" in c.request.url)
    assert CANARY in token_request.body and CANARY not in token_request.url
