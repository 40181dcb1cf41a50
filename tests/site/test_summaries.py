"""The summary behind the home page's cards and the instance list's columns
(apps/site/summaries.py): today's calls from Marketo's count and our ledger, the governor's
window and calls in flight on every backend, the last syncs and tests, and the live jobs
each viewer may follow."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.alerts.models import AlertRule, RuleKind
from apps.assets.models import AssetSync
from apps.core.permissions import Role
from apps.instances.client import instance_budget, shared_governor
from apps.instances.models import ConnectionTest, InstanceGrant
from apps.leads.models import LeadLookup
from apps.marketo.governor import Priority
from apps.site.summaries import admins_to_ask, instance_summaries, ledger_counted_today
from apps.usage.days import day_start, today
from apps.usage.models import LedgerEntry, LedgerHour, UsageDay, UsageSync
from tests.factories import UserFactory, make_instance

pytestmark = pytest.mark.django_db


def _call(instance, at, code=""):
    return LedgerEntry.objects.create(
        instance=instance,
        made_at=at,
        method="GET",
        endpoint="/rest/v1/leads.json",
        code=code,
        duration_ms=100,
        priority="interactive",
    )


def test_todays_calls_are_marketos_last_reading_and_our_ledgers_counted_calls(admin_user):
    instance = make_instance("Alpha")
    UsageDay.objects.create(instance=instance, date=today(), api_user="crm@x", calls=12_000)
    UsageDay.objects.create(instance=instance, date=today(), api_user="us@x", calls=345)
    UsageDay.objects.create(
        instance=instance, date=today() - timedelta(days=1), api_user="us@x", calls=9_999
    )
    read_at = timezone.now() - timedelta(seconds=1)
    UsageSync.objects.create(
        instance=instance, kind="today", status="succeeded", finished_at=read_at
    )
    UsageSync.objects.create(instance=instance, kind="today", status="failed")
    # Another instance last read Marketo before midnight Central: yesterday's count.
    beta = make_instance("Beta", client_id="beta")
    UsageSync.objects.create(
        instance=beta,
        kind="today",
        status="succeeded",
        finished_at=day_start(today()) - timedelta(minutes=1),
    )
    start = day_start(today())
    # Today: three counted calls, one Marketo does not count (601), one never sent.
    for _ in range(3):
        _call(instance, start + timedelta(seconds=30))
    _call(instance, start + timedelta(seconds=40), code="601")
    _call(instance, start + timedelta(seconds=50), code="refused")
    _call(instance, start - timedelta(seconds=1))  # yesterday's quota day

    summary, not_today = instance_summaries(user=admin_user)

    assert summary.quota.marketo_used == 12_345
    assert summary.marketo_read_at == read_at
    assert not_today.instance == beta and not_today.marketo_read_at is None
    assert summary.ours_today == 3
    assert summary.quota.quota == 50_000 and summary.quota.budget == 25_000


def _hour(instance, hour, calls, code=""):
    LedgerHour.objects.create(
        instance=instance,
        hour=hour,
        endpoint="/rest/v1/leads.json",
        code=code,
        priority="interactive",
        feature="lead_lookup",
        calls=calls,
        total_ms=100 * calls,
    )


def test_rolled_up_hours_count_once_and_pruned_raw_rows_still_count(admin_user):
    instance = make_instance("Alpha")
    start = day_start(today())
    _hour(instance, start - timedelta(hours=1), 50)  # yesterday's quota day
    # The first hour of the day is rolled up: 7 counted calls and two 601s. One of its raw
    # rows is still kept (the others were pruned): the roll-up already counts it.
    _hour(instance, start, 7)
    _hour(instance, start, 2, code="601")
    _call(instance, start + timedelta(minutes=5))
    # A later hour is not rolled up yet: its raw rows count.
    _call(instance, start + timedelta(hours=1, minutes=5))
    _call(instance, start + timedelta(hours=1, minutes=6))

    assert ledger_counted_today(instance_ids=[instance.pk]) == {instance.pk: 9}
    (summary,) = instance_summaries(user=admin_user)
    assert summary.ours_today == 9


@pytest.mark.parametrize("backend", ["redis", "sqlite"])
def test_calls_in_the_window_and_in_flight_come_from_the_governor_on_every_backend(
    admin_user, settings, tmp_path, backend
):
    """The embedded default (a SQLite governor) reports the same as Redis."""
    settings.GOVERNOR_BACKEND = backend
    settings.GOVERNOR_SQLITE_PATH = tmp_path / "governor.sqlite3"
    shared_governor.cache_clear()
    instance = make_instance("Alpha")
    governor = shared_governor()
    budget = instance_budget(instance)
    leases = [governor.acquire(budget, Priority.INTERACTIVE, timeout=1) for _ in range(3)]
    governor.release(leases[0])

    (summary,) = instance_summaries(user=admin_user)

    assert summary.in_window == 3
    assert summary.in_flight == 2
    assert summary.governor["window_budget"] == 50
    for lease in leases[1:]:
        governor.release(lease)
    assert instance_summaries(user=admin_user)[0].in_flight == 0


def test_an_unreachable_governor_leaves_the_figures_empty_and_says_so(admin_user, monkeypatch):
    from apps.usage import quota

    make_instance("Alpha")
    monkeypatch.setattr(quota, "governor_state", lambda instance: None)
    (summary,) = instance_summaries(user=admin_user)
    assert summary.governor is None
    assert summary.in_window is None and summary.in_flight is None


def test_the_latest_asset_sync_and_connection_test_whatever_their_state(admin_user):
    alpha = make_instance("Alpha")
    make_instance("Beta", client_id="beta")
    old = AssetSync.objects.create(instance=alpha, status="succeeded")
    failed = AssetSync.objects.create(instance=alpha, status="failed", error="601")
    AssetSync.objects.filter(pk=old.pk).update(requested_at=timezone.now() - timedelta(hours=2))
    ConnectionTest.objects.create(instance=alpha, status="failed")
    ok = ConnectionTest.objects.create(instance=alpha, status="ok")

    summaries = {s.instance.name: s for s in instance_summaries(user=admin_user)}

    assert summaries["Alpha"].asset_sync == failed
    assert summaries["Alpha"].connection_test == ok
    assert summaries["Beta"].asset_sync is None
    assert summaries["Beta"].connection_test is None


def _lookup(instance, user, status="running"):
    return LeadLookup.objects.create(
        instance=instance,
        user=user,
        field="email",
        status=status,
        total_values=1_200,
        done_values=300,
        batch_count=4,
    )


def test_live_jobs_are_listed_with_a_link_to_follow_each(admin_user):
    otto = UserFactory(username="otto", first_name="Otto", role=Role.OPERATOR)
    instance = make_instance("Alpha")
    sync = AssetSync.objects.create(instance=instance, status="paused", error="Marketo is busy")
    UsageSync.objects.create(instance=instance, kind="today", status="running")
    lookup = _lookup(instance, otto)
    _lookup(instance, otto, status="done")

    (summary,) = instance_summaries(user=admin_user)

    assert [(job.label, job.status, job.paused, job.url) for job in summary.jobs] == [
        (
            "Full asset sync, 0% done",
            "Waiting to retry",
            True,
            f"/assets/{instance.pk}/#sync-panel",
        ),
        (
            "Usage sync: today's usage and errors",
            "Running",
            False,
            f"/usage/instances/{instance.pk}/",
        ),
        (
            "Lead lookup of 1,200 values by Otto, 25% done",
            "Running",
            False,
            f"/leads/lookups/{lookup.pk}/",
        ),
    ]
    assert summary.asset_sync == sync


def test_a_viewer_sees_only_granted_instances_and_no_link_they_could_not_open():
    vera = UserFactory(username="vera", role=Role.VIEWER)
    otto = UserFactory(username="otto", role=Role.OPERATOR)
    granted, hidden = make_instance("Granted"), make_instance("Hidden", client_id="hidden")
    InstanceGrant.objects.create(instance=granted, user=vera, role="viewer")
    InstanceGrant.objects.create(instance=granted, user=otto, role="operator")
    _lookup(granted, otto)
    _lookup(hidden, otto)
    AssetSync.objects.create(instance=hidden, status="running")

    (summary,) = instance_summaries(user=vera)

    assert summary.instance == granted
    assert summary.jobs == []
    assert summary.others_lookups == 1
    assert summary.may_browse_assets and summary.may_view_usage
    (mine,) = instance_summaries(user=otto)
    assert [job.url for job in mine.jobs] == [
        f"/leads/lookups/{LeadLookup.objects.filter(instance=granted).get().pk}/"
    ]
    assert mine.jobs[0].label == "Lead lookup of 1,200 values, 25% done"


def test_the_usage_alert_fires_past_the_instances_threshold(admin_user):
    instance = make_instance("Alpha")
    AlertRule.objects.create(instance=instance, kind=RuleKind.QUOTA, threshold=20)
    UsageDay.objects.create(instance=instance, date=today(), api_user="crm@x", calls=10_000)
    (summary,) = instance_summaries(user=admin_user)
    assert summary.quota.alert
    assert summary.ours_high == 5_000  # 20 % of our 25,000


def test_the_queries_do_not_grow_with_the_number_of_instances(admin_user):
    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            instance_summaries(user=admin_user)
        return len(captured)

    first = make_instance("Alpha")
    AssetSync.objects.create(instance=first, status="running")
    ConnectionTest.objects.create(instance=first, status="ok")
    _lookup(first, admin_user)
    count()  # the user's role and permissions, read once and kept on the user
    one = count()
    for n in range(4):
        instance = make_instance(f"More {n}", client_id=f"more-{n}")
        AssetSync.objects.create(instance=instance, status="succeeded")
        ConnectionTest.objects.create(instance=instance, status="ok")
        _lookup(instance, admin_user)
    assert count() == one


def test_whom_to_ask_is_the_active_admins():
    UserFactory(username="ada", first_name="Ada", role=Role.ADMIN)
    UserFactory(username="gone", role=Role.ADMIN, is_active=False)
    UserFactory(username="otto", role=Role.OPERATOR)
    UserFactory(username="root", is_superuser=True)
    assert [user.username for user in admins_to_ask()] == ["root", "ada"]


def test_each_instance_is_split_at_its_own_last_rolled_up_hour(admin_user):
    busy, quiet = make_instance("Busy"), make_instance("Quiet")
    start = day_start(today())
    # Busy was rolled up to the day's second hour; Quiet has calls only in its first hour,
    # rolled up, and then none, so its raw rows after that hour all count.
    _hour(busy, start, 4)
    _hour(busy, start + timedelta(hours=1), 3)
    _call(busy, start + timedelta(hours=1, minutes=1))  # rolled up already
    _call(busy, start + timedelta(hours=2, minutes=1))
    _hour(quiet, start, 5)
    _call(quiet, start + timedelta(hours=1, minutes=30))

    assert ledger_counted_today(instance_ids=[busy.pk, quiet.pk]) == {busy.pk: 8, quiet.pk: 6}
