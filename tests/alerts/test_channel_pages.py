"""The alert channels' pages (issue 16): admins add, edit, delete, turn on and off, rotate
and test channels; the webhook's address is write-only and the secret is shown once; every
change is audited without a secret; nobody else may open them."""

from datetime import timedelta

import pytest
from django.urls import reverse

from apps.alerts.models import Channel, Delivery
from apps.audit.models import AuditEvent
from apps.instances import vault
from tests.alerts.factories import make_channel
from tests.factories import make_instance

pytestmark = pytest.mark.django_db

SLACK_URL = "https://hooks.slack.com/services/T0001/B0002/Zx9SecretPathToken77"


def _add(client, **data):
    form = {"name": "Ops", "kind": "webhook", "format": "json", "url": SLACK_URL, "instance": ""}
    form.update(data)
    return client.post(reverse("alerts_channel_create"), form)


def _pages(client, channel):
    for name in ("alerts_channel_list", "alerts_channel_detail", "alerts_channel_edit"):
        kwargs = {} if name == "alerts_channel_list" else {"pk": channel.pk}
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 200
        yield response.content.decode()


def test_a_json_webhook_is_added_and_its_secret_shown_once(admin_user, client_for):
    client = client_for(admin_user)
    response = _add(client)
    assert response.status_code == 200
    channel = Channel.objects.get(name="Ops")
    secret = vault.decrypt(channel.secret_encrypted)
    html = response.content.decode()
    assert secret in html and "will not be shown again" in html
    assert response["Cache-Control"] == "no-store"
    assert vault.decrypt(channel.url_encrypted) == SLACK_URL
    assert channel.url_hint == "https://hooks.slack.com"
    assert "Zx9SecretPathToken77" not in html
    for page in _pages(client, channel):
        assert secret not in page and "Zx9SecretPathToken77" not in page
        assert "https://hooks.slack.com" in page
    (event,) = AuditEvent.objects.filter(action="alerts.channel_create")
    assert event.details == {
        "name": "Ops",
        "kind": "webhook",
        "format": "json",
        "instance": "all instances",
    }
    assert event.target_type == "alert_channel" and event.target_id == str(channel.pk)


def test_a_slack_webhook_has_no_secret_and_an_email_channel_no_address(admin_user, client_for):
    client = client_for(admin_user)
    response = _add(client, name="Slack", format="slack")
    assert response.status_code == 302
    slack = Channel.objects.get(name="Slack")
    assert slack.secret_encrypted == "" and slack.format == "slack"
    response = _add(
        client, name="Mail", kind="email", recipients="a@example.com, b@example.com", url="x"
    )
    assert response.status_code == 302, response.content.decode()
    mail = Channel.objects.get(name="Mail")
    assert (mail.recipients, mail.url_encrypted, mail.format) == (
        "a@example.com\nb@example.com",
        "",
        "",
    )


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"url": ""}, "url", "Give the webhook's address."),
        ({"url": "hooks.slack.com/services/x"}, "url", "starting with https://"),
        ({"url": "ftp://example.com/x"}, "url", "starting with https://"),
        ({"format": ""}, "format", "Choose what the webhook expects."),
        ({"kind": "email", "recipients": ""}, "recipients", "at least one e-mail address"),
        ({"kind": "email", "recipients": "ada@, bob"}, "recipients", "Not an e-mail address"),
        ({"kind": "pigeon"}, "kind", "Select a valid choice"),
        ({"instance": "999999"}, "instance", "Select a valid choice"),
        ({"name": ""}, "name", "This field is required"),
    ],
)
def test_the_form_says_what_is_wrong(admin_user, client_for, data, field, words):
    response = _add(client_for(admin_user), **data)
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors[field])
    assert not Channel.objects.exists()


def test_a_form_with_an_error_does_not_give_the_address_back(admin_user, client_for):
    response = _add(client_for(admin_user), name="")
    assert response.status_code == 200
    assert "Zx9SecretPathToken77" not in response.content.decode()


def test_the_list_shows_recent_deliveries_and_failures(admin_user, client_for):
    from tests.alerts.factories import make_delivery

    channel, _ = make_channel(url=SLACK_URL)
    make_delivery(channel, event="test")
    failed = make_delivery(channel, event="test")
    Delivery.objects.filter(pk=failed.pk).update(status="failed")
    html = client_for(admin_user).get(reverse("alerts_channel_list")).content.decode()
    assert 'class="badge badge-bad" title="Test, ' in html
    assert f'href="/alerts/channels/{channel.pk}/#deliveries" class="badge badge-bad">1<' in html


def test_editing_with_a_blank_address_keeps_it(admin_user, client_for):
    client = client_for(admin_user)
    production = make_instance("Production")
    channel, _ = make_channel(url=SLACK_URL)
    form = {
        "name": "Ops room",
        "kind": "webhook",
        "format": "json",
        "url": "",
        "instance": production.pk,
    }
    response = client.post(reverse("alerts_channel_edit", kwargs={"pk": channel.pk}), form)
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.name == "Ops room" and channel.instance == production
    assert vault.decrypt(channel.url_encrypted) == SLACK_URL
    form["url"] = "https://example.org/hooks/marketo"
    client.post(reverse("alerts_channel_edit", kwargs={"pk": channel.pk}), form)
    channel.refresh_from_db()
    assert channel.url_hint == "https://example.org"
    updates = AuditEvent.objects.filter(action="alerts.channel_update").order_by("pk")
    assert [event.details["fields"] for event in updates] == [["name", "instance"], ["url"]]
    assert "example.org/hooks" not in str([event.details for event in updates])


def test_rotating_the_secret_shows_the_new_one_once(admin_user, client_for):
    client = client_for(admin_user)
    channel, old = make_channel(url=SLACK_URL)
    response = client.post(reverse("alerts_channel_rotate", kwargs={"pk": channel.pk}))
    channel.refresh_from_db()
    new = vault.decrypt(channel.secret_encrypted)
    assert new != old and new in response.content.decode()
    assert AuditEvent.objects.filter(action="alerts.channel_secret_rotate").count() == 1
    assert new not in str(AuditEvent.objects.values_list("details", flat=True))


def test_turning_a_channel_off_and_on(admin_user, client_for):
    client = client_for(admin_user)
    channel, _ = make_channel(url=SLACK_URL)
    url = reverse("alerts_channel_enable", kwargs={"pk": channel.pk})
    client.post(url, {})
    channel.refresh_from_db()
    assert not channel.enabled
    client.post(url, {"enabled": "on"})
    channel.refresh_from_db()
    assert channel.enabled
    actions = list(
        AuditEvent.objects.filter(action__startswith="alerts.channel_").values_list(
            "action", flat=True
        )
    )
    assert "alerts.channel_disable" in actions and "alerts.channel_enable" in actions


def test_send_a_test_queues_a_test_delivery_with_its_id_only(
    admin_user, client_for, queued, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    channel, _ = make_channel(url=SLACK_URL)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("alerts_channel_test", kwargs={"pk": channel.pk}), HTTP_HX_REQUEST="true"
        )
    delivery = Delivery.objects.get(channel=channel)
    assert delivery.event == "test" and delivery.alert is None
    assert queued == [((delivery.pk,), {})]
    assert "Sending a test" in response.content.decode()
    assert AuditEvent.objects.filter(action="alerts.channel_test").exists()
    result_url = reverse(
        "alerts_channel_test_result", kwargs={"pk": channel.pk, "delivery_pk": delivery.pk}
    )
    assert "is the worker running?" not in client.get(result_url).content.decode()
    Delivery.objects.filter(pk=delivery.pk).update(
        created_at=delivery.created_at - timedelta(minutes=1)
    )
    assert "is the worker running?" in client.get(result_url).content.decode()
    Delivery.objects.filter(pk=delivery.pk).update(status="failed", last_error="It answered 404.")
    result = client.get(
        reverse("alerts_channel_test_result", kwargs={"pk": channel.pk, "delivery_pk": delivery.pk})
    ).content.decode()
    assert "It answered 404." in result and "hx-get" not in result


def test_deleting_a_channel(admin_user, client_for):
    client = client_for(admin_user)
    channel, _ = make_channel(url=SLACK_URL)
    response = client.post(reverse("alerts_channel_delete", kwargs={"pk": channel.pk}))
    assert response.status_code == 302 and not Channel.objects.exists()
    assert AuditEvent.objects.filter(action="alerts.channel_delete").exists()


def test_the_list_says_when_email_cannot_be_sent(admin_user, client_for, settings):
    settings.EMAIL_HOST = ""
    client = client_for(admin_user)
    make_channel("Mail", kind="email", recipients="a@example.com")
    html = client.get(reverse("alerts_channel_list")).content.decode()
    assert "EMAIL_URL is not set" in html
    settings.EMAIL_HOST = "smtp.example.com"
    assert "EMAIL_URL is not set" not in client.get(reverse("alerts_channel_list")).content.decode()


@pytest.mark.parametrize("role", ["operator", "viewer"])
def test_only_those_who_manage_instances_open_the_pages(request, client_for, role):
    client = client_for(request.getfixturevalue(role))
    channel, _ = make_channel(url=SLACK_URL)
    for name, kwargs in [
        ("alerts_channel_list", {}),
        ("alerts_channel_create", {}),
        ("alerts_channel_detail", {"pk": channel.pk}),
        ("alerts_channel_edit", {"pk": channel.pk}),
        ("alerts_channel_delete", {"pk": channel.pk}),
    ]:
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 403
    for name in ("alerts_channel_enable", "alerts_channel_rotate", "alerts_channel_test"):
        assert client.post(reverse(name, kwargs={"pk": channel.pk})).status_code == 403
    assert not Delivery.objects.exists()
    channel.refresh_from_db()
    assert channel.enabled


def test_a_missing_channel_is_404(admin_user, client_for):
    assert client_for(admin_user).get("/alerts/channels/99999/").status_code == 404
