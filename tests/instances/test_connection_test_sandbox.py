"""The connection test over real HTTP against the sandbox, whose API user's role has, or
lacks, the permission that lead activities need (apps/sandbox/roles.py)."""

import pytest

from apps.instances.models import ConnectionTest
from apps.instances.services import connection_test_run
from apps.sandbox.roles import EVERY_PERMISSION
from tests.factories import make_instance

pytestmark = pytest.mark.django_db


def _run(sandbox):
    instance = make_instance(
        "Sandbox",
        client_id=sandbox.client_id,
        secret=sandbox.client_secret,
        rest_url=sandbox.rest_url,
        identity_url=sandbox.identity_url,
    )
    return connection_test_run(test_id=ConnectionTest.objects.create(instance=instance).pk)


def test_a_role_with_every_permission_passes_each_check(sandbox):
    test = _run(sandbox)
    assert test.status == ConnectionTest.Status.OK
    assert {key: check["state"] for key, check in test.permissions.items()} == {
        "leads": "ok",
        "activities": "ok",
        "assets": "ok",
        "users": "ok",
        "usage": "ok",
    }
    assert sandbox.stats()["by_endpoint"]["GET /rest/v1/activities/types.json"] == 1


def test_a_role_without_read_only_activity_is_told_what_to_add(sandbox):
    role = EVERY_PERMISSION - {"Read-Only Activity", "Read-Write Activity"}
    sandbox.set_role(sandbox.client_id, sorted(role))
    test = _run(sandbox)
    assert test.status == ConnectionTest.Status.LIMITED
    activities = test.permissions["activities"]
    assert (activities["state"], activities["code"], activities["role_permission"]) == (
        "missing",
        "603",
        "Read-Only Activity",
    )
    assert activities["label"] == "Read activities"
    others = {key: check["state"] for key, check in test.permissions.items() if key != "activities"}
    assert others == {"leads": "ok", "assets": "ok", "users": "ok", "usage": "ok"}


def test_a_role_without_access_users_is_told_what_to_add(sandbox):
    sandbox.set_role(sandbox.client_id, sorted(EVERY_PERMISSION - {"Access Users"}))
    test = _run(sandbox)
    assert test.status == ConnectionTest.Status.LIMITED
    users = test.permissions["users"]
    assert (users["state"], users["code"]) == ("missing", "603")
    assert "Access Users" in users["role_permission"]
    assert "Access User Management Api" in users["role_permission"]
    others = {key: check["state"] for key, check in test.permissions.items() if key != "users"}
    assert set(others.values()) == {"ok"}
