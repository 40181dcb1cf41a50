"""The alerts API and pages from stored alerts: who sees which (the grants, the deployment's
for admins), the filters, paging, acknowledging (audited), and the rules page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.alerts.models import Alert, AlertEvent, AlertRule, Channel, RuleKind
from apps.audit.context import AuditContext
from apps.audit.models import AuditEvent
from apps.instances.services import grant_set
from tests.factories import UserFactory, make_instance

pytestmark = pytest.mark.django_db


def _alert(instance, kind=RuleKind.QUOTA, *, state="firing", subject="", ago=0, **fields):
    moment = timezone.now() - timedelta(minutes=ago)
    alert = Alert.objects.create(
        kind=kind,
        instance=instance,
        subject=subject,
        state=state,
        title=fields.pop("title", f"{instance.name if instance else 'Deployment'}: {kind}"),
        summary="In words.",
        facts=fields.pop("facts", {"calls_today": 41_000, "resets_at": moment.isoformat()}),
        fired_at=moment,
        last_checked_at=moment,
        resolved_at=moment if state == "resolved" else None,
        **fields,
    )
    AlertEvent.objects.create(alert=alert, kind="fired", at=moment, text="It fired.")
    return alert


@pytest.fixture
def production(db):
    return make_instance("Production")


@pytest.fixture
def staging(db):
    return make_instance("Staging", client_id="staging")


@pytest.fixture
def alerts(production, staging):
    return {
        "old": _alert(production, state="resolved", ago=300),
        "firing": _alert(production, RuleKind.ERROR_SPIKE, subject="code:606", ago=60),
        "acked": _alert(production, RuleKind.BUDGET, state="acknowledged", ago=10),
        "staging": _alert(staging, ago=5),
        "deployment": _alert(None, RuleKind.HEARTBEAT, subject="workers", ago=1),
    }


def _viewer_of(instance, username="vera"):
    from apps.core.permissions import Role

    user = UserFactory(username=username, role=Role.VIEWER)
    grant_set(instance=instance, user=user, role="viewer", actor=None, audit=AuditContext.system())
    return user


# --- API ----------------------------------------------------------------------------------


def test_the_list_puts_firing_first_and_admins_see_the_deployments(api_client, admin_user, alerts):
    api_client.force_authenticate(admin_user)
    answer = api_client.get("/api/v1/alerts/").json()
    ids = [row["id"] for row in answer["results"]]
    expected = ["deployment", "staging", "firing", "acked", "old"]
    assert ids == [alerts[name].pk for name in expected]
    assert answer["count"] == 5
    first = answer["results"][0]
    assert (first["instance"], first["instance_name"], first["kind"]) == (None, None, "heartbeat")


def test_the_list_filters_by_state_and_instance_and_pages(
    api_client, admin_user, alerts, production
):
    api_client.force_authenticate(admin_user)
    firing = api_client.get("/api/v1/alerts/", {"state": "firing"}).json()
    assert {row["id"] for row in firing["results"]} == {
        alerts[name].pk for name in ("firing", "staging", "deployment")
    }
    mine = api_client.get("/api/v1/alerts/", {"instance": production.pk, "page_size": 2}).json()
    assert mine["count"] == 3 and len(mine["results"]) == 2 and mine["next"]
    bad = api_client.get("/api/v1/alerts/", {"state": "on fire", "instance": "x"})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"state", "instance"}


def test_a_viewer_sees_the_alerts_of_the_instances_granted_to_them_only(
    api_client, alerts, production
):
    api_client.force_authenticate(_viewer_of(production))
    ids = {row["id"] for row in api_client.get("/api/v1/alerts/").json()["results"]}
    assert ids == {alerts[name].pk for name in ("old", "firing", "acked")}
    assert api_client.get(f"/api/v1/alerts/{alerts['staging'].pk}/").status_code == 404
    assert api_client.get(f"/api/v1/alerts/{alerts['deployment'].pk}/").status_code == 404
    assert api_client.get("/api/v1/alerts/").status_code == 200


def test_one_alert_has_its_history_and_acknowledging_is_audited(api_client, alerts, production):
    vera = _viewer_of(production)
    api_client.force_authenticate(vera)
    alert = alerts["firing"]
    detail = api_client.get(f"/api/v1/alerts/{alert.pk}/").json()
    assert [event["kind"] for event in detail["events"]] == ["fired"]
    answer = api_client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["state"], body["acknowledged_by"]) == ("acknowledged", "vera")
    assert [event["kind"] for event in body["events"]] == ["fired", "acknowledged"]
    assert body["events"][1]["actor"] == "vera"
    event = AuditEvent.objects.get(action="alerts.acknowledge")
    assert (event.target_id, event.instance_id) == (str(alert.pk), production.pk)
    again = api_client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/").json()
    assert len(again["events"]) == 2  # nothing new
    other = api_client.post(f"/api/v1/alerts/{alerts['staging'].pk}/acknowledge/")
    assert other.status_code == 404


def test_signed_out_clients_get_nothing(api_client, alerts):
    assert api_client.get("/api/v1/alerts/").status_code in (401, 403)


# --- pages --------------------------------------------------------------------------------


def _table(response):
    """The list's table, without the banner of firing alerts above it."""
    return response.content.decode().split('data-testid="alerts"')[1].split("</table>")[0]


def test_the_list_page_shows_names_states_and_filters(client_for, admin_user, alerts, staging):
    client = client_for(admin_user)
    html = client.get("/alerts/").content.decode()
    assert "Production: error_spike" in html and "this deployment" in html
    assert html.index("Deployment: heartbeat") < html.index("Production: quota")
    assert f'href="/alerts/instances/{staging.pk}/rules/"' in html
    only = _table(client.get("/alerts/", {"state": "resolved"}))
    assert "Production: quota" in only and "Staging: quota" not in only
    staging_only = _table(client.get("/alerts/", {"instance": staging.pk}))
    assert "Staging: quota" in staging_only and "Production:" not in staging_only
    nonsense = client.get("/alerts/", {"instance": "abc", "state": "x", "page": "99"})
    assert nonsense.status_code == 200


def test_an_alert_page_and_its_acknowledge_button(client_for, alerts, production):
    vera = _viewer_of(production)
    client = client_for(vera)
    alert = alerts["firing"]
    html = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "In words." in html and "Calls today" in html and "41,000" in html
    assert "<time" in html and "Acknowledge" in html
    response = client.post(f"/alerts/{alert.pk}/acknowledge/")
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.state == "acknowledged" and alert.acknowledged_by == vera
    html = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "Acknowledge</button>" not in html and "Acknowledged" in html
    assert client.get(f"/alerts/{alerts['staging'].pk}/").status_code == 404
    assert client.get(f"/alerts/{alerts['deployment'].pk}/").status_code == 404


def test_the_alerts_are_in_the_menu_of_those_who_read_usage(client_for, admin_user, production):
    html = client_for(admin_user).get("/").content.decode()
    assert 'href="/alerts/"' in html


def test_the_rules_page_saves_each_rule_and_audits_the_changes(client_for, admin_user, production):
    ops = Channel.objects.create(name="Ops e-mail", kind="email", recipients="ops@x.com")
    Channel.objects.create(name="Staging only", kind="email", instance=make_instance("Other"))
    client = client_for(admin_user)
    url = f"/alerts/instances/{production.pk}/rules/"
    html = client.get(url).content.decode()
    assert "% of the daily quota used" in html and "Minutes failing or paused" in html
    assert "Ops e-mail" in html and "Staging only" not in html
    assert "heartbeat" not in html.lower()  # the deployment's rule has its own page
    data = {
        "quota-enabled": "on",
        "quota-threshold": "90",
        "quota-channels": [ops.pk],
        "forecast-threshold": "100",  # forecast: off
        "budget-enabled": "on",
        "error_spike-enabled": "on",
        "error_spike-threshold": "4",
        "credential-enabled": "on",
        "job_stalled-enabled": "on",
        "job_stalled-threshold": "30",
    }
    assert client.post(url, data).status_code == 302
    quota = AlertRule.objects.get(instance=production, kind=RuleKind.QUOTA)
    assert (quota.threshold, list(quota.channels.all())) == (90, [ops])
    assert not AlertRule.objects.get(instance=production, kind=RuleKind.FORECAST).enabled
    changes = {
        event.details["rule"]: event.details
        for event in AuditEvent.objects.filter(action="alerts.rule_update")
    }
    assert changes["Quota use"]["threshold"] == [80, 90]
    assert changes["Quota use"]["channels"] == [[], ["Ops e-mail"]]
    assert changes["Quota forecast to run out"]["enabled"] == [True, False]
    assert "Error spike" in changes and "Credential failing" not in changes  # unchanged


def test_the_rules_page_refuses_nonsense_without_saving_anything(
    client_for, admin_user, production
):
    client = client_for(admin_user)
    url = f"/alerts/instances/{production.pk}/rules/"
    response = client.post(url, {"quota-enabled": "on", "quota-threshold": "250"})
    assert response.status_code == 200
    assert "less than or equal to 100" in response.content.decode()
    assert not AlertRule.objects.exists()


def test_viewers_read_the_rules_and_only_admins_change_them(client_for, production):
    client = client_for(_viewer_of(production))
    url = f"/alerts/instances/{production.pk}/rules/"
    html = client.get(url).content.decode()
    assert "Only admins change them" in html and "Save the rules" not in html
    assert client.post(url, {"quota-threshold": "10"}).status_code == 403
    assert client.get("/alerts/rules/").status_code == 403


def test_the_deployments_rule_page_is_for_admins(client_for, admin_user):
    client = client_for(admin_user)
    html = client.get("/alerts/rules/").content.decode()
    assert "Minutes without a heartbeat" in html
    response = client.post(
        "/alerts/rules/", {"heartbeat-enabled": "on", "heartbeat-threshold": "3"}
    )
    assert response.status_code == 302
    rule = AlertRule.objects.get(instance=None, kind=RuleKind.HEARTBEAT)
    assert rule.threshold == 3


def test_admins_see_every_open_alert_on_every_page_and_others_none(
    client_for, admin_user, alerts, production
):
    from apps.alerts.services import alert_acknowledge

    vera = _viewer_of(production)
    alert_acknowledge(alert=alerts["firing"], actor=vera, audit=AuditContext.system())
    banner = client_for(admin_user).get("/audit/").content.decode().split("<main")[1]
    banner = banner.split('class="page-head"')[0]
    assert "Production: error_spike</a> <small>(acknowledged by vera)</small>" in banner
    assert "Deployment: heartbeat" in banner and "Staging: quota" in banner
    assert "Production: quota" not in banner  # resolved
    assert "alert-banner" not in client_for(vera).get("/").content.decode()
