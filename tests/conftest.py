import importlib

import pytest
from django.apps import apps
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.accounts.permissions import Role
from tests.factories import UserFactory

pytest_plugins = ["tests.plugins.sandbox"]


@pytest.fixture(autouse=True)
def _clean_cache():
    # The cache is Redis when REDIS_URL is set: throttle counters must not leak between tests.
    cache.clear()
    yield
    cache.clear()


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
