import pytest
from django.db import IntegrityError

from apps.integrations.models import Integration, IntegrationApiUser
from apps.integrations.selectors import budget_statuses
from apps.usage.days import today
from apps.usage.models import UsageDay
from tests.factories import make_instance

pytestmark = pytest.mark.django_db


@pytest.fixture
def instance():
    return make_instance("Production")


def _calls(instance, userid, calls):
    UsageDay.objects.create(instance=instance, date=today(), api_user=userid, calls=calls)


def test_a_budget_counts_every_api_user_of_the_integration_whatever_their_case(instance):
    crm = Integration.objects.create(name="Salesforce sync", budget_calls=1000)
    IntegrationApiUser.objects.create(integration=crm, instance=instance, userid="sfdc@x.com")
    IntegrationApiUser.objects.create(integration=crm, instance=instance, userid="sfdc2@x.com")
    _calls(instance, "SFDC@x.com", 500)
    _calls(instance, "sfdc2@x.com", 300)
    _calls(instance, "webinar@x.com", 9000)

    (status,) = budget_statuses(instance=instance)

    assert (status.integration, status.calls, status.budget) == (crm, 800, 1000)
    assert status.level == "warning"  # 80% of the budget, the default warning


def test_a_share_of_the_quota_is_a_budget_on_each_instance_and_levels_follow_thresholds(
    instance,
):
    webinar = Integration.objects.create(
        name="Webinar connector", budget_percent=10, warn_percent=50, critical_percent=90
    )
    IntegrationApiUser.objects.create(integration=webinar, instance=instance, userid="w@x.com")
    Integration.objects.create(name="No budget")  # never listed
    _calls(instance, "w@x.com", 4_500)

    (status,) = budget_statuses(instance=instance)

    assert status.budget == 5_000  # 10% of 50,000
    assert status.level == "critical"


def test_an_api_user_belongs_to_one_integration_at_most(instance):
    first = Integration.objects.create(name="First")
    second = Integration.objects.create(name="Second")
    IntegrationApiUser.objects.create(integration=first, instance=instance, userid="a@x.com")
    with pytest.raises(IntegrityError):
        IntegrationApiUser.objects.create(integration=second, instance=instance, userid="A@x.com")


def test_a_budget_is_calls_or_a_share_never_both():
    with pytest.raises(IntegrityError):
        Integration.objects.create(name="Both", budget_calls=10, budget_percent=10)
