"""The layout's menu, instance switcher and banner of open alerts
(apps/site/context_processors.py): read once per request, only when a template uses them,
and never for an htmx request."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from apps.alerts.models import AlertRule, RuleKind
from apps.alerts.services import evaluate
from apps.instances.models import ConnectionTest
from apps.site.context_processors import shell
from apps.usage.days import today
from apps.usage.models import UsageDay
from tests.factories import make_instance

pytestmark = pytest.mark.django_db

LAYOUT = ("menu", "switcher_instances", "current_instance", "banner_alerts")
USES_THE_LAYOUT = (
    "{% for item in menu %}{{ item.label }};{% endfor %}"
    "{% for instance in switcher_instances %}{{ instance.name }};{% endfor %}"
    "{{ current_instance.name }};"
    "{% for alert in banner_alerts %}{{ alert.facts.percent_used|floatformat:0 }}%{% endfor %}"
)


@pytest.fixture
def instance_over_its_alert():
    instance = make_instance("Alpha")
    UsageDay.objects.create(instance=instance, date=today(), api_user="crm@x", calls=45_000)
    # The quota rule's alert only: at this pace the forecast's would fire too.
    AlertRule.objects.create(
        instance=instance, kind=RuleKind.FORECAST, enabled=False, threshold=100
    )
    evaluate(instances=[instance], deployment=False)
    return instance


def _request(user, headers=None):
    request = RequestFactory().get("/usage/", headers=headers or {})
    request.user = user
    request.htmx = HtmxDetails(request)
    return request


def test_an_htmx_poll_makes_no_query_for_the_layout(
    client_for, admin_user, instance_over_its_alert, django_assert_num_queries
):
    test = ConnectionTest.objects.create(instance=instance_over_its_alert)
    client = client_for(admin_user)
    url = f"/instances/{instance_over_its_alert.pk}/test/{test.pk}/"
    # The view's own: the session, its user, the user's time zone (middleware), role and
    # permissions (three), the instance and the test. The layout would add the switcher's
    # instances, the current one and the banner's firing alerts.
    with django_assert_num_queries(8) as captured:
        response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    queries = [query["sql"] for query in captured.captured_queries]
    assert not [sql for sql in queries if '"usage_' in sql]
    assert len([sql for sql in queries if 'FROM "instances_marketoinstance"' in sql]) == 1


def test_an_htmx_request_gets_no_layout_but_a_history_restore_does(
    admin_user, instance_over_its_alert
):
    poll = shell(_request(admin_user, {"HX-Request": "true"}))
    assert not set(LAYOUT) & set(poll)
    assert poll["current_section"] == "usage"
    restore = shell(
        _request(admin_user, {"HX-Request": "true", "HX-History-Restore-Request": "true"})
    )
    assert [alert.facts["percent_used"] for alert in restore["banner_alerts"]] == [90]


def test_the_layout_is_read_only_when_a_template_uses_it(
    admin_user, instance_over_its_alert, django_assert_num_queries
):
    with django_assert_num_queries(0):
        context = shell(_request(admin_user))
    assert set(LAYOUT) <= set(context)


def test_a_request_reads_each_part_of_the_layout_once_however_many_templates_use_it(
    admin_user, instance_over_its_alert, django_assert_num_queries
):
    request = _request(admin_user)
    template = engines["django"].from_string(USES_THE_LAYOUT)
    first = template.render(shell(request), request)
    assert first == "Leads;Assets;Usage;Integrations;Alerts;Instances;Users;Audit;Alpha;Alpha;90%"
    with django_assert_num_queries(0):
        assert template.render(shell(request), request) == first


def test_a_signed_out_visitor_gets_an_empty_menu(django_assert_num_queries):
    request = RequestFactory().get("/accounts/login/")
    request.user = AnonymousUser()
    request.htmx = HtmxDetails(request)
    with django_assert_num_queries(0):
        context = shell(request)
    assert context["menu"] == []
    assert "switcher_instances" not in context
