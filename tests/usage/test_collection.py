import pytest
from django_celery_beat.models import PeriodicTask

from apps.instances.client import instance_budget, shared_governor
from apps.marketo.client import RetryLater
from apps.sandbox.endpoints.usage import days as sandbox_usage_days
from apps.sandbox.endpoints.usage import errors as sandbox_error_days
from apps.usage import selectors
from apps.usage.days import today
from apps.usage.models import ErrorDay, LedgerEntry, UsageDay, UsageSync
from apps.usage.services import usage_sync_due, usage_sync_run


def _run(instance, kind):
    sync = UsageSync.objects.create(instance=instance, kind=kind)
    return usage_sync_run(sync_id=sync.pk)


@pytest.mark.django_db
def test_a_backfill_stores_exactly_what_the_sandbox_reports_for_7_days(sandbox_instance, sandbox):
    sync = _run(sandbox_instance, UsageSync.Kind.BACKFILL)
    assert sync.status == "succeeded", sync.error
    assert sync.days == 7
    # What Marketo (the sandbox) reports now, read in process: no call, so no count changes.
    # Today Marketo counts a call after answering it: the usage read saw neither of the sync's
    # own two calls, so the sandbox now reports 2 more than we stored.
    reported = {day["date"]: day for day in sandbox_usage_days(sandbox.instance, 7)}
    first, last = min(reported), max(reported)
    report = selectors.usage_report(instance=sandbox_instance, start=_date(first), end=_date(last))
    shown = {d["date"].isoformat(): d["total"] for d in report.daily}
    for on, day in reported.items():
        expected = day["total"] - (2 if on == today().isoformat() else 0)
        assert shown[on] == expected, on
    users = {u["api_user"]: u["total"] for u in report.users}
    for day in reported.values():
        for user in day["users"]:
            assert user["userId"] in users
    errors = {day["date"]: day["total"] for day in sandbox_error_days(sandbox.instance, 7)}
    assert {
        on: sum(ErrorDay.objects.filter(date=on).values_list("count", flat=True)) for on in errors
    } == errors


def _date(text):
    from datetime import date

    return date.fromisoformat(text)


@pytest.mark.django_db
def test_a_sync_is_two_background_calls_in_the_ledger(sandbox_instance):
    _run(sandbox_instance, UsageSync.Kind.TODAY)
    entries = LedgerEntry.objects.order_by("made_at")
    assert [e.endpoint for e in entries] == [
        "/rest/v1/stats/usage.json",
        "/rest/v1/stats/errors.json",
    ]
    assert {(e.feature, e.priority) for e in entries} == {("usage_sync", "background")}


@pytest.mark.django_db
def test_syncing_again_updates_the_day_instead_of_adding_to_it(sandbox_instance):
    _run(sandbox_instance, UsageSync.Kind.TODAY)
    _run(sandbox_instance, UsageSync.Kind.TODAY)
    row = UsageDay.objects.get(date=today(), api_user="api@sandbox.example")
    assert row.calls == 2  # usage, errors, usage: the last read saw the first two calls


@pytest.mark.django_db
def test_the_governor_counter_is_raised_to_marketos_figure_never_lowered(
    sandbox_instance, monkeypatch
):
    budget = instance_budget(sandbox_instance)
    governor = shared_governor()
    other_integration = [
        {"date": today().isoformat(), "total": 900, "users": [{"userId": "crm@x", "count": 900}]}
    ]
    monkeypatch.setattr("apps.marketo.usage.usage_today", lambda client: other_integration)
    _run(sandbox_instance, UsageSync.Kind.TODAY)
    assert governor.state(budget)["daily_used"] == 900  # the other integration's use counts
    governor.set_daily_used(budget, 5000)
    _run(sandbox_instance, UsageSync.Kind.TODAY)
    # 5000 stands (Marketo said 900); the one real call of the sync (errors) adds to it.
    assert governor.state(budget)["daily_used"] == 5001


@pytest.mark.django_db
def test_the_first_scheduled_run_backfills_and_later_ones_take_today(sandbox_instance, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    first = usage_sync_due(kind="today")
    assert [s.kind for s in first] == ["backfill"]
    UsageSync.objects.filter(pk=first[0].pk).update(status="succeeded")
    assert [s.kind for s in usage_sync_due(kind="today")] == ["today"]


@pytest.mark.django_db
def test_a_603_names_what_to_check_and_the_last_success_stays(sandbox_instance, sandbox):
    ok = _run(sandbox_instance, UsageSync.Kind.TODAY)
    sandbox.script_fault(path="/v1/stats/usage.json", times=1, error="603")
    failed = _run(sandbox_instance, UsageSync.Kind.TODAY)
    assert failed.status == "failed"
    assert "603" in failed.error and "IP allow-list" in failed.error
    state = selectors.last_syncs(instance=sandbox_instance)
    assert state["last_success"] == ok and state["last_failure"] == failed


@pytest.mark.django_db
def test_a_sync_the_governor_asks_to_wait_is_paused_and_goes_on_by_itself(
    sandbox_instance, monkeypatch, job_messages
):
    from apps.marketo import usage as marketo_usage

    real = marketo_usage.usage_today

    def budget_spent(client):
        raise RetryLater(4, "window")

    monkeypatch.setattr(marketo_usage, "usage_today", budget_spent)
    paused = _run(sandbox_instance, UsageSync.Kind.TODAY)
    assert (paused.status, paused.error) == ("paused", "Waiting for the instance's API budget.")
    assert job_messages == [("usage.UsageSync", paused.pk, 4)]
    monkeypatch.setattr(marketo_usage, "usage_today", real)
    done = usage_sync_run(sync_id=paused.pk)
    assert done.status == "succeeded"
    # A later delivery of the same message finds it finished and changes nothing.
    assert usage_sync_run(sync_id=paused.pk).finished_at == done.finished_at


@pytest.mark.django_db
def test_a_sync_of_a_disabled_instance_fails_with_the_reason(sandbox_instance):
    sandbox_instance.enabled = False
    sandbox_instance.save()
    sync = _run(sandbox_instance, UsageSync.Kind.TODAY)
    assert sync.status == "failed" and "disabled" in sync.error


@pytest.mark.django_db
def test_the_schedules_are_editable_periodic_tasks():
    tasks = {t.name: t for t in PeriodicTask.objects.filter(task="usage.sync_due")}
    assert len(tasks) == 2
    every_15 = next(t for t in tasks.values() if t.interval)
    assert (every_15.interval.every, every_15.interval.period) == (15, "minutes")
    daily = next(t for t in tasks.values() if t.crontab)
    assert str(daily.crontab.timezone) == "America/Chicago"
