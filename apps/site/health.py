"""What /healthz reports: each dependency's state, and whether the deployment can work.

A monitor polls /healthz every few seconds: a check that fails is logged when it starts
failing and when it is ok again, once per process, not on every poll.
"""

import logging
import threading
import time

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.core.models import WorkerHeartbeat
from apps.instances.client import shared_governor
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
    beat = WorkerHeartbeat.objects.order_by("-last_seen_at").first()
    if beat is None:
        # A worker writes its first heartbeat when it is ready: until then, say so.
        return {
            "ok": False,
            "state": "no heartbeat yet",
            "error": "no worker has reported yet",
            "age_seconds": None,
        }
    age = (timezone.now() - beat.last_seen_at).total_seconds()
    ok = age <= settings.WORKER_HEARTBEAT_STALE_SECONDS
    result = {
        "ok": ok,
        "state": "alive" if ok else "heartbeat stale",
        "age_seconds": round(age, 1),
        "hostname": beat.hostname,
    }
    if not ok:
        result["error"] = f"last heartbeat {round(age)} s ago"
    return result


def check_governor():
    """The per-instance rate governor: with it down, no call to Marketo is made. On a Redis
    Cluster the ping reaches every primary (each holds the keys of some instances)."""
    shared_governor().ping()
    backend = settings.GOVERNOR_BACKEND
    if backend == "redis" and is_cluster_url(settings.GOVERNOR_REDIS_URL):
        backend = "redis-cluster"
    return {"ok": True, "backend": backend}


def _run(check):
    """The check's result, and the exception that failed it (None when it answered)."""
    started = time.monotonic()
    try:
        result, failure = check(), None
    except Exception as exc:  # any failure of a probe is a finding, not a crash
        # The endpoint is public: it names the failure, the log keeps the details.
        result, failure = {"ok": False, "error": type(exc).__name__}, exc
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result, failure


# Whether each check passed at this process's last report; not there before the first.
_last_ok: dict[str, bool] = {}
_last_ok_lock = threading.Lock()


def _log_changes(outcomes) -> None:
    with _last_ok_lock:
        changes = [
            (name, result, failure, _last_ok.get(name))
            for name, (result, failure) in outcomes.items()
            if _last_ok.get(name) is not result["ok"]
        ]
        _last_ok.update({name: result["ok"] for name, (result, _) in outcomes.items()})
    for name, result, failure, was_ok in changes:
        if not result["ok"]:
            reason = result.get("state") or result.get("error")
            logger.warning("health: %s is failing (%s)", name, reason, exc_info=failure)
        elif was_ok is False:
            logger.info("health: %s is ok again", name)


def health_report():
    """Every check's result, and `ok` when all the required ones passed."""
    checks = {"database": check_database, "broker": check_broker, "worker": check_worker}
    if settings.REDIS_URL:
        checks["redis"] = check_redis
    checks["governor"] = check_governor
    outcomes = {name: _run(check) for name, check in checks.items()}
    _log_changes(outcomes)
    results = {name: result for name, (result, _) in outcomes.items()}
    return {"ok": all(r["ok"] for r in results.values()), "checks": results}
