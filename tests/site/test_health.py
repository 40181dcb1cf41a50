import datetime as dt
import logging

import pytest
from django.utils import timezone

from apps.core.models import WorkerHeartbeat
from apps.site import health
from tests.plugins.services import service_missing

pytestmark = pytest.mark.django_db


def _beat(age_seconds):
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        hostname="celery@test",
        queues="background,interactive",
        started_at=now,
        last_seen_at=now - dt.timedelta(seconds=age_seconds),
    )


def test_healthz_is_ok_when_everything_answers(client, settings):
    _beat(age_seconds=5)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["checks"]["database"]["ok"]
    assert body["checks"]["broker"]["ok"]
    assert 4 <= body["checks"]["worker"]["age_seconds"] < 60
    if settings.REDIS_URL:
        assert body["checks"]["redis"]["ok"]


def test_healthz_is_503_without_a_live_worker(client):
    _beat(age_seconds=600)
    response = client.get("/healthz")
    assert response.status_code == 503
    worker = response.json()["checks"]["worker"]
    assert worker == {**worker, "ok": False, "error": "last heartbeat 600 s ago"}


def test_healthz_is_503_when_redis_is_down(client, settings):
    _beat(age_seconds=1)
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == {
        **response.json()["checks"]["redis"],
        "ok": False,
        "error": "ConnectionError",
    }


def test_liveness_needs_nothing_but_the_web_process(client):
    assert client.get("/healthz/live").json() == {"ok": True}


def test_healthz_is_503_when_the_governor_is_unreachable(client, monkeypatch, settings):
    from apps.marketo.governor import redis_governor

    if not settings.REDIS_URL:
        service_missing("needs Redis")
    _beat(age_seconds=1)
    monkeypatch.setattr(health, "shared_governor", lambda: redis_governor("redis://127.0.0.1:1/0"))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["governor"]["error"] == "GovernorUnavailable"


def test_healthz_pings_the_governor_on_the_redis_cluster_it_is_given(
    client, settings, redis_cluster_url
):
    _beat(age_seconds=1)
    settings.GOVERNOR_BACKEND, settings.GOVERNOR_REDIS_URL = "redis", redis_cluster_url
    governor = client.get("/healthz").json()["checks"]["governor"]
    assert governor == {**governor, "ok": True, "backend": "redis-cluster"}


def test_healthz_is_503_when_the_governors_cluster_is_unreachable(client, settings):
    from tests.plugins.redis_cluster import free_ports

    _beat(age_seconds=1)
    settings.GOVERNOR_BACKEND, settings.GOVERNOR_REDIS_URL = (
        "redis",
        f"redis+cluster://127.0.0.1:{free_ports(1)[0]}",
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["governor"]["error"] == "GovernorUnavailable"


def test_healthz_before_the_first_worker_heartbeat_says_so(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    worker = response.json()["checks"]["worker"]
    assert worker == {**worker, "ok": False, "state": "no heartbeat yet", "age_seconds": None}


def _lines_logged(caplog):
    # What a deployment at LOG_LEVEL=INFO would write (client libraries chat at DEBUG).
    return [r for r in caplog.records if r.levelno >= logging.INFO]


def test_five_polls_without_a_worker_log_one_line_not_an_error_each(client, caplog):
    with caplog.at_level(logging.DEBUG):
        for _ in range(5):
            assert client.get("/healthz").status_code == 503
    lines = _lines_logged(caplog)
    assert [(r.levelname, r.getMessage()) for r in lines] == [
        ("WARNING", "health: worker is failing (no heartbeat yet)")
    ]


def test_five_polls_in_good_health_log_nothing(client, caplog):
    _beat(age_seconds=1)
    with caplog.at_level(logging.DEBUG):
        for _ in range(5):
            assert client.get("/healthz").status_code == 200
    assert _lines_logged(caplog) == []


def test_a_worker_coming_back_is_logged_once(client, caplog):
    client.get("/healthz")
    _beat(age_seconds=1)
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
    assert [r.getMessage() for r in _lines_logged(caplog)] == ["health: worker is ok again"]


def test_a_failing_probe_is_logged_with_its_details_once(client, caplog, monkeypatch):
    _beat(age_seconds=1)

    def broker_down():
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    monkeypatch.setattr(health, "check_broker", broker_down)
    with caplog.at_level(logging.DEBUG):
        for _ in range(5):
            body = client.get("/healthz").json()
    assert body["checks"]["broker"] == {**body["checks"]["broker"], "ok": False}
    (line,) = _lines_logged(caplog)
    assert line.getMessage() == "health: broker is failing (ConnectionRefusedError)"
    assert line.exc_info[0] is ConnectionRefusedError
