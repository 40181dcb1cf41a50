"""Sending alert deliveries (issue 16): signed JSON to a real HTTP receiver, Slack's and
Teams' bodies, retries with backoff, one send whatever the races, e-mail through Django's
mail, and no secret anywhere but the request itself."""

import logging
import threading
from datetime import timedelta

import pytest

from apps.alerts import delivery as sending
from apps.alerts.delivery import BACKOFF, deliver, due_deliveries, sweep
from apps.alerts.models import Alert, Channel, Delivery
from apps.alerts.notify import notify
from tests.alerts.factories import FIRED, make_alert, make_channel, make_delivery
from tests.factories import UserFactory, make_instance

pytestmark = pytest.mark.django_db


@pytest.fixture
def instance():
    return make_instance("Production")


def test_a_signed_json_message_reaches_the_receiver_which_verifies_it(receiver, instance):
    _, secret = make_channel(url=receiver.url)
    receiver.secret = secret
    alert = make_alert(instance, severity=Alert.Severity.CRITICAL)
    (delivery,) = notify(alert, "fired")
    assert deliver(delivery_id=delivery.pk, now=FIRED) == Delivery.Status.SENT
    (message,) = receiver.received
    assert message.signature_ok is True
    assert message.path == "/services/T0001/B0002/Zx9SecretPathToken77"
    body = message.json()
    assert body["schema"] == "marketo-admin.alert.v1"
    assert body["event"] == "fired" and body["test"] is False
    assert body["instance"] == {"id": instance.pk, "name": "Production"}
    assert body["alert"]["id"] == alert.pk
    assert body["alert"]["severity"] == "critical"
    assert body["alert"]["facts"] == {"percent_used": 85, "calls": 42500, "quota": 50000}
    assert body["alert"]["fired_at"] == "2026-12-01T14:05:00Z"
    assert body["alert"]["resolved_at"] is None
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.response_status, delivery.last_error) == (1, 200, "")
    assert delivery.sent_at is not None and delivery.next_attempt_at is None


def test_a_tampered_body_fails_the_receivers_check(receiver):
    from tests.alerts.receiver import signature_ok

    channel, secret = make_channel(url=receiver.url)
    receiver.secret = secret
    deliver(delivery_id=make_delivery(channel, event="test").pk, now=FIRED)
    (message,) = receiver.received
    assert message.signature_ok
    assert not signature_ok(secret, message.headers, message.body + b" ")
    assert not signature_ok("another secret", message.headers, message.body)


def test_the_link_to_the_alert_uses_site_url(receiver, instance, settings):
    settings.SITE_URL = "https://ma.example.com/"
    channel, _ = make_channel(url=receiver.url)
    deliver(delivery_id=make_delivery(channel, event="test").pk, now=FIRED)
    body = receiver.received[0].json()
    assert body["url"] == f"https://ma.example.com/alerts/channels/{channel.pk}/"
    assert body["alert"] is None and body["test"] is True


def test_slack_gets_text_and_blocks(receiver, instance, settings):
    settings.SITE_URL = "https://ma.example.com"
    channel, secret = make_channel("Slack", fmt="slack", url=receiver.url)
    assert secret == ""  # Slack checks no signature
    alert = make_alert(instance, title="A <b> & " + "very long title " * 15)
    deliver(delivery_id=make_delivery(channel, alert).pk, now=FIRED)
    (message,) = receiver.received
    assert "X-Marketo-Admin-Signature" not in message.headers
    body = message.json()
    assert body["text"].startswith("Fired: A <b> & very long title")
    header, summary, fields, context = body["blocks"]
    assert header["type"] == "header" and header["text"]["type"] == "plain_text"
    assert len(header["text"]["text"]) <= 150
    assert summary["type"] == "section" and summary["text"]["type"] == "mrkdwn"
    assert "42,500 of 50,000" in summary["text"]["text"]
    assert fields["type"] == "section" and 1 <= len(fields["fields"]) <= 10
    assert fields["fields"][0]["text"] == "*Instance*\nProduction"
    assert all(f["type"] == "mrkdwn" for f in fields["fields"])
    assert context["type"] == "context"
    assert (
        "UTC" in context["elements"][0]["text"] and "US Central" in context["elements"][0]["text"]
    )


def test_teams_gets_a_message_with_an_adaptive_card(receiver, instance, settings):
    settings.SITE_URL = "https://ma.example.com"
    channel, _ = make_channel("Teams", fmt="teams", url=receiver.url)
    alert = make_alert(instance, resolved_at=FIRED + timedelta(hours=1), state="resolved")
    deliver(delivery_id=make_delivery(channel, alert, event="resolved").pk, now=FIRED)
    body = receiver.received[0].json()
    assert body["type"] == "message"
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    title, text, facts = card["body"]
    assert title["type"] == "TextBlock" and title["text"].startswith("Resolved: ")
    assert title["color"] == "Good"
    assert text["type"] == "TextBlock" and text["wrap"] is True
    assert facts["type"] == "FactSet"
    titles = [fact["title"] for fact in facts["facts"]]
    assert titles[0] == "Instance" and "Fired" in titles and "Resolved" in titles


def test_slack_and_teams_link_to_marketo_admin_when_site_url_is_set(receiver, settings):
    settings.SITE_URL = "https://ma.example.com"
    slack, _ = make_channel("Slack", fmt="slack", url=receiver.url)
    teams, _ = make_channel("Teams", fmt="teams", url=receiver.url)
    deliver(delivery_id=make_delivery(slack, event="test").pk, now=FIRED)
    deliver(delivery_id=make_delivery(teams, event="test").pk, now=FIRED)
    slack_body, teams_body = (message.json() for message in receiver.received)
    link = f"https://ma.example.com/alerts/channels/{slack.pk}/"
    assert f"<{link}|Open in marketo-admin>" in slack_body["blocks"][-1]["elements"][0]["text"]
    (action,) = teams_body["attachments"][0]["content"]["actions"]
    assert action == {
        "type": "Action.OpenUrl",
        "title": "Open in marketo-admin",
        "url": f"https://ma.example.com/alerts/channels/{teams.pk}/",
    }


def test_a_failing_receiver_is_retried_with_backoff_then_the_delivery_is_sent(
    receiver, instance, queued
):
    receiver.answers = [500, 503]
    channel, _ = make_channel(url=receiver.url)
    delivery = make_delivery(channel, make_alert(instance))
    assert deliver(delivery_id=delivery.pk, now=FIRED) == Delivery.Status.RETRYING
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == FIRED + BACKOFF[0]
    assert delivery.response_status == 500
    assert delivery.last_error.startswith(f"{channel.url_hint} answered 500")

    # Not due yet: nothing is sent, whoever asks.
    assert deliver(delivery_id=delivery.pk, now=FIRED + timedelta(seconds=30)) is None
    assert due_deliveries(FIRED + timedelta(seconds=30)) == []
    assert len(receiver.received) == 1

    second = FIRED + BACKOFF[0]
    assert sweep(now=second) == 1
    assert queued == [((delivery.pk,), {})]  # the task is given the id, nothing else
    assert deliver(delivery_id=delivery.pk, now=second) == Delivery.Status.RETRYING
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == second + BACKOFF[1]
    assert delivery.response_status == 503

    third = second + BACKOFF[1]
    assert deliver(delivery_id=delivery.pk, now=third) == Delivery.Status.SENT
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_error, delivery.next_attempt_at) == (3, "", None)
    assert len(receiver.received) == 3


def test_after_the_last_retry_the_delivery_is_failed(receiver, instance):
    receiver.answers = [500] * 10
    channel, _ = make_channel(url=receiver.url)
    delivery = make_delivery(channel, make_alert(instance))
    at = FIRED
    for wait in BACKOFF:
        assert deliver(delivery_id=delivery.pk, now=at) == Delivery.Status.RETRYING
        at += wait
    assert deliver(delivery_id=delivery.pk, now=at) == Delivery.Status.FAILED
    delivery.refresh_from_db()
    assert delivery.attempts == len(BACKOFF) + 1 and delivery.next_attempt_at is None
    assert deliver(delivery_id=delivery.pk, now=at + timedelta(days=1)) is None


def test_a_test_message_that_fails_is_not_retried(receiver):
    receiver.answers = [404]
    channel, _ = make_channel(url=receiver.url)
    delivery = make_delivery(channel, event="test")
    assert deliver(delivery_id=delivery.pk, now=FIRED) == Delivery.Status.FAILED
    delivery.refresh_from_db()
    assert "answered 404" in delivery.last_error and "invalid_payload" in delivery.last_error


def test_an_unreachable_receiver_is_named_by_its_host_only(instance):
    from tests.alerts.receiver import Receiver

    gone = Receiver().start()
    gone.stop()  # nothing listens on its port any more
    channel, _ = make_channel(url=gone.url)
    delivery = make_delivery(channel, make_alert(instance))
    assert deliver(delivery_id=delivery.pk, now=FIRED) == Delivery.Status.RETRYING
    delivery.refresh_from_db()
    assert delivery.last_error == f"Could not connect to {channel.url_hint}."
    assert "Zx9SecretPathToken77" not in delivery.last_error


def test_a_disabled_channel_gets_no_alert(receiver, instance):
    channel, _ = make_channel(url=receiver.url)
    delivery = make_delivery(channel, make_alert(instance))
    Channel.objects.filter(pk=channel.pk).update(enabled=False)
    assert deliver(delivery_id=delivery.pk, now=FIRED) == Delivery.Status.FAILED
    assert receiver.received == []


def test_the_sweep_takes_retries_that_are_due_and_messages_that_were_lost(receiver, queued):
    channel, _ = make_channel(url=receiver.url)
    lost = make_delivery(channel, event="test", at=FIRED - timedelta(minutes=2))
    make_delivery(channel, event="test", at=FIRED)  # its task is on its way
    retry = make_delivery(channel, event="test", at=FIRED - timedelta(seconds=1))
    Delivery.objects.filter(pk=retry.pk).update(status=Delivery.Status.RETRYING)
    sent = make_delivery(channel, event="test", at=FIRED - timedelta(hours=1))
    Delivery.objects.filter(pk=sent.pk).update(status=Delivery.Status.SENT)
    assert sorted(due_deliveries(FIRED)) == sorted([lost.pk, retry.pk])
    assert sweep(now=FIRED) == 2
    assert sorted(args[0] for args, _ in queued) == sorted([lost.pk, retry.pk])


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_send_one_delivery_once(receiver, role_groups):
    receiver.delay = 0.5  # the first is still sending when the second tries to claim
    channel, _ = make_channel(url=receiver.url)
    delivery = make_delivery(channel, event="test")
    start = threading.Barrier(2)
    outcomes = []

    def worker():
        from django.db import connection

        start.wait()
        try:
            outcomes.append(deliver(delivery_id=delivery.pk, now=FIRED))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [None, Delivery.Status.SENT]
    assert len(receiver.received) == 1
    assert Delivery.objects.get(pk=delivery.pk).attempts == 1


def test_email_goes_to_each_recipient_with_times_in_their_zone(instance, mailoutbox, settings):
    settings.EMAIL_HOST = "smtp.example.com"  # what EMAIL_URL sets; the test backend keeps it
    UserFactory(username="ada", email="Ada@Example.com", time_zone="Europe/Paris")
    channel, _ = make_channel(
        "Ops mail", kind=Channel.Kind.EMAIL, recipients="ada@example.com\nteam@example.org"
    )
    alert = make_alert(instance)
    assert deliver(delivery_id=make_delivery(channel, alert).pk, now=FIRED) == "sent"
    ada, team = sorted(mailoutbox, key=lambda mail: mail.to[0])
    assert ada.to == ["ada@example.com"] and team.to == ["team@example.org"]
    assert ada.subject == f"[marketo-admin] Fired: {alert.title}"
    assert "Instance: Production" in ada.body
    assert "Fired: Tue 01 Dec 2026 15:05 CET" in ada.body  # Paris
    assert "Fired: Tue 01 Dec 2026 14:05 UTC (08:05 CST, US Central)" in team.body
    assert "42,500 of 50,000 calls used" in team.body
    assert "Calls: 42,500" in team.body


def test_email_without_email_url_fails_and_says_why(instance, mailoutbox, settings):
    settings.EMAIL_HOST = ""
    channel, _ = make_channel("Ops mail", kind=Channel.Kind.EMAIL, recipients="a@example.com")
    delivery = make_delivery(channel, make_alert(instance))
    assert deliver(delivery_id=delivery.pk, now=FIRED) == Delivery.Status.FAILED
    delivery.refresh_from_db()
    assert delivery.last_error == "No e-mail can be sent: EMAIL_URL is not set."
    assert mailoutbox == []


def test_no_secret_in_logs_errors_or_task_arguments(receiver, instance, caplog, queued):
    caplog.set_level(logging.DEBUG)
    receiver.answers = [500]
    channel, secret = make_channel(url=receiver.url)
    alert = make_alert(instance)
    delivery = make_delivery(channel, alert)
    deliver(delivery_id=delivery.pk, now=FIRED)  # fails, logged
    deliver(delivery_id=delivery.pk, now=FIRED + BACKOFF[0])  # sent, logged
    gone_channel, _ = make_channel(
        "Gone", url=receiver.url.replace(str(receiver._server.server_address[1]), "1")
    )
    deliver(delivery_id=make_delivery(gone_channel, alert).pk, now=FIRED)
    sweep(now=FIRED + timedelta(days=1))
    assert "sent to channel" in caplog.text and "failed on attempt 1" in caplog.text
    errors = " ".join(Delivery.objects.values_list("last_error", flat=True))
    for secret_text in (secret, "Zx9SecretPathToken77", receiver.url):
        assert secret_text not in caplog.text
        assert secret_text not in errors
        assert secret_text not in repr(queued)
    assert queued and all(
        len(args) == 1 and isinstance(args[0], int) and not kwargs for args, kwargs in queued
    )


def test_the_sweep_is_scheduled_every_minute():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="alerts.deliveries_sweep")
    assert (task.interval.every, task.interval.period, task.enabled) == (1, "minutes", True)


def test_recipients_are_split_and_deduplicated():
    assert sending.recipient_list("a@x.com, b@x.com;\nA@x.com\n\n c@x.com ") == [
        "a@x.com",
        "b@x.com",
        "c@x.com",
    ]


def test_rotating_the_vault_key_moves_the_channels_secrets_too(receiver, settings):
    from cryptography.fernet import Fernet

    from apps.instances import vault
    from apps.instances.rotation import credentials_rotate

    channel, secret = make_channel(url=receiver.url)
    make_channel("Mail", kind=Channel.Kind.EMAIL, recipients="a@example.com")  # nothing to move
    old_key = settings.CREDENTIALS_KEYS[0]
    settings.CREDENTIALS_KEYS = [Fernet.generate_key().decode(), old_key]
    report = credentials_rotate()
    assert report.moved == 2 and report.undecryptable == []
    settings.CREDENTIALS_KEYS = settings.CREDENTIALS_KEYS[:1]  # the old key retired
    channel.refresh_from_db()
    assert vault.decrypt(channel.url_encrypted) == receiver.url
    assert vault.decrypt(channel.secret_encrypted) == secret
    receiver.secret = secret
    deliver(delivery_id=make_delivery(channel, event="test").pk, now=FIRED)
    assert receiver.received[0].signature_ok


def test_a_channel_whose_key_is_gone_is_named_by_the_rotation(receiver, settings):
    from cryptography.fernet import Fernet

    from apps.instances.rotation import credentials_rotate

    make_channel(url=receiver.url)
    settings.CREDENTIALS_KEYS = [Fernet.generate_key().decode()]
    report = credentials_rotate()
    assert report.undecryptable == ["alert channel Ops"]


def test_an_address_the_mail_server_refuses_is_not_retried(instance, settings, monkeypatch):
    import smtplib

    from django.core.mail.backends.locmem import EmailBackend

    settings.EMAIL_HOST = "smtp.example.com"

    def refuse(self, messages):
        raise smtplib.SMTPRecipientsRefused({"gone@example.org": (550, b"No such user")})

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    channel, _ = make_channel("Mail", kind=Channel.Kind.EMAIL, recipients="gone@example.org")
    delivery = make_delivery(channel, make_alert(instance))
    assert deliver(delivery_id=delivery.pk, now=FIRED) == Delivery.Status.FAILED
    delivery.refresh_from_db()
    assert delivery.last_error == "The mail server refused gone@example.org."


def test_an_unexpected_fault_is_recorded_and_retried_like_a_failure(receiver, monkeypatch):
    from apps.alerts.channels import formats

    def broken(message):
        raise KeyError("a bug")

    monkeypatch.setitem(formats.WEBHOOK_BODIES, Channel.Format.JSON, broken)
    channel, _ = make_channel(url=receiver.url)
    delivery = make_delivery(channel, make_alert(make_instance("Production")))
    assert deliver(delivery_id=delivery.pk, now=FIRED) == Delivery.Status.RETRYING
    delivery.refresh_from_db()
    assert (
        delivery.last_error == "marketo-admin failed to send it (KeyError); see the worker's log."
    )
