"""What /healthz reports: each dependency's state, and whether the deployment can work."""

import logging
import time

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.marketo.governor import is_cluster_url
from marketo_admin.celery import app as celery_app

logger = logging.getLogger(__name__)
PROBE_TIMEOUT_SECONDS = 2


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True, "vendor": connection.vendor}


def check_redis():
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
        socket_timeout=PROBE_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True}


def check_broker():
    transport = celery_app.conf.broker_url.split("://", 1)[0]
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=PROBE_TIMEOUT_SECONDS)
    return {"ok": True, "transport": transport}


def check_worker():
    from apps.core.models import WorkerHeartbeat

    beat = WorkerHeartbeat.objects.order_by("-last_seen_at").first()
    if beat is None:
        return {"ok": False, "error": "no worker has reported yet", "age_seconds": None}
    age = (timezone.now() - beat.last_seen_at).total_seconds()
    ok = age <= settings.WORKER_HEARTBEAT_STALE_SECONDS
    result = {"ok": ok, "age_seconds": round(age, 1), "hostname": beat.hostname}
    if not ok:
        result["error"] = f"last heartbeat {round(age)} s ago"
    return result


def check_governor():
    """The per-instance rate governor: with it down, no call to Marketo is made. On a Redis
    Cluster the ping reaches every primary (each holds the keys of some instances)."""
    from apps.instances.client import shared_governor

    shared_governor().ping()
    backend = settings.GOVERNOR_BACKEND
    if backend == "redis" and is_cluster_url(settings.GOVERNOR_REDIS_URL):
        backend = "redis-cluster"
    return {"ok": True, "backend": backend}


def _run(check):
    started = time.monotonic()
    try:
        result = check()
    except Exception as exc:  # any failure of a probe is a finding, not a crash
        # The endpoint is public: it names the failure, the log keeps the details.
        logger.warning("health check %s failed", check.__name__, exc_info=True)
        result = {"ok": False, "error": type(exc).__name__}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def health_report():
    """Every check's result, and `ok` when all the required ones passed."""
    checks = {"database": check_database, "broker": check_broker, "worker": check_worker}
    if settings.REDIS_URL:
        checks["redis"] = check_redis
    checks["governor"] = check_governor
    results = {name: _run(check) for name, check in checks.items()}
    return {"ok": all(r["ok"] for r in results.values()), "checks": results}
