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

pytest_plugins = ["tests.plugins.sandbox", "tests.plugins.redis_cluster"]


@pytest.fixture(autouse=True)
def _clean_cache():
    # The cache is Redis when REDIS_URL is set: throttle counters must not leak between tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fresh_shared_clients():
    """The governor, the token broker and their Redis client are built once per process
    (apps/instances/client.py): build them again, e.g. after changing GOVERNOR_REDIS_URL."""
    from apps.instances import client as instances_client

    cached = [
        instances_client._redis_client,
        instances_client.shared_governor,
        instances_client.shared_token_broker,
    ]
    for function in cached:
        function.cache_clear()
    yield
    for function in cached:
        function.cache_clear()


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

needs_shared_services = pytest.mark.skipif(
    not os.environ.get("REDIS_URL") or connection.vendor != "postgresql",
    reason="a worker in another process needs the shared PostgreSQL and Redis",
)


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
