import functools
import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from apps.core.permissions import Role
from tests.factories import UserFactory
from tests.plugins.services import service_missing, shared_services_missing

pytest_plugins = [
    "tests.plugins.sandbox",
    "tests.plugins.redis_cluster",
    "tests.plugins.fault_report",
]


@functools.cache
def _built_once_per_process():
    """The functions whose result each process builds once (functools.cache), taken before
    any test can monkeypatch them, so that their own caches are the ones cleared."""
    from apps.instances import client as instances_client
    from apps.instances import vault
    from apps.leads import coalesce

    return (
        instances_client._redis_client,
        instances_client.shared_governor,
        instances_client.shared_token_broker,
        coalesce._redis,
        vault._keyring,
    )


def _forget_process_state():
    """Forget what this process built or counted once for all its requests: the governor,
    the token broker, their Redis clients, the health checks' last results and the secrets
    the log filter knows. Each is rebuilt on first use from the settings of that moment."""
    from apps.core import redaction
    from apps.marketo import transport
    from apps.site import health

    for cached in _built_once_per_process():
        cached.cache_clear()
    health._last_ok.clear()
    with redaction._lock:
        redaction._owners.clear()
        redaction._set_known()
    # Pooled HTTP connections of this thread: a connection an earlier test's fault left
    # half-closed must not fail a later test's first call.
    for session in getattr(transport._local, "sessions", {}).values():
        session.close()
    transport._local.sessions = {}


@pytest.fixture(autouse=True)
def _fresh_process_state(request):
    """Each test starts from nothing that an earlier test spent or counted.

    With Redis (REDIS_URL), clearing the cache flushes the test's Redis database, which also
    holds the governor's counts and the cached tokens. Without it the governor and the token
    store are a SQLite file: each test gets a file of its own.
    """
    from django.conf import settings

    _forget_process_state()
    if settings.GOVERNOR_BACKEND == "sqlite":
        overrides = request.getfixturevalue("settings")
        overrides.GOVERNOR_SQLITE_PATH = request.getfixturevalue("tmp_path") / "governor.sqlite3"
    cache.clear()
    yield
    cache.clear()
    _forget_process_state()


@pytest.fixture
def job_messages(monkeypatch):
    """The task messages of long jobs, recorded as (model, id, countdown) instead of sent."""
    from apps.core import jobs

    sent = []

    def record(model, pk, *, countdown=None):
        sent.append((model._meta.label, pk, countdown))
        return True

    monkeypatch.setattr(jobs, "job_publish", record)
    return sent


@pytest.fixture
def role_groups(transactional_db):
    """The role groups, for transactional tests: their flush removes what migrations made."""
    migration = importlib.import_module("apps.accounts.migrations.0002_role_groups")
    migration.create_roles(apps, None)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="ada", role=Role.ADMIN)


@pytest.fixture
def operator(db):
    return UserFactory(username="otto", role=Role.OPERATOR)


@pytest.fixture
def viewer(db):
    return UserFactory(username="vera", role=Role.VIEWER)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for(client):
    """client_for(user): Django's test client, signed in as `user`."""

    def sign_in(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return sign_in


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def shared_services():
    """Skips the test (fails it under REQUIRE_SERVICES) unless a worker in another process
    can share its PostgreSQL and Redis."""
    missing = shared_services_missing()
    if missing:
        service_missing(f"a worker in another process needs the shared services: {missing}")


needs_shared_services = pytest.mark.usefixtures("shared_services")


def wait_for(predicate, timeout=45):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real Celery worker in its own process, on the test database and the Redis broker."""
    s = connection.settings_dict
    database_url = (
        f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "marketo_admin",
            "worker",
            "--pool=threads",
            "--concurrency=4",
            "--queues=interactive,background",
            "--without-mingle",
            "--without-gossip",
            "--hostname=test-worker@%h",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "marketo_admin.settings.test",
        },
    )
    yield worker
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
