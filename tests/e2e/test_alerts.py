"""The alerts list, an alert's page and an instance's rules in a browser, wide and at 375 px,
in the viewer's time zone and with no JavaScript error."""

import pytest
from playwright.sync_api import expect

from apps.alerts.models import Alert, AlertRule, Channel, RuleKind
from apps.alerts.services import evaluate
from apps.core.permissions import Role
from apps.usage.days import today
from apps.usage.models import UsageDay
from tests.e2e.conftest import NARROW, assert_no_sideways_scroll, sign_in
from tests.factories import UserFactory, make_instance

WIDE = {"width": 1366, "height": 900}


def _firing_quota_alert():
    instance = make_instance("A rather long instance name for narrow screens")
    AlertRule.objects.create(instance=instance, kind=RuleKind.FORECAST, enabled=False, threshold=1)
    UsageDay.objects.create(
        instance=instance, date=today(), api_user="crm@averylongcompanydomain.example", calls=45_678
    )
    evaluate(instances=[instance], deployment=False)
    return instance, Alert.objects.get(instance=instance, kind=RuleKind.QUOTA)


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1366px", "375px"])
def test_an_admin_follows_an_alert_from_the_banner_acknowledges_it_and_sets_the_rules(
    open_page, viewport
):
    UserFactory(username="ada", role=Role.ADMIN, time_zone="Europe/Paris")
    instance, alert = _firing_quota_alert()
    Channel.objects.create(name="Marketing ops e-mail", kind="email", recipients="ops@corp.example")
    page = open_page(viewport=viewport)
    sign_in(page, "ada")

    page.goto("/alerts/")
    table = page.get_by_test_id("alerts")
    row = table.locator("tr", has_text="91% of today's API quota used")
    expect(row).to_contain_text("Firing")
    expect(row).to_contain_text("A rather long instance name for narrow screens")
    assert_no_sideways_scroll(page)

    page.locator(".alert-banner").get_by_role("link").first.click()
    expect(page.get_by_test_id("alert-summary")).to_contain_text("45,678 of 50,000 calls")
    facts = page.get_by_test_id("alert-facts")
    expect(facts).to_contain_text("Calls today")
    expect(facts).to_contain_text("CET")  # the viewer's zone, not UTC
    expect(page.get_by_test_id("alert-history")).to_contain_text("Fired")
    assert_no_sideways_scroll(page)
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Acknowledged: the others see that you are on it.")).to_be_visible()
    expect(page.get_by_test_id("alert-history")).to_contain_text("Acknowledged")
    alert.refresh_from_db()
    assert alert.state == "acknowledged"

    page.get_by_role("link", name=f"the rules of {instance.name}").click()
    quota = page.locator("fieldset[data-rule=quota]")
    quota.get_by_label("% of the daily quota used").fill("95")
    quota.get_by_label("Marketing ops e-mail").check()
    assert_no_sideways_scroll(page)
    page.get_by_role("button", name="Save the rules").click()
    expect(page.get_by_text("The alert rules are saved.")).to_be_visible()
    rule = AlertRule.objects.get(instance=instance, kind=RuleKind.QUOTA)
    assert rule.threshold == 95
    assert [channel.name for channel in rule.channels.all()] == ["Marketing ops e-mail"]


def test_a_viewer_sees_their_instances_alerts_and_reads_the_rules(open_page):
    from apps.audit.context import AuditContext
    from apps.instances.services import grant_set

    vera = UserFactory(username="vera", role=Role.VIEWER)
    instance, _ = _firing_quota_alert()
    grant_set(instance=instance, user=vera, role="viewer", actor=None, audit=AuditContext.system())
    page = open_page(viewport=NARROW)
    sign_in(page, "vera")
    page.goto("/alerts/")
    expect(page.get_by_test_id("alerts")).to_contain_text("91% of today's API quota used")
    page.goto(f"/alerts/instances/{instance.pk}/rules/")
    expect(page.get_by_text("Only admins change them.")).to_be_visible()
    expect(page.get_by_role("button", name="Save the rules")).to_have_count(0)
    assert_no_sideways_scroll(page)
