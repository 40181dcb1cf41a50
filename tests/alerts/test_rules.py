"""Each rule on what marketo-admin already knows: it fires once, escalates where it has
levels, and resolves when its condition clears."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.alerts.models import AlertRule, RuleKind
from apps.alerts.rules.heartbeat import record_tick
from apps.alerts.services import evaluate
from apps.core.models import WorkerHeartbeat
from apps.instances.models import ConnectionTest
from apps.integrations.models import Integration, IntegrationApiUser
from apps.usage.days import today
from apps.usage.models import ErrorReading, LedgerEntry, LedgerHour, UsageDay, UsageSync
from tests.alerts.conftest import alerts_of, events_of

pytestmark = pytest.mark.django_db


def _state(alert):
    alert.refresh_from_db()
    return alert.state, alert.severity


# --- forecast -----------------------------------------------------------------------------


def test_the_forecast_fires_when_the_days_pace_reaches_the_quota_before_the_reset(instance, noon):
    # Half the day gone: 20,000 calls reach 40,000 by midnight, 80% of the quota.
    UsageDay.objects.create(instance=instance, date=today(), api_user="a@x", calls=20_000)
    evaluate(now=noon)
    assert alerts_of(RuleKind.FORECAST, instance) == []  # 80% < 100%
    UsageDay.objects.filter(instance=instance).update(calls=26_000)  # about 52,000 by midnight
    evaluate(now=noon)
    (alert,) = alerts_of(RuleKind.FORECAST, instance)
    assert alert.facts["calls_by_the_reset"] == pytest.approx(52_000, abs=100)
    assert "before the reset" in alert.title
    AlertRule.objects.create(instance=instance, kind=RuleKind.FORECAST, threshold=120)
    evaluate(now=noon)
    assert _state(alert)[0] == "resolved"


def test_the_first_hour_of_a_quota_day_is_too_early_to_forecast(instance, noon):
    just_after_midnight = noon - timedelta(hours=11, minutes=30)
    UsageDay.objects.create(instance=instance, date=today(), api_user="a@x", calls=3_000)
    evaluate(now=just_after_midnight)
    assert alerts_of(RuleKind.FORECAST, instance) == []


# --- budget -------------------------------------------------------------------------------


def test_an_integration_over_its_budget_warns_then_is_critical_then_resolves(instance):
    crm = Integration.objects.create(name="Salesforce sync", budget_calls=1_000)
    IntegrationApiUser.objects.create(integration=crm, instance=instance, userid="sfdc@x.com")
    day = UsageDay.objects.create(instance=instance, date=today(), api_user="sfdc@x.com", calls=700)
    evaluate()
    assert alerts_of(RuleKind.BUDGET, instance) == []
    day.calls = 850  # past the default warning at 80%
    day.save()
    evaluate()
    (alert,) = alerts_of(RuleKind.BUDGET, instance)
    assert (alert.subject, alert.severity) == (f"integration:{crm.pk}", "warning")
    assert alert.title == "Salesforce sync has used 85% of its daily budget on Production"
    day.calls = 1_000
    day.save()
    evaluate()
    assert _state(alert) == ("firing", "critical")
    day.delete()
    evaluate()
    assert events_of(alert) == ["fired", "escalated", "resolved"]


# --- error spike --------------------------------------------------------------------------


def _errors(instance, at, added, code="606"):
    ErrorReading.objects.create(instance=instance, read_at=at, code=code, added=added)


def test_an_error_spike_is_against_the_same_hour_of_the_7_days_before(instance):
    now = timezone.now()
    for days in range(1, 8):
        _errors(instance, now - timedelta(days=days, minutes=20), 10)  # 10 an hour, usually
    _errors(instance, now - timedelta(minutes=20), 25)
    evaluate(now=now)
    assert alerts_of(RuleKind.ERROR_SPIKE, instance) == []  # 25 < 3 x 10
    _errors(instance, now - timedelta(minutes=5), 10)
    evaluate(now=now)
    (alert,) = alerts_of(RuleKind.ERROR_SPIKE, instance)
    assert (alert.subject, alert.severity) == ("code:606", "warning")
    assert alert.facts["errors_in_the_window"] == 35
    assert alert.facts["usual_errors_in_the_window"] == 10
    assert "Marketo does not say which API user" in alert.summary
    _errors(instance, now - timedelta(minutes=1), 30)  # 65: twice the limit
    evaluate(now=now)
    assert _state(alert) == ("firing", "critical")
    evaluate(now=now + timedelta(hours=1))  # the spike is over
    assert _state(alert)[0] == "resolved"


def test_a_quiet_instance_does_not_fire_on_a_few_errors(instance, settings):
    now = timezone.now()
    _errors(instance, now - timedelta(minutes=5), 19, code="615")  # no baseline at all
    evaluate(now=now)
    assert alerts_of(RuleKind.ERROR_SPIKE, instance) == []
    settings.ALERT_ERROR_SPIKE_MINUTES = 2  # tests shorten the window
    settings.ALERT_ERROR_SPIKE_MIN_ERRORS = 5
    _errors(instance, now - timedelta(minutes=1), 6, code="615")
    evaluate(now=now)
    (alert,) = alerts_of(RuleKind.ERROR_SPIKE, instance)
    assert alert.subject == "code:615" and alert.facts["errors_in_the_window"] == 6


def test_each_usage_sync_records_what_it_added_to_todays_errors(instance):
    from apps.usage.services import error_days_store

    day = today().strftime("%Y-%m-%d")
    error_days_store(instance=instance, result=[{"date": day, "errors": []}])
    error_days_store(
        instance=instance, result=[{"date": day, "errors": [{"errorCode": 606, "count": 4}]}]
    )
    error_days_store(
        instance=instance, result=[{"date": day, "errors": [{"errorCode": 606, "count": 11}]}]
    )
    old = (today() - timedelta(days=2)).strftime("%Y-%m-%d")  # a settled day: no reading
    error_days_store(
        instance=instance, result=[{"date": old, "errors": [{"errorCode": 606, "count": 99}]}]
    )
    assert sorted(ErrorReading.objects.values_list("code", "added")) == [("606", 4), ("606", 7)]


# --- credential ---------------------------------------------------------------------------


def _call(instance, at, code="", endpoint="/rest/v1/leads.json"):
    LedgerEntry.objects.create(
        instance=instance,
        made_at=at,
        method="GET",
        endpoint=endpoint,
        http_status=401 if code == "401" else 200,
        code=code,
        duration_ms=50,
        priority="background",
    )


def test_an_identity_refusal_fires_until_a_call_succeeds_again(instance):
    now = timezone.now()
    _call(instance, now - timedelta(minutes=30))
    _call(instance, now - timedelta(minutes=10), code="401")
    evaluate(now=now)
    (alert,) = alerts_of(RuleKind.CREDENTIAL, instance)
    assert (alert.subject, alert.severity) == ("identity", "critical")
    assert "refuses the client id or secret" in alert.title
    _call(instance, now - timedelta(minutes=1))
    evaluate(now=now)
    assert _state(alert)[0] == "resolved"


def test_a_connection_test_refused_by_the_identity_endpoint_fires_and_a_good_one_clears(
    instance,
):
    now = timezone.now()
    ConnectionTest.objects.create(
        instance=instance,
        status="failed",
        finished_at=now - timedelta(minutes=2),
        error="Could not get a token: 401 the client id or secret was refused (Bad client)",
    )
    evaluate(now=now)
    (alert,) = alerts_of(RuleKind.CREDENTIAL, instance)
    ConnectionTest.objects.create(
        instance=instance, status="ok", finished_at=now - timedelta(minutes=1)
    )
    evaluate(now=now)
    assert _state(alert)[0] == "resolved"


def test_603_fires_only_on_an_endpoint_that_used_to_work(instance):
    now = timezone.now()
    assets = "/rest/asset/v1/emails.json"
    LedgerHour.objects.create(
        instance=instance,
        hour=now - timedelta(days=20),
        endpoint=assets,
        code="",
        priority="background",
        calls=40,
        total_ms=1000,
    )
    _call(instance, now - timedelta(minutes=3), code="603", endpoint=assets)
    _call(instance, now - timedelta(minutes=3), code="603", endpoint="/rest/v1/activities.json")
    evaluate(now=now)
    (alert,) = alerts_of(RuleKind.CREDENTIAL, instance)  # never-allowed activities: no alert
    assert alert.subject == f"endpoint:{assets}"
    _call(instance, now - timedelta(minutes=1), endpoint=assets)
    evaluate(now=now)
    assert _state(alert)[0] == "resolved"


# --- stalled jobs -------------------------------------------------------------------------


def test_a_sync_failed_or_paused_longer_than_the_rules_minutes_fires(instance):
    now = timezone.now()
    failed = UsageSync.objects.create(
        instance=instance, kind="today", status="failed", finished_at=now - timedelta(minutes=20)
    )
    failed.error = "Marketo answered 601."
    failed.save()
    evaluate(now=now)
    assert alerts_of(RuleKind.JOB_STALLED, instance) == []  # 20 < 30 minutes
    evaluate(now=now + timedelta(minutes=11))
    (alert,) = alerts_of(RuleKind.JOB_STALLED, instance)
    assert (alert.subject, alert.severity) == ("job:usage_sync", "critical")
    assert alert.summary.endswith(": Marketo answered 601.")
    UsageSync.objects.create(instance=instance, kind="today", status="succeeded", finished_at=now)
    evaluate(now=now + timedelta(minutes=12))
    assert _state(alert)[0] == "resolved"


def test_a_lookup_paused_that_long_fires_as_a_warning(instance, admin_user):
    from apps.leads.models import LeadLookup

    now = timezone.now()
    LeadLookup.objects.create(
        instance=instance,
        user=admin_user,
        status="paused",
        heartbeat_at=now - timedelta(minutes=45),
        message="The daily quota is spent: it goes on after midnight US Central.",
    )
    evaluate(now=now)
    (alert,) = alerts_of(RuleKind.JOB_STALLED, instance)
    assert (alert.subject, alert.severity) == ("job:lead_lookup", "warning")


# --- heartbeat (the deployment's) -----------------------------------------------------------


def test_no_worker_heartbeat_fires_for_the_deployment_and_a_live_one_resolves(instance):
    now = timezone.now()
    worker = WorkerHeartbeat.objects.create(
        hostname="worker@a", started_at=now, last_seen_at=now - timedelta(minutes=6)
    )
    evaluate(now=now)
    (alert,) = alerts_of(RuleKind.HEARTBEAT)
    assert (alert.subject, alert.instance, alert.severity) == ("workers", None, "critical")
    worker.last_seen_at = now
    worker.save()
    evaluate(now=now)
    assert _state(alert)[0] == "resolved"


def test_beat_silent_while_workers_run_fires(instance):
    now = timezone.now()
    WorkerHeartbeat.objects.create(hostname="worker@a", started_at=now, last_seen_at=now)
    record_tick(now - timedelta(minutes=4))
    evaluate(now=now)
    assert alerts_of(RuleKind.HEARTBEAT) == []
    record_tick(now - timedelta(minutes=6))
    evaluate(now=now)
    (alert,) = alerts_of(RuleKind.HEARTBEAT)
    assert alert.subject == "beat" and "Beat" in alert.title


def test_the_watchers_deliver_from_their_own_thread(
    instance, monkeypatch, django_capture_on_commit_callbacks
):
    from apps.alerts.models import Channel, Delivery
    from apps.alerts.watch import watch_once

    sent = []
    monkeypatch.setattr(
        "apps.alerts.delivery.deliver", lambda *, delivery_id: sent.append(delivery_id)
    )
    Channel.objects.create(name="Ops", kind="email", recipients="ops@corp.example")
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        hostname="worker@a", started_at=now, last_seen_at=now - timedelta(minutes=10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert watch_once() == {"fired": 1, "escalated": 0, "resolved": 0}
    assert sent == list(Delivery.objects.values_list("pk", flat=True))
    assert len(sent) == 1


def test_a_failed_lookup_is_news_for_a_day_and_a_failed_sync_until_one_succeeds(
    instance, admin_user
):
    from apps.leads.models import LeadLookup

    now = timezone.now()
    LeadLookup.objects.create(
        instance=instance, user=admin_user, status="failed", finished_at=now - timedelta(hours=2)
    )
    UsageSync.objects.create(
        instance=instance, kind="today", status="failed", finished_at=now - timedelta(hours=2)
    )
    evaluate(now=now)
    assert {a.subject for a in alerts_of(RuleKind.JOB_STALLED, instance)} == {
        "job:lead_lookup",
        "job:usage_sync",
    }
    evaluate(now=now + timedelta(days=1))
    assert [
        a.subject for a in alerts_of(RuleKind.JOB_STALLED, instance) if a.state != "resolved"
    ] == ["job:usage_sync"]
