"""Evaluation: a condition fires one alert per episode, brings it up to date while it holds
(escalating it once to critical), resolves it when it clears; each event is told to the
channels (or, with none, to the admins by e-mail), once."""

import threading

import pytest
from django.core import mail
from django.db import connection

from apps.alerts.models import Alert, AlertRule, Channel, Delivery, RuleKind
from apps.alerts.rules import Condition
from apps.alerts.services import _fire, evaluate
from apps.core.permissions import Role
from apps.usage.days import today
from apps.usage.models import UsageDay
from tests.alerts.conftest import alerts_of, events_of
from tests.factories import UserFactory, make_instance

pytestmark = pytest.mark.django_db


def _calls(instance, calls):
    UsageDay.objects.update_or_create(
        instance=instance, date=today(), api_user="crm@corp.example", defaults={"calls": calls}
    )


def _quota_only(instance):
    """The quota rule alone: at a morning's pace the forecast would fire as well."""
    AlertRule.objects.create(instance=instance, kind=RuleKind.FORECAST, enabled=False, threshold=1)


def test_the_quota_rule_fires_once_escalates_once_and_resolves(
    instance, django_capture_on_commit_callbacks
):
    _quota_only(instance)
    channel = Channel.objects.create(name="Ops", kind="email", recipients="ops@corp.example")
    _calls(instance, 39_999)
    assert evaluate()["fired"] == 0

    _calls(instance, 40_000)  # 80%: the default threshold
    with django_capture_on_commit_callbacks() as queued:
        assert evaluate()["fired"] == 1
    (alert,) = alerts_of(RuleKind.QUOTA, instance)
    assert (alert.state, alert.severity, alert.subject) == ("firing", "warning", "")
    assert alert.title == "Production: 80% of today's API quota used"
    assert alert.facts["calls_today"] == 40_000
    assert len(queued) == 1  # the deliveries are sent once the event is committed

    _calls(instance, 45_000)
    assert evaluate() == {"fired": 0, "escalated": 0, "resolved": 0}  # the same episode
    alert.refresh_from_db()
    assert alert.facts["calls_today"] == 45_000 and alert.title.startswith("Production: 90%")

    _calls(instance, 50_000)  # spent
    assert evaluate()["escalated"] == 1
    assert evaluate()["escalated"] == 0
    alert.refresh_from_db()
    assert alert.severity == "critical"

    UsageDay.objects.filter(instance=instance).delete()  # a new quota day
    assert evaluate()["resolved"] == 1
    alert.refresh_from_db()
    assert alert.state == "resolved" and alert.resolved_at is not None
    assert events_of(alert) == ["fired", "escalated", "resolved"]
    assert list(
        Delivery.objects.filter(alert=alert, channel=channel).values_list("event", flat=True)
    ) == ["resolved", "escalated", "fired"]

    _calls(instance, 41_000)
    evaluate()
    assert [a.state for a in alerts_of(RuleKind.QUOTA, instance)] == ["resolved", "firing"]


def test_a_rule_turned_off_resolves_its_alert_and_a_threshold_is_per_instance(instance):
    _quota_only(instance)
    other = make_instance("Staging", client_id="staging")
    _quota_only(other)
    AlertRule.objects.create(instance=other, kind=RuleKind.QUOTA, threshold=95)
    _calls(instance, 45_000)
    _calls(other, 45_000)
    evaluate()
    assert len(alerts_of(RuleKind.QUOTA, instance)) == 1
    assert alerts_of(RuleKind.QUOTA, other) == []  # 90% < 95%
    AlertRule.objects.create(instance=instance, kind=RuleKind.QUOTA, threshold=80, enabled=False)
    assert evaluate()["resolved"] == 1


def test_an_acknowledged_alert_stays_one_episode_and_still_resolves(instance, admin_user):
    from apps.alerts.services import alert_acknowledge
    from apps.audit.context import AuditContext
    from apps.audit.models import AuditEvent

    _quota_only(instance)
    _calls(instance, 45_000)
    evaluate()
    (alert,) = alerts_of(RuleKind.QUOTA, instance)
    assert alert_acknowledge(alert=alert, actor=admin_user, audit=AuditContext.system())
    assert not alert_acknowledge(alert=alert, actor=admin_user, audit=AuditContext.system())
    assert AuditEvent.objects.filter(action="alerts.acknowledge", target_id=alert.pk).count() == 1
    evaluate()
    assert len(alerts_of(RuleKind.QUOTA, instance)) == 1
    UsageDay.objects.all().delete()
    evaluate()
    alert.refresh_from_db()
    assert alert.state == "resolved"
    assert events_of(alert) == ["fired", "acknowledged", "resolved"]


def test_with_no_channel_the_admins_are_e_mailed_each_in_their_zone(
    instance, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_HOST = "smtp.example.com"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    UserFactory(username="ada", email="ada@corp.example", role=Role.ADMIN, time_zone="Asia/Tokyo")
    UserFactory(username="otto", email="otto@corp.example", role=Role.ADMIN)
    UserFactory(username="vera", email="vera@corp.example", role=Role.VIEWER)
    _quota_only(instance)
    _calls(instance, 41_000)
    with django_capture_on_commit_callbacks(execute=True):
        evaluate()
        evaluate()  # the same episode: nobody hears of it twice
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_recipient) == ["ada@corp.example", "otto@corp.example"]
    assert by_recipient["ada@corp.example"].subject == (
        "[marketo-admin] Warning: Production: 82% of today's API quota used"
    )
    assert " JST." in by_recipient["ada@corp.example"].body
    assert " UTC." in by_recipient["otto@corp.example"].body
    Channel.objects.create(name="Ops", kind="email", recipients="ops@corp.example")
    UsageDay.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        evaluate()  # resolved: told to the channel now, not to the admins
    assert len(mail.outbox) == 2


def test_without_e_mail_settings_nothing_is_sent_and_the_alert_still_fires(instance, settings):
    settings.EMAIL_HOST = ""
    _quota_only(instance)
    _calls(instance, 41_000)
    evaluate()
    assert len(alerts_of(RuleKind.QUOTA, instance)) == 1
    assert mail.outbox == []


def test_of_two_evaluations_racing_to_fire_one_opens_the_episode(instance):
    condition = Condition(subject="", severity="warning", title="t", summary="s")
    from django.utils import timezone

    now = timezone.now()
    first = _fire(RuleKind.QUOTA, instance, condition, now, False)
    second = _fire(RuleKind.QUOTA, instance, condition, now, False)
    assert first is not None and second is None
    assert events_of(first) == ["fired"]


@pytest.mark.django_db(transaction=True)
def test_two_evaluations_at_once_open_one_alert_and_tell_it_once():
    instance = make_instance("Production")
    _quota_only(instance)
    Channel.objects.create(name="Ops", kind="email", recipients="ops@corp.example")
    _calls(instance, 45_000)
    start = threading.Barrier(4)
    errors = []

    def run():
        try:
            start.wait()
            evaluate(instances=[instance], deployment=False)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    (alert,) = alerts_of(RuleKind.QUOTA, instance)
    assert events_of(alert) == ["fired"]
    assert Delivery.objects.filter(alert=alert).count() == 1


def test_a_rule_that_cannot_be_read_neither_fires_nor_resolves(instance, monkeypatch):
    from apps.alerts import rules

    _quota_only(instance)
    _calls(instance, 45_000)
    evaluate()
    real = rules.checks()

    def broken(*args):
        raise RuntimeError("the database hiccuped")

    monkeypatch.setattr(rules, "checks", lambda: {**real, RuleKind.QUOTA: broken})
    monkeypatch.setattr("apps.alerts.services.checks", rules.checks)
    assert evaluate()["resolved"] == 0
    assert alerts_of(RuleKind.QUOTA, instance)[0].state == Alert.State.FIRING


def test_each_usage_sync_evaluates_its_instance(instance, monkeypatch):
    from apps.usage.models import UsageSync
    from apps.usage.signals import usage_synced

    _quota_only(instance)
    _calls(instance, 45_000)
    sync = UsageSync.objects.create(instance=instance, kind="today", status="succeeded")
    usage_synced.send_robust(sender=UsageSync, sync=sync)
    assert len(alerts_of(RuleKind.QUOTA, instance)) == 1


def test_the_alerts_of_an_instance_that_is_disabled_resolve(instance):
    _quota_only(instance)
    _calls(instance, 45_000)
    evaluate()
    instance.enabled = False
    instance.save()
    assert evaluate()["resolved"] == 1
    (alert,) = alerts_of(RuleKind.QUOTA, instance)
    assert alert.state == "resolved"
    assert alert.events.last().text == "The instance was disabled."
