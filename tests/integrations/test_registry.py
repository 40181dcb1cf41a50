"""The integration registry's services and selectors on the real database: registering,
changing and deleting integrations with their audit events, mapping API users, the
unassigned ones, an integration's figures, errors and roles, and usage by integration."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from apps.audit.context import AuditContext
from apps.audit.models import AuditEvent
from apps.core.permissions import Role
from apps.instances.models import MarketoInstance
from apps.instances.services import grant_set
from apps.integrations import selectors
from apps.integrations.endpoints import family_of
from apps.integrations.models import Integration, IntegrationApiUser, MarketoUser
from apps.integrations.rules import budget_problems, owner_from
from apps.integrations.services import (
    MappingRefused,
    api_user_map,
    api_user_unmap,
    integration_create,
    integration_delete,
    integration_update,
)
from apps.usage.days import day_start, today
from apps.usage.models import ErrorDay, LedgerEntry, LedgerHour, UsageDay
from tests.factories import UserFactory, make_instance

pytestmark = pytest.mark.django_db
SYSTEM = AuditContext.system()


@pytest.fixture
def production():
    instance = make_instance("Production")
    MarketoInstance.objects.filter(pk=instance.pk).update(api_user="us@corp.example")
    instance.refresh_from_db()
    now = timezone.now()
    MarketoUser.objects.create(
        instance=instance,
        userid="crm@corp.example",
        first_name="CRM",
        last_name="Sync",
        api_only=True,
        roles=[
            {"role_id": 1, "role": "Admin", "workspace_id": 0, "workspace": "AllZones"},
            {"role_id": 104, "role": "CRM Sync API", "workspace_id": 1, "workspace": "Default"},
        ],
        first_seen_at=now,
        last_seen_at=now,
    )
    # Listed, API-only, no calls: still worth an integration.
    MarketoUser.objects.create(
        instance=instance,
        userid="idle@corp.example",
        api_only=True,
        first_seen_at=now,
        last_seen_at=now,
    )
    # A person with no calls: not an API user at all.
    MarketoUser.objects.create(
        instance=instance, userid="ada@corp.example", first_seen_at=now, last_seen_at=now
    )
    return instance


def _calls(instance, userid, counts):
    """counts[-1] is today's, counts[-2] yesterday's..."""
    for ago, calls in enumerate(reversed(counts)):
        UsageDay.objects.create(
            instance=instance, date=today() - timedelta(days=ago), api_user=userid, calls=calls
        )


def _crm(admin, production, **fields):
    return integration_create(
        actor=admin,
        audit=SYSTEM,
        name="Salesforce sync",
        owner=admin,
        api_users=[(production, "CRM@corp.example")],
        **fields,
    )


def test_registering_maps_its_api_users_as_the_instance_spells_them_and_is_audited(
    admin_user, production
):
    crm = _crm(admin_user, production, budget_calls=1000, purpose="Leads both ways")

    (mapping,) = crm.api_users.all()
    assert (mapping.instance, mapping.userid) == (production, "crm@corp.example")
    created = AuditEvent.objects.get(action="integrations.create")
    assert created.target_id == str(crm.pk)
    assert created.details["owner"] == admin_user.get_username()
    mapped = AuditEvent.objects.get(action="integrations.map")
    assert (mapped.instance_id, mapped.details["api_user"]) == (production.pk, "crm@corp.example")


def test_an_api_user_the_instance_does_not_know_or_of_another_integration_is_refused(
    admin_user, production
):
    crm = _crm(admin_user, production)
    other = integration_create(actor=admin_user, audit=SYSTEM, name="Other", owner=admin_user)
    with pytest.raises(MappingRefused, match="not an API user of Production"):
        api_user_map(
            integration=other,
            instance=production,
            userid="nobody@corp.example",
            actor=admin_user,
            audit=SYSTEM,
        )
    with pytest.raises(MappingRefused, match="already belongs to Salesforce sync"):
        api_user_map(
            integration=other,
            instance=production,
            userid="crm@corp.example",
            actor=admin_user,
            audit=SYSTEM,
        )
    # Mapping it again to its own integration changes nothing.
    again = api_user_map(
        integration=crm, instance=production, userid="CRM@corp.example", actor=None, audit=SYSTEM
    )
    assert IntegrationApiUser.objects.get() == again
    assert AuditEvent.objects.filter(action="integrations.map").count() == 1


def test_an_api_user_seen_only_in_usage_can_be_mapped(admin_user, production):
    _calls(production, "webinar@corp.example", [5])
    webinar = integration_create(actor=admin_user, audit=SYSTEM, name="Webinar", owner=admin_user)
    mapping = api_user_map(
        integration=webinar,
        instance=production,
        userid="webinar@corp.example",
        actor=admin_user,
        audit=SYSTEM,
    )
    assert mapping.userid == "webinar@corp.example"


def test_changes_record_before_and_after_and_deleting_unassigns_its_api_users(
    admin_user, production
):
    crm = _crm(admin_user, production)
    changed = integration_update(
        integration=crm,
        actor=admin_user,
        audit=SYSTEM,
        name="CRM sync",
        owner=None,
        owner_email="crm-team@corp.example",
        budget_percent=10,
    )
    assert changed == ["name", "owner", "owner_email", "budget_percent"]
    event = AuditEvent.objects.get(action="integrations.update")
    assert event.details["name"] == ["Salesforce sync", "CRM sync"]
    assert event.details["owner"] == [admin_user.get_username(), "crm-team@corp.example"]
    assert (
        integration_update(integration=crm, actor=admin_user, audit=SYSTEM, name="CRM sync") == []
    )

    integration_delete(integration=crm, actor=admin_user, audit=SYSTEM)
    deleted = AuditEvent.objects.get(action="integrations.delete")
    assert deleted.details["api_users"] == ["crm@corp.example (Production)"]
    assert not IntegrationApiUser.objects.exists()
    assert "crm@corp.example" in [
        row.userid for row in selectors.unassigned_api_users(instance=production)
    ]


def test_unmapping_makes_the_api_user_unassigned_and_is_audited(admin_user, production):
    crm = _crm(admin_user, production)
    api_user_unmap(mapping=crm.api_users.get(), actor=admin_user, audit=SYSTEM)
    assert not crm.api_users.exists()
    assert AuditEvent.objects.filter(action="integrations.unmap", instance_id=production.pk)


def test_unassigned_are_api_users_with_recent_calls_or_listed_as_api_only(admin_user, production):
    _calls(production, "webinar@corp.example", [7])
    UsageDay.objects.create(
        instance=production,
        date=today() - timedelta(days=40),
        api_user="old@corp.example",
        calls=9,
    )
    _crm(admin_user, production)

    unassigned = selectors.unassigned_api_users(instance=production)

    assert sorted(row.userid for row in unassigned) == ["idle@corp.example", "webinar@corp.example"]


def test_the_list_sums_calls_today_and_over_7_days_and_shows_budgets(admin_user, production):
    _calls(production, "crm@corp.example", [100, 0, 0, 0, 0, 0, 200, 900])  # 8 days
    _calls(production, "webinar@corp.example", [50])
    _crm(admin_user, production, budget_calls=1000)
    Integration.objects.create(name="Not mapped yet")

    empty, crm = selectors.integration_list(user=admin_user)  # by name

    assert (crm.calls_today, crm.calls_7_days) == (900, 1100)
    (budget,) = crm.budgets
    assert (budget.calls, budget.budget, budget.level) == (900, 1000, "warning")
    assert crm.level == "warning" and crm.instances == [production]
    assert (empty.integration.name, empty.api_users, empty.level) == ("Not mapped yet", [], "")


def test_others_see_only_integrations_and_api_users_on_their_instances(admin_user, production):
    staging = make_instance("Staging")
    _calls(staging, "crm-staging@corp.example", [3])
    crm = _crm(admin_user, production)
    api_user_map(
        integration=crm,
        instance=staging,
        userid="crm-staging@corp.example",
        actor=admin_user,
        audit=SYSTEM,
    )
    Integration.objects.create(name="Elsewhere")
    viewer = UserFactory(role=Role.VIEWER)
    grant_set(instance=staging, user=viewer, role="viewer", actor=None, audit=SYSTEM)

    (summary,) = selectors.integration_list(user=viewer)

    assert [row.userid for row in summary.api_users] == ["crm-staging@corp.example"]
    assert selectors.integration_get(user=viewer, pk=crm.pk) == crm
    with pytest.raises(Http404):
        selectors.integration_get(user=viewer, pk=Integration.objects.get(name="Elsewhere").pk)
    assert [i for i, _ in selectors.unassigned_everywhere(user=viewer)] == []


def test_an_integration_page_has_its_days_shares_budget_and_the_instance_errors_it_saw(
    admin_user, production
):
    _calls(production, "crm@corp.example", [0, 400, 600])
    _calls(production, "webinar@corp.example", [0, 600, 400])
    ErrorDay.objects.create(
        instance=production, date=today() - timedelta(days=1), code="606", count=12
    )
    ErrorDay.objects.create(
        instance=production, date=today() - timedelta(days=2), code="615", count=5
    )
    crm = _crm(admin_user, production, budget_percent=1)  # 500 of 50,000

    (use,) = selectors.integration_usage(integration=crm, user=admin_user)

    assert (use.total, use.instance_total, use.today) == (1000, 2000, 600)
    assert use.share_of_calls == 50
    assert use.data_days == 3 and use.average == pytest.approx(333.3)
    assert (use.budget.calls, use.budget.budget, use.budget.level) == (600, 500, "critical")
    # The 615 fell on a day it made no calls: not shown against it.
    assert [(day["date"], day["errors"]) for day in use.error_days] == [
        (today() - timedelta(days=1), {"606": 12})
    ]
    assert not use.ours and use.ledger_errors == []
    # The days begin with the instance's history, newest first.
    rows = selectors.integration_day_rows([use])
    assert rows[0] == {"date": today(), "cells": [600]}
    assert [row["date"] for row in rows][-1] == today() - timedelta(days=2)


def test_a_day_without_figures_inside_the_history_is_unknown_not_quiet(admin_user, production):
    _calls(production, "crm@corp.example", [10, 0])
    UsageDay.objects.filter(date=today()).delete()
    UsageDay.objects.create(instance=production, date=today(), api_user="x@corp.example", calls=1)
    UsageDay.objects.create(
        instance=production, date=today() - timedelta(days=2), api_user="x@corp.example", calls=1
    )
    UsageDay.objects.filter(date=today() - timedelta(days=1)).delete()
    crm = _crm(admin_user, production)
    (use,) = selectors.integration_usage(integration=crm, user=admin_user)
    assert [row["cells"] for row in selectors.integration_day_rows([use])] == [[0], [None], [0]]


def test_our_own_api_user_gets_its_errors_and_the_endpoints_it_called_from_the_ledger(
    admin_user, production
):
    _calls(production, "us@corp.example", [20])
    ours = integration_create(
        actor=admin_user,
        audit=SYSTEM,
        name="marketo-admin",
        owner=admin_user,
        api_users=[(production, "us@corp.example")],
    )
    now = timezone.now()
    for endpoint, code in [
        ("/rest/v1/leads.json", ""),
        ("/rest/v1/leads.json", "606"),
        ("/rest/v1/stats/usage.json", ""),
    ]:
        LedgerEntry.objects.create(
            instance=production,
            made_at=now,
            method="GET",
            endpoint=endpoint,
            code=code,
            duration_ms=5,
            priority="background",
        )
    LedgerHour.objects.create(
        instance=production,
        hour=day_start(today() - timedelta(days=60)),
        endpoint="/rest/v1/activities.json",
        code="",
        priority="background",
        calls=3,
        total_ms=30,
    )

    (use,) = selectors.integration_usage(integration=ours, user=admin_user)
    (roles,) = selectors.integration_roles(integration=ours, user=admin_user)

    assert use.ours
    assert [(row["code"], row["count"]) for row in use.ledger_errors] == [("606", 1)]
    assert roles.ours and roles.families == ["activities", "leads", "usage"]
    assert roles.families_text == "activity, lead and usage"
    assert roles.state == "unlisted" and roles.roles == []


def test_roles_flag_every_workspace_and_admin_like_names(admin_user, production):
    crm = _crm(admin_user, production)
    (item,) = selectors.integration_roles(integration=crm, user=admin_user)
    admin, sync = item.roles
    assert (admin.role, admin.all_zones, admin.admin_like) == ("Admin", True, True)
    assert (sync.role, sync.all_zones, sync.admin_like) == ("CRM Sync API", False, False)
    assert item.families is None and item.name == "CRM Sync"


def test_usage_by_integration_sums_mapped_users_and_groups_the_rest_as_unassigned(
    admin_user, production
):
    _calls(production, "crm@corp.example", [100, 300])
    _calls(production, "CRM2@corp.example", [0, 50])
    _calls(production, "webinar@corp.example", [10, 20])
    _calls(production, "us@corp.example", [5, 5])
    crm = _crm(admin_user, production)
    api_user_map(
        integration=crm, instance=production, userid="crm2@corp.example", actor=None, audit=SYSTEM
    )

    report = selectors.usage_by_integration(
        instance=production, start=today() - timedelta(days=1), end=today()
    )

    assert [(g["label"], g["total"], g["api_users"]) for g in report.groups] == [
        ("Salesforce sync", 450, ["CRM2@corp.example", "crm@corp.example"]),
        ("Unassigned", 40, ["us@corp.example", "webinar@corp.example"]),
    ]
    assert report.groups[0]["peak"] == 350 and report.groups[0]["peak_date"] == today()
    assert report.series[0] == {"label": "Salesforce sync", "values": [100, 350]}
    assert report.total == 490 and report.data_days == 2


def test_the_api_users_rows_name_their_integration(admin_user, production):
    crm = _crm(admin_user, production)
    rows = {row.userid: row for row in selectors.api_users(instance=production)}
    assert rows["crm@corp.example"].integration == crm
    assert rows["idle@corp.example"].integration is None


def test_the_rules_say_in_words_what_is_wrong(admin_user):
    assert budget_problems(
        budget_calls=10, budget_percent=5, warn_percent=80, critical_percent=100
    ) == {
        "budget_percent": "Give the budget in calls a day or as a share of the quota, not both:"
        " clear one of them."
    }
    assert (
        "must come before critical (90%)"
        in budget_problems(
            budget_calls=None, budget_percent=None, warn_percent=95, critical_percent=90
        )["warn_percent"]
    )
    assert owner_from(admin_user.get_username().upper()).user == admin_user
    assert owner_from(admin_user.email).user == admin_user
    assert owner_from("someone@corp.example").email == "someone@corp.example"
    with pytest.raises(ValidationError, match="No user of marketo-admin is called “nobody”"):
        owner_from("nobody")


@pytest.mark.parametrize(
    ("endpoint", "family"),
    [
        ("/rest/v1/lead/{id}.json", "leads"),
        ("/rest/v1/leads/describe2.json", "leads"),
        ("/rest/v1/lists/{id}/leads.json", "leads"),
        ("/rest/v1/activities/pagingtoken.json", "activities"),
        ("/rest/asset/v1/programs.json", "assets"),
        ("/rest/v1/stats/errors.json", "usage"),
        ("/userservice/management/v1/users/allusers.json", "users"),
        ("/rest/v1/customobjects/{name}.json", "other"),
    ],
)
def test_each_endpoint_the_product_calls_has_its_family(endpoint, family):
    assert family_of(endpoint) == family
