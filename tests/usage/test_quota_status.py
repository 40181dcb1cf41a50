"""quota_status: one reading of today's quota for the usage pages, the quota alert rule and
the API. Marketo's figure and the governor's count are the same calls counted twice;
the larger is the best estimate, and every place alerts on it at the same threshold."""

import pytest
from django.core import mail

from apps.alerts.models import RULE_DEFAULTS, Alert, AlertRule, RuleKind
from apps.alerts.services import evaluate
from apps.core.permissions import Role
from apps.instances import client as instance_client
from apps.instances.client import instance_budget, shared_governor
from apps.usage.days import today
from apps.usage.models import UsageDay
from apps.usage.quota import DEFAULT_THRESHOLD_PERCENT, quota_status
from tests.factories import UserFactory, make_instance
from tests.processes import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def instance(db):
    return make_instance("Production")  # 50,000 calls a day


def _marketo_says(instance, calls):
    UsageDay.objects.create(
        instance=instance, date=today(), api_user="crm@corp.example", calls=calls
    )


def _governor_counted(instance, calls):
    shared_governor().set_daily_used(instance_budget(instance), calls)


def test_the_threshold_is_the_quota_rules_default_until_an_admin_sets_one(instance):
    assert quota_status(instance).threshold_percent == RULE_DEFAULTS[RuleKind.QUOTA] == 80
    assert RULE_DEFAULTS[RuleKind.QUOTA] == DEFAULT_THRESHOLD_PERCENT
    rule = AlertRule.objects.create(instance=instance, kind=RuleKind.QUOTA, threshold=90)
    assert quota_status(instance).threshold_percent == 90
    rule.enabled = False
    rule.save()
    _marketo_says(instance, 49_000)
    assert quota_status(instance).alert is False  # the rule is off


def test_the_alert_starts_exactly_at_the_threshold(instance):
    _marketo_says(instance, 39_999)
    status = quota_status(instance)
    assert (status.used, status.alert, status.alert_at) == (39_999, False, 40_000)
    UsageDay.objects.filter(instance=instance).update(calls=40_000)
    assert quota_status(instance).alert is True


def test_todays_use_is_the_larger_of_marketos_figure_and_the_governors(instance):
    _marketo_says(instance, 30_000)
    _governor_counted(instance, 41_000)  # calls since the last sync that Marketo shows later
    status = quota_status(instance)
    assert (status.marketo_used, status.governor_used, status.used) == (30_000, 41_000, 41_000)
    assert status.percent == pytest.approx(82.0)
    assert status.alert is True
    assert status.share_left == 0  # this product's share (50% by default) is spent
    _governor_counted(instance, 45_000)
    UsageDay.objects.filter(instance=instance).update(calls=46_000)  # the other integrations
    assert quota_status(instance).used == 46_000


@pytest.fixture
def governor_gone(settings):
    """The governor's Redis cannot be reached."""
    settings.GOVERNOR_REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    settings.GOVERNOR_BACKEND = "redis"
    built = (instance_client._redis_client, instance_client.shared_governor)
    for cached in built:
        cached.cache_clear()
    yield
    for cached in built:
        cached.cache_clear()


def test_without_the_governor_marketos_figure_is_todays_use(instance, governor_gone):
    _marketo_says(instance, 45_000)
    status = quota_status(instance)
    assert (status.governor, status.governor_used, status.used, status.alert) == (
        None,
        None,
        45_000,
        True,
    )


def test_the_alert_the_pages_the_email_and_the_api_agree(
    instance, client_for, admin_user, api_client, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_HOST = "smtp.example.com"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    UserFactory(username="bea", email="bea@corp.example", role=Role.ADMIN)
    _marketo_says(instance, 30_000)  # 60%: below the threshold by Marketo's figure alone
    _governor_counted(instance, 41_000)  # 82% by the governor's
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        evaluate()
    assert Alert.objects.filter(kind=RuleKind.QUOTA, instance=instance).count() == 1

    banner = client.get("/audit/").content.decode()
    assert "Production: 82% of today&#x27;s API quota used</a>" in banner
    overview = client.get(f"/usage/instances/{instance.pk}/").content.decode()
    assert "usage-alert" in overview and "41,000" in overview
    home = client.get("/usage/").content.decode()
    assert "has used 41,000 of 50,000 API calls today (82%, alert at 80%)" in home
    assert '<tr class="unusual">' in home
    api_client.force_authenticate(admin_user)
    quota = api_client.get(f"/api/v1/instances/{instance.pk}/quota/").json()
    assert (quota["used"], quota["marketo_used"], quota["alert"]) == (41_000, 30_000, True)
    # No channel yet: the admins are e-mailed, as the quota alert always did.
    quota_mail = [m for m in mail.outbox if "82% of today's API quota used" in m.subject]
    assert sorted(m.to[0] for m in quota_mail) == ["ada@example.com", "bea@corp.example"]
