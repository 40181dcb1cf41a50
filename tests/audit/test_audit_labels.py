import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse

from apps.assets.models import AssetAction, AssetType
from apps.audit.context import AuditContext
from apps.audit.filters import recorded_instances
from apps.audit.labels import ACTION_LABELS, action_label, details_text, readable
from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from apps.audit.targets import event_rows
from apps.instances.services import instance_delete, instance_update
from tests.factories import UserFactory, make_instance

APPS = Path(__file__).resolve().parents[2] / "apps"


def _recorded_codes() -> set[str]:
    """Every action code the apps pass to audit_record as a literal, and the asset actions
    (recorded as f"assets.{kind}")."""
    literal = re.compile(r"""(?:action=|_audit_instance\(\s*)"([a-z_]+\.[a-z_]+)\"""")
    chosen = re.compile(r'"((?:user|auth)\.[a-z_]+)" if')
    also = re.compile(r'else "((?:user|auth)\.[a-z_]+)"')
    codes = set()
    for path in APPS.rglob("*.py"):
        if "sandbox" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text()
        for pattern in (literal, chosen, also):
            codes.update(pattern.findall(text))
    codes.update(f"assets.{kind}" for kind in AssetAction.Kind.values)
    return codes


def test_every_action_the_apps_record_has_words():
    codes = _recorded_codes()
    assert {"leads.view", "assets.approve", "user.deactivate", "instance.delete"} <= codes
    assert sorted(codes - set(ACTION_LABELS)) == []


def test_actions_read_as_words_and_an_unknown_code_as_a_readable_phrase():
    assert action_label("leads.view") == "Viewed a lead"
    assert action_label("assets.approve", {"outcome": "succeeded"}) == "Approved an asset"
    assert action_label("lead.bulk_export") == "Lead bulk export"
    assert readable("instance.credentials_change") == "Instance credentials change"


def test_an_asset_action_that_did_not_succeed_says_what_was_tried():
    assert action_label("assets.approve", {"outcome": "refused"}) == (
        "Tried to approve an asset: refused"
    )
    assert action_label("leads.view", {"outcome": "refused"}) == "Viewed a lead"


@pytest.fixture
def production(db):
    return make_instance("Production")


def _row(**record):
    return event_rows([audit_record(**record)])[0]


def test_a_viewed_lead_links_to_its_lead_page(production, operator):
    row = _row(
        action="leads.view", actor=operator, instance=production, target_type="lead", target_id=7
    )
    assert row.action == "Viewed a lead"
    assert (row.target.kind, row.target.id) == ("Lead", "7")
    assert row.target.url == reverse("lead_detail", args=[production.pk, 7])
    assert row.instance.name == "Production"
    assert row.instance.url == reverse("instance_detail", args=[production.pk])
    assert row.actor.name == "otto"
    assert row.actor.url == reverse("user_detail", args=[operator.pk])


@pytest.mark.parametrize("asset_type", AssetType.values)
def test_an_asset_action_links_to_the_asset_page_under_its_name(production, asset_type):
    row = _row(
        action="assets.approve",
        instance=production,
        target_type=asset_type,
        target_id=1042,
        details={"name": "Welcome email", "outcome": "succeeded"},
    )
    assert (row.target.name, row.target.id) == ("Welcome email", "1042")
    assert row.target.kind == AssetType(asset_type).label
    assert row.target.url == reverse("assets_detail", args=[production.pk, asset_type, 1042])
    assert row.actor is None


def test_a_user_target_is_named_and_linked_by_id_or_by_the_name_typed(admin_user, operator):
    row = _row(action="user.update", actor=admin_user, target_type="user", target_id=operator.pk)
    assert (row.target.name, row.target.id) == ("otto", str(operator.pk))
    assert row.target.url == reverse("user_detail", args=[operator.pk])

    typed = _row(action="auth.login_failed", target_type="user", target_id="otto")
    assert typed.target.url == reverse("user_detail", args=[operator.pk])
    nobody = _row(action="auth.login_failed", target_type="user", target_id="mallory")
    assert (nobody.target.name, nobody.target.url) == ("mallory", "")


def test_a_deleted_user_keeps_their_name_without_a_link(admin_user):
    gone = UserFactory(username="gus")
    event = audit_record(
        action="user.deactivate",
        actor=gone,
        target_type="user",
        target_id=gone.pk,
        details={"user": "gus"},
    )
    gone.delete()
    event.refresh_from_db()
    row = event_rows([event])[0]
    assert (row.target.name, row.target.url) == ("gus", "")
    assert (row.actor.name, row.actor.url) == ("gus", "")


def test_a_lookup_links_to_its_page_and_other_targets_are_named(production, operator):
    lookup = _row(
        action="leads.lookup", instance=production, target_type="lead_lookup", target_id=3
    )
    assert lookup.target.url == reverse("lead_lookup_detail", args=[3])
    single = _row(action="leads.lookup", instance=production, target_type="lead_lookup")
    assert (single.target.kind, single.target.url, single.target.id) == ("Lead lookup", "", "")
    token = _row(
        action="api_token.create",
        actor=operator,
        target_type="api_token",
        target_id=5,
        details={"name": "BI export"},
    )
    assert (token.target.kind, token.target.name, token.target.url) == (
        "API token",
        "BI export",
        "",
    )
    sync = _row(action="assets.sync", instance=production, target_type="asset_sync", target_id=9)
    assert (sync.target.kind, sync.target.url) == ("Asset sync", "")


def test_a_deleted_instance_is_named_but_not_linked(production, admin_user):
    created = AuditEvent.objects.get(action="instance.create")
    instance_delete(instance=production, actor=admin_user, audit=AuditContext.system())
    row = event_rows([created])[0]
    assert (row.instance.name, row.instance.url) == ("Production (deleted)", "")


def test_the_instance_filter_lists_instances_by_their_latest_name(production, admin_user):
    staging = make_instance("Staging", munchkin_id="222-BBB-222")
    instance_update(
        instance=production, actor=admin_user, audit=AuditContext.system(), name="Production EU"
    )
    old = make_instance("Old", munchkin_id="333-CCC-333")
    old_pk = old.pk
    instance_delete(instance=old, actor=admin_user, audit=AuditContext.system())
    assert recorded_instances() == [
        (production.pk, "Production EU"),
        (staging.pk, "Staging"),
        (old_pk, "Old (deleted)"),
    ]


def test_the_audit_page_shows_words_links_and_an_instance_select(
    client_for, admin_user, operator, production
):
    audit_record(
        action="leads.view", actor=operator, instance=production, target_type="lead", target_id=7
    )
    other = make_instance("Staging", munchkin_id="222-BBB-222")
    audit_record(
        action="leads.view", actor=operator, instance=other, target_type="lead", target_id=8
    )
    client = client_for(admin_user)
    html = client.get("/audit/").content.decode()
    assert "Viewed a lead" in html and "<code>leads.view</code>" not in html
    assert f'href="{reverse("lead_detail", args=[production.pk, 7])}"' in html
    assert f'<option value="{production.pk}">Production</option>' in html
    assert '<option value="otto">' in html  # the actor field's suggestions

    page = client.get("/audit/", {"instance": production.pk, "action": "leads.view"})
    assert [row.target.id for row in page.context["rows"]] == ["7"]
    # The API still takes any number: an instance the trail never named has no events.
    assert client.get("/api/v1/audit-events/", {"instance": 99999}).json()["count"] == 0


def test_the_action_filter_offers_words(client_for, admin_user):
    audit_record(action="leads.view", actor=admin_user)
    html = client_for(admin_user).get("/audit/").content.decode()
    assert '<option value="leads.view">Viewed a lead</option>' in html


def test_the_csv_keeps_the_code_and_adds_the_words(client_for, admin_user):
    audit_record(action="leads.view", actor=admin_user)
    response = client_for(admin_user).get("/audit/", {"format": "csv", "action": "leads.view"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row["action"], row["action_label"]) for row in rows] == [
        ("leads.view", "Viewed a lead")
    ]


def test_details_read_as_words_and_changes_as_before_and_after():
    assert details_text(
        "user.update", {"role": ["viewer", "operator"], "email": ["", "a@b.c"]}
    ) == [
        ("role", "viewer → operator"),
        ("email", "— → a@b.c"),
    ]
    assert details_text("instance.update", {"fields": ["name", "client_id"], "new": True}) == [
        ("fields", "name, client_id"),
        ("new", "yes"),
    ]
    assert details_text("x.y", {"munchkin_id": "123-ABC-456"}) == [("munchkin id", "123-ABC-456")]
