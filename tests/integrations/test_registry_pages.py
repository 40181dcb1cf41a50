"""The integrations pages: who may open and change them, the forms' words, the quick assign,
and the usage pages' notice and grouping by integration."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.context import AuditContext
from apps.audit.models import AuditEvent
from apps.instances.services import grant_set
from apps.integrations.models import Integration, IntegrationApiUser, MarketoUser
from apps.usage.days import today
from apps.usage.models import UsageDay
from tests.factories import make_instance

pytestmark = pytest.mark.django_db


@pytest.fixture
def production():
    instance = make_instance("Production")
    now = timezone.now()
    MarketoUser.objects.create(
        instance=instance,
        userid="crm@corp.example",
        api_only=True,
        first_seen_at=now,
        last_seen_at=now,
    )
    for ago in range(3):
        UsageDay.objects.create(
            instance=instance,
            date=today() - timedelta(days=ago),
            api_user="webinar@corp.example",
            calls=100,
        )
    return instance


def _crm(production):
    crm = Integration.objects.create(name="Salesforce sync", owner_email="crm@corp.example")
    IntegrationApiUser.objects.create(
        integration=crm, instance=production, userid="crm@corp.example"
    )
    return crm


FORM = {
    "name": "Webinar connector",
    "owner_text": "events@corp.example",
    "purpose": "Registrations from the webinar platform",
    "budget_calls": "",
    "budget_percent": "",
    "warn_percent": "80",
    "critical_percent": "100",
}


def test_the_list_shows_the_unassigned_api_users_first_with_an_assign_control(
    client_for, admin_user, production
):
    _crm(production)
    page = client_for(admin_user).get(reverse("integrations_home"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "1 API user calls Marketo without an integration: assign it" in text
    assert text.index('id="unassigned"') < text.index("Registered integrations")
    assert f'value="{production.pk}|webinar@corp.example"' in text
    assert "Salesforce sync" in text and "crm@corp.example" in text


def test_an_admin_creates_an_integration_with_an_unassigned_api_user(
    client_for, admin_user, production
):
    client = client_for(admin_user)
    choice = f"{production.pk}|webinar@corp.example"
    form = client.get(reverse("integrations_create"), {"api_user": choice}).content.decode()
    assert "It starts with the API user <strong>webinar@corp.example</strong>" in form

    answer = client.post(reverse("integrations_create"), {**FORM, "api_user": choice})

    webinar = Integration.objects.get(name="Webinar connector")
    assert answer.status_code == 302
    assert answer["Location"] == reverse("integrations_detail", args=[webinar.pk])
    assert webinar.owner_email == "events@corp.example" and webinar.owner is None
    assert list(webinar.api_users.values_list("userid", flat=True)) == ["webinar@corp.example"]
    assert AuditEvent.objects.filter(action="integrations.create").exists()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            {"budget_calls": "1000", "budget_percent": "10"},
            "budget_percent",
            "in calls a day or as a share of the quota, not both",
        ),
        ({"warn_percent": "95", "critical_percent": "90"}, "warn_percent", "must come before"),
        ({"owner_text": "nobody"}, "owner_text", "No user of marketo-admin is called"),
        ({"name": "salesforce SYNC"}, "name", "An integration is already called"),
        ({"budget_percent": "120"}, "budget_percent", "less than or equal to 100"),
    ],
)
def test_the_form_says_what_is_wrong_in_words(
    client_for, admin_user, production, change, field, words
):
    _crm(production)
    answer = client_for(admin_user).post(reverse("integrations_create"), {**FORM, **change})
    assert answer.status_code == 400
    assert words in " ".join(answer.context["form"].errors[field])
    assert Integration.objects.count() == 1


def test_an_admin_edits_maps_unmaps_and_deletes(client_for, admin_user, production):
    crm = _crm(production)
    client = client_for(admin_user)
    edit = client.post(
        reverse("integrations_edit", args=[crm.pk]),
        {
            **FORM,
            "name": "CRM sync",
            "owner_text": admin_user.get_username(),
            "budget_percent": "5",
        },
    )
    assert edit.status_code == 302
    crm.refresh_from_db()
    assert (crm.name, crm.owner, crm.owner_email, crm.budget_percent) == (
        "CRM sync",
        admin_user,
        "",
        5,
    )

    client.post(
        reverse("integrations_map", args=[crm.pk]),
        {"api_user": f"{production.pk}|WEBINAR@corp.example"},
    )
    assert sorted(crm.api_users.values_list("userid", flat=True)) == [
        "crm@corp.example",
        "webinar@corp.example",
    ]
    mapping = crm.api_users.get(userid="crm@corp.example")
    client.post(reverse("integrations_unmap", args=[crm.pk, mapping.pk]))
    assert list(crm.api_users.values_list("userid", flat=True)) == ["webinar@corp.example"]

    page = client.get(reverse("integrations_delete", args=[crm.pk])).content.decode()
    assert "webinar@corp.example on Production" in page
    assert client.post(reverse("integrations_delete", args=[crm.pk])).status_code == 302
    assert not Integration.objects.exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "integrations.update",
        "integrations.map",
        "integrations.unmap",
        "integrations.delete",
    } <= actions


def test_the_quick_assign_maps_and_a_refusal_is_said(client_for, admin_user, production):
    crm = _crm(production)
    client = client_for(admin_user)
    url = reverse("integrations_assign")
    answer = client.post(
        url,
        {"api_user": f"{production.pk}|webinar@corp.example", "integration": crm.pk},
        follow=True,
    )
    assert "webinar@corp.example on Production now belongs to Salesforce sync" in (
        answer.content.decode()
    )
    other = Integration.objects.create(name="Other")
    again = client.post(
        url,
        {"api_user": f"{production.pk}|webinar@corp.example", "integration": other.pk},
        follow=True,
    )
    assert "already belongs to Salesforce sync" in again.content.decode()
    for bad in ({"api_user": "x", "integration": crm.pk}, {"api_user": "1|a", "integration": 0}):
        assert client.post(url, bad).status_code == 302  # said in a message, never a 500


def test_the_integration_page_says_what_marketo_does_not_tell(client_for, admin_user, production):
    crm = _crm(production)
    text = (
        client_for(admin_user).get(reverse("integrations_detail", args=[crm.pk])).content.decode()
    )
    assert "Marketo counts errors per instance, not per API user" in text
    assert "not the permissions of a role" in text
    assert "Add an API user" in text and f'value="{production.pk}|webinar@corp.example"' in text


def test_viewers_read_granted_integrations_and_change_nothing(client_for, viewer, production):
    crm = _crm(production)
    hidden = Integration.objects.create(name="Hidden")
    client = client_for(viewer)
    assert client.get(reverse("integrations_detail", args=[crm.pk])).status_code == 404
    grant_set(
        instance=production, user=viewer, role="viewer", actor=None, audit=AuditContext.system()
    )
    page = client.get(reverse("integrations_home")).content.decode()
    assert "Salesforce sync" in page and "Hidden" not in page
    assert "Add integration" not in page and "Assign</button>" not in page
    detail = client.get(reverse("integrations_detail", args=[crm.pk]))
    assert detail.status_code == 200 and "Add an API user" not in detail.content.decode()
    assert client.get(reverse("integrations_detail", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("integrations_create")).status_code == 403
    assert client.post(reverse("integrations_create"), FORM).status_code == 403
    assert client.post(reverse("integrations_delete", args=[crm.pk])).status_code == 403
    assert (
        client.post(
            reverse("integrations_assign"),
            {"api_user": f"{production.pk}|webinar@corp.example", "integration": crm.pk},
        ).status_code
        == 403
    )
    assert Integration.objects.count() == 2 and crm.api_users.count() == 1


def test_the_usage_pages_notice_unassigned_users_and_group_by_integration(
    client_for, admin_user, production
):
    crm = _crm(production)
    UsageDay.objects.create(instance=production, date=today(), api_user="crm@corp.example", calls=7)
    client = client_for(admin_user)
    for name in ("usage_overview", "integrations_api_users"):
        text = client.get(reverse(name, args=[production.pk])).content.decode()
        assert "1 API user of this instance calls Marketo without an integration" in text
        assert reverse("integrations_home") + "#unassigned" in text
    users = client.get(reverse("usage_users", args=[production.pk])).content.decode()
    assert reverse("integrations_usage", args=[production.pk]) in users

    grouped = client.get(reverse("integrations_usage", args=[production.pk]))
    assert grouped.status_code == 200
    groups = [(g["label"], g["total"]) for g in grouped.context["report"].groups]
    assert groups == [(crm.name, 7), ("Unassigned", 300)]
    csv = client.get(reverse("integrations_usage", args=[production.pk]), {"format": "csv"})
    assert "Salesforce sync,crm@corp.example,7" in b"".join(csv.streaming_content).decode()
    bad = client.get(
        reverse("integrations_usage", args=[production.pk]), {"range": "custom", "start": "x"}
    )
    assert bad.status_code == 400


def test_the_menu_offers_integrations_and_marks_the_usage_tabs_under_usage(
    client_for, viewer, production
):
    client = client_for(viewer)
    text = client.get("/").content.decode()
    assert f'href="{reverse("integrations_home")}"' in text
    grant_set(
        instance=production, user=viewer, role="viewer", actor=None, audit=AuditContext.system()
    )
    current = f'href="{reverse("usage_home")}" aria-current="page"'
    for url in (
        reverse("integrations_api_users", args=[production.pk]),
        reverse("integrations_usage", args=[production.pk]),
    ):
        assert current in client.get(url).content.decode()
    listing = client.get(reverse("integrations_home")).content.decode()
    assert f'href="{reverse("integrations_home")}" aria-current="page"' in listing


@pytest.mark.parametrize(
    "value", ["99999999999999999999999|x@corp.example", "²|x@corp.example", "|", "12"]
)
def test_a_mangled_api_user_choice_is_never_a_500(client_for, admin_user, production, value):
    client = client_for(admin_user)
    assert client.get(reverse("integrations_create"), {"api_user": value}).status_code in (
        200,
        404,
    )
    crm = _crm(production)
    for url, data in [
        (reverse("integrations_assign"), {"api_user": value, "integration": crm.pk}),
        (reverse("integrations_assign"), {"api_user": f"{production.pk}|x", "integration": value}),
        (reverse("integrations_map", args=[crm.pk]), {"api_user": value}),
    ]:
        assert client.post(url, data).status_code in (302, 404)
    assert client.get(reverse("integrations_detail", args=[10**20])).status_code == 404
