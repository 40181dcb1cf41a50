"""What an audit event is about, as the audit page shows it: words, names, and a link to the
product's own page for the thing where there is one (a lead, an instance, an asset, a user,
a lead lookup, an integration), with the id as secondary text.

Links are built with `reverse` from the URL names of the apps above (lead_detail,
instance_detail, assets_detail, user_detail, lead_lookup_detail), guarded by NoReverseMatch,
rather than from a registry those apps would fill from their AppConfig.ready(). The audit
app sits below them and may import none of them (import-linter's layers); a URL name is
already their public interface (every template links with it) and reversing one imports
nothing. An app left out of a deployment, or a URL renamed, makes the target plain text, not
an error: tests/audit/test_audit_labels.py reverses every name used here, so a rename fails a
test before anyone sees plain text. A registry would spread the audit page's concern into
every app and still need the same fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse

from apps.audit.labels import action_label, details_text, readable
from apps.audit.models import AuditEvent

if TYPE_CHECKING:
    from collections.abc import Iterable


@dataclass(frozen=True)
class Link:
    """One thing named on the audit page: what kind it is, its name when known, its id (as
    secondary text) and the address of its page ("" when it has none)."""

    kind: str
    name: str = ""
    id: str = ""
    url: str = ""


@dataclass(frozen=True)
class EventRow:
    event: AuditEvent
    action: str
    actor: Link | None
    instance: Link | None
    target: Link | None
    details: list[tuple[str, str]]


# Target types that are not assets: their words, and the page of one (if any). An asset
# action's target type is the asset's type ("email", "landing_page"), read as words.
TARGET_KINDS: dict[str, str] = {
    "lead": "Lead",
    "instance": "Instance",
    "user": "User",
    "lead_lookup": "Lead lookup",
    "asset_sync": "Asset sync",
    "usage_sync": "Usage collection",
    "user_sync": "Reading of Marketo users",
    "connection_test": "Connection test",
    "api_token": "API token",
    "integration": "Integration",
    "alert_channel": "Alert channel",
}

# These record the user name that was typed (maybe nobody's), not a user's id.
USERNAME_TARGETS = frozenset({"auth.login_failed", "auth.locked_out"})

INSTANCE_DELETED = "instance.delete"


def url_or_blank(name: str, **kwargs) -> str:
    """The address of a page of another app, or "" when there is no such page (an id that
    is not a number, an app or URL name that is not there)."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def _number(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def is_asset_target(event: AuditEvent) -> bool:
    # An action on one asset is the only kind the assets app records against a target type
    # of its own (its syncs are "asset_sync"): the type is then the asset's type.
    return event.action.startswith("assets.") and event.target_type not in TARGET_KINDS


class _Users:
    """The users a page of events names, read in one query: current names by id and by
    user name (a renamed user reads under their new name, a deleted one is not linked)."""

    def __init__(self, events: list[AuditEvent]) -> None:
        ids, names = set(), set()
        for event in events:
            if event.actor_id:
                ids.add(event.actor_id)
            if event.target_type == "user" and event.target_id:
                if event.action in USERNAME_TARGETS:
                    names.add(event.target_id)
                elif (number := _number(event.target_id)) is not None:
                    ids.add(number)
        model = get_user_model()
        field = model.USERNAME_FIELD
        found = model.objects.filter(pk__in=ids) if ids else model.objects.none()
        if names:
            found = found | model.objects.filter(**{f"{field}__in": names})
        rows = list(found.values_list("pk", field)) if ids or names else []
        self.by_id = dict(rows)
        self.by_name = {name: pk for pk, name in rows}

    def link(self, *, pk: int | None = None, name: str = "", fallback: str = "") -> Link:
        if pk is None and name:
            pk = self.by_name.get(name)
        current = self.by_id.get(pk) if pk is not None else None
        return Link(
            kind="User",
            name=current or name or fallback,
            id=str(pk) if pk is not None and current else "",
            url=url_or_blank("user_detail", pk=pk) if current else "",
        )


def _deleted_instances(events: list[AuditEvent]) -> set[int]:
    ids = {event.instance_id for event in events if event.instance_id}
    if not ids:
        return set()
    found = AuditEvent.objects.filter(action=INSTANCE_DELETED, instance_id__in=ids)
    return {pk for pk in found.values_list("instance_id", flat=True) if pk is not None}


def _instance(event: AuditEvent, deleted: set[int]) -> Link | None:
    if not event.instance_id:
        return None
    gone = event.instance_id in deleted
    return Link(
        kind="Instance",
        name=event.instance_name + (" (deleted)" if gone else ""),
        id=str(event.instance_id),
        url="" if gone else url_or_blank("instance_detail", pk=event.instance_id),
    )


def _target(event: AuditEvent, users: _Users, deleted: set[int]) -> Link | None:
    kind, target_id = event.target_type, event.target_id
    details = event.details if isinstance(event.details, dict) else {}
    if not kind:
        return None
    if kind == "user":
        if event.action in USERNAME_TARGETS:
            return users.link(name=target_id)
        return users.link(pk=_number(target_id), fallback=str(details.get("user") or target_id))
    if kind == "instance":
        return _instance(event, deleted) or Link(kind="Instance", id=target_id)
    number = _number(target_id)
    url = ""
    name = ""
    if kind == "lead" and number is not None and event.instance_id:
        url = url_or_blank("lead_detail", instance_pk=event.instance_id, lead_id=number)
    elif kind == "lead_lookup" and number is not None:
        url = url_or_blank("lead_lookup_detail", pk=number)
    elif kind in ("api_token", "alert_channel"):
        name = str(details.get("name") or "")
    elif kind == "integration":
        name = str(details.get("name") or "")
        if number is not None and event.action != "integrations.delete":
            url = url_or_blank("integrations_detail", pk=number)
    elif is_asset_target(event):
        name = str(details.get("name") or "")
        if number is not None and event.instance_id:
            url = url_or_blank(
                "assets_detail", instance_id=event.instance_id, asset_type=kind, marketo_id=number
            )
    return Link(kind=TARGET_KINDS.get(kind) or readable(kind), name=name, id=target_id, url=url)


def event_rows(events: Iterable[AuditEvent]) -> list[EventRow]:
    """The audit page's rows for `events` (a page of them): two queries, whatever the count."""
    events = list(events)
    users = _Users(events)
    deleted = _deleted_instances(events)
    return [
        EventRow(
            event=event,
            action=action_label(event.action, event.details),
            actor=users.link(pk=event.actor_id, fallback=event.actor_username)
            if event.actor_id or event.actor_username
            else None,
            instance=_instance(event, deleted),
            target=_target(event, users, deleted),
            details=details_text(event.action, event.details),
        )
        for event in events
    ]
