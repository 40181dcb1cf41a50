"""Reading the instance's users from the sandbox over real HTTP: every call through the
governor and into the ledger, idempotent, resumable, and clear about a missing permission."""

import pytest

from apps.audit.context import AuditContext
from apps.integrations.models import MarketoRole, MarketoUser, MarketoWorkspace, UserSync
from apps.integrations.services import user_sync_due, user_sync_run, user_sync_start
from apps.marketo import users as marketo_users
from apps.marketo.errors import RetryLater
from apps.usage.models import LedgerEntry

pytestmark = pytest.mark.django_db

SEEDED_USERS = 30  # the sandbox's two API users, crm-sync, and 27 people
API_ONLY = {"api@sandbox.example", "sync@sandbox.example", "crm-sync@corp.example"}


def _run(instance) -> UserSync:
    sync, new = user_sync_start(instance=instance, audit=AuditContext.system())
    assert new
    return user_sync_run(sync_id=sync.pk)


def test_a_reading_stores_users_roles_and_workspaces_and_ledgers_every_call(
    sandbox_instance, job_messages
):
    sync = _run(sandbox_instance)
    assert (sync.status, sync.error, sync.users_read) == ("succeeded", "", SEEDED_USERS)
    users = MarketoUser.objects.filter(instance=sandbox_instance)
    assert users.count() == SEEDED_USERS
    assert set(users.filter(api_only=True).values_list("userid", flat=True)) == API_ONLY
    api = users.get(userid="api@sandbox.example")
    assert api.roles == [
        {"role_id": 101, "role": "API Integration", "workspace_id": 0, "workspace": "AllZones"}
    ]
    assert users.get(userid="crm-sync@corp.example").roles[0]["role"] == "CRM Sync API"
    # People's roles are not read: one call per API-only user only.
    assert not users.filter(api_only=False).exclude(roles=[]).exists()
    assert MarketoRole.objects.get(instance=sandbox_instance, role_id=1).name == "Admin"
    assert MarketoWorkspace.objects.filter(instance=sandbox_instance, name="World").exists()
    ledger = LedgerEntry.objects.filter(instance=sandbox_instance, job=f"user_sync:{sync.pk}")
    endpoints = sorted(ledger.values_list("endpoint", flat=True))
    assert endpoints == sorted(
        [marketo_users.ROLES_PATH, marketo_users.WORKSPACES_PATH, marketo_users.USERS_PATH]
        + ["/userservice/management/v1/users/{userid}/roles.json"] * len(API_ONLY)
    )
    assert set(ledger.values_list("feature", "priority", "code")) == {
        ("user_sync", "background", "")
    }


def test_reading_twice_changes_nothing_but_the_times(sandbox_instance, job_messages):
    _run(sandbox_instance)
    first = {u.userid: (u.first_seen_at, u.roles) for u in MarketoUser.objects.all()}
    _run(sandbox_instance)
    again = {u.userid: (u.first_seen_at, u.roles) for u in MarketoUser.objects.all()}
    assert again == first
    assert MarketoRole.objects.count() == 6 and MarketoWorkspace.objects.count() == 3
    assert not MarketoUser.objects.filter(gone=True).exists()


def test_a_user_no_longer_listed_is_marked_gone(sandbox_instance, job_messages):
    _run(sandbox_instance)
    MarketoUser.objects.create(
        instance=sandbox_instance,
        userid="deleted@corp.example",
        api_only=True,
        first_seen_at="2026-01-01T00:00Z",
        last_seen_at="2026-01-01T00:00Z",
    )
    _run(sandbox_instance)
    assert list(MarketoUser.objects.filter(gone=True).values_list("userid", flat=True)) == [
        "deleted@corp.example"
    ]


def test_a_run_the_governor_stops_pauses_and_resumes_where_it_stopped(
    sandbox_instance, job_messages, monkeypatch, sandbox
):
    real = marketo_users.user_roles
    calls = {"n": 0}

    def second_user_waits(client, userid):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RetryLater(42, "rate")
        return real(client, userid)

    monkeypatch.setattr(marketo_users, "user_roles", second_user_waits)
    sync, _ = user_sync_start(instance=sandbox_instance, audit=AuditContext.system())
    paused = user_sync_run(sync_id=sync.pk)
    assert paused.status == "paused" and paused.resume_at is not None
    assert (paused.catalog_read, paused.users_listed, paused.users_read) == (
        True,
        True,
        SEEDED_USERS,
    )
    before = sandbox.stats()["by_endpoint"]
    done = user_sync_run(sync_id=sync.pk)
    assert done.status == "succeeded"
    after = sandbox.stats()["by_endpoint"]
    # Resumed: no page of users and no role list read again, only the roles not yet read.
    assert after.get(f"GET {marketo_users.USERS_PATH}") == before.get(
        f"GET {marketo_users.USERS_PATH}"
    )
    assert after.get(f"GET {marketo_users.ROLES_PATH}") == before.get(
        f"GET {marketo_users.ROLES_PATH}"
    )
    assert not MarketoUser.objects.filter(api_only=True, roles=[]).exists()


def test_a_role_without_the_permissions_fails_the_run_saying_what_to_add(
    sandbox_instance, sandbox, job_messages
):
    sandbox.set_role(sandbox.client_id, ["Read-Only Lead", "Access Users"])
    sync = _run(sandbox_instance)
    assert sync.status == "failed"
    assert "Access User Management Api" in sync.error and "Access Users" in sync.error
    assert not MarketoUser.objects.exists()
    (entry,) = LedgerEntry.objects.filter(job=f"user_sync:{sync.pk}")
    assert (entry.http_status, entry.code) == (403, "603")


def test_a_second_request_while_one_runs_is_the_same_run(sandbox_instance, job_messages):
    first, new = user_sync_start(instance=sandbox_instance, audit=AuditContext.system())
    second, again = user_sync_start(instance=sandbox_instance, audit=AuditContext.system())
    assert (new, again, second.pk) == (True, False, first.pk)


def test_the_daily_run_reads_each_enabled_instance(
    sandbox_instance, job_messages, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        (sync,) = user_sync_due()
    assert sync.instance == sandbox_instance
    assert job_messages == [("integrations.UserSync", sync.pk, None)]
