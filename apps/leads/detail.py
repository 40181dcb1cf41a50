"""One lead in full: its fields, recent activities and memberships (each section is loaded
on its own, so the page shows what it has while the rest is on its way)."""

from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from apps.audit.context import AuditContext
from apps.audit.services import audit_record
from apps.core import names
from apps.instances.client import marketo_client
from apps.leads import metadata
from apps.marketo import activities as marketo_activities
from apps.marketo import leads as marketo_leads
from apps.marketo.governor import Priority
from apps.marketo.moments import marketo_time

ACTIVITY_CACHE_SECONDS = 300
DEFAULT_ACTIVITY_DAYS = 30
MAX_ACTIVITY_DAYS = 365
DAY = 60 * 60 * 24
# How long a lead's name (for the page's title) and a "no such lead" are remembered.
NAME_CACHE_SECONDS = 10 * 60


class LeadNotFound(Exception):
    pass


def _client(instance, user):
    return marketo_client(instance, priority=Priority.INTERACTIVE, feature="lead_detail", user=user)


def marketo_lead_url(lead_id: int) -> str:
    # Marketo Engage sends a signed-in user to their own pod from here.
    return f"https://app.marketo.com/leadDatabase/loadLeadDetail?leadId={int(lead_id)}"


def lead_view_audit(*, instance, user, lead_id: int, audit: AuditContext, via="page") -> None:
    audit_record(
        action="leads.view",
        actor=user,
        audit=audit,
        instance=instance,
        target_type="lead",
        target_id=lead_id,
        details={"via": via},
    )


def lead_name(lead: dict | None, lead_id: int) -> str:
    """What a marketer calls the person: "Ada Lovelace", else the email, else "Lead 100500"."""
    lead = lead or {}
    full = " ".join(
        str(lead[key]).strip() for key in ("firstName", "lastName") if lead.get(key)
    ).strip()
    return full or str(lead.get("email") or "").strip() or f"Lead {int(lead_id)}"


def _name_key(instance, lead_id: int) -> str:
    return f"leads:name:{instance.pk}:{int(lead_id)}"


def _missing_key(instance, lead_id: int) -> str:
    return f"leads:missing:{instance.pk}:{int(lead_id)}"


def lead_name_known(*, instance, lead_id: int) -> str | None:
    """The name the last read of this lead gave, if it is recent: the page's title without a
    call (the fields section, read after the page is served, puts it right)."""
    return cache.get(_name_key(instance, lead_id))


def lead_known_missing(*, instance, lead_id: int) -> bool:
    """Whether Marketo said a moment ago that there is no such lead (deleted or merged)."""
    return bool(cache.get(_missing_key(instance, lead_id)))


def not_found_message(*, instance, lead_id: int) -> str:
    return f"No lead {int(lead_id)} in {instance.name}. It may have been deleted or merged."


def lead_fields(*, instance, user, lead_id: int) -> dict:
    """{"lead": {...}, "name": "Ada Lovelace", "groups": {"standard": [field + value],
    "custom": [...], "system": [...]}}; a datetime field's value also as a moment."""
    fields = metadata.lead_fields_get(instance=instance, user=user)
    lead = marketo_leads.lead_get(
        _client(instance, user), lead_id, fields=[item["name"] for item in fields]
    )
    if lead is None:
        cache.set(_missing_key(instance, lead_id), True, NAME_CACHE_SECONDS)
        raise LeadNotFound(not_found_message(instance=instance, lead_id=lead_id))
    cache.delete(_missing_key(instance, lead_id))
    name = lead_name(lead, lead_id)
    cache.set(_name_key(instance, lead_id), name, NAME_CACHE_SECONDS)
    groups: dict[str, list[dict[str, Any]]] = {"standard": [], "custom": [], "system": []}
    for item in fields:
        value = lead.get(item["name"])
        moment = marketo_time(value) if item.get("data_type") == "datetime" else None
        groups[item["group"]].append({**item, "value": value, "moment": moment})
    return {"lead": lead, "name": name, "groups": groups}


def _activity_token(client, *, instance, since: datetime) -> str:
    """A date-based token stands for its date only (paging-tokens.md, "Date-Based"): every
    lead and every chunk of types read from `since` can use it, so it is cached for a day."""
    key = f"leads:activity-token:{instance.pk}:{int(since.timestamp())}"
    token = cache.get(key)
    if token is None:
        token = marketo_activities.paging_token(client, since=since)
        cache.set(key, token, DAY)
    return token


def activities_read_cached(*, instance, user, lead_id, type_ids, since, until=None) -> dict:
    """{"rows": raw rows newest first, "complete": bool}, cached by everything that decides
    the answer (lead, types, window), so that reading the same data again costs no call."""
    types_key = ",".join(str(type_id) for type_id in sorted(set(type_ids)))
    window = f"{int(since.timestamp())}-{int(until.timestamp()) if until else 'now'}"
    key = f"leads:activities:{instance.pk}:{int(lead_id)}:{types_key}:{window}"
    cached = cache.get(key)
    if cached is None:
        client = _client(instance, user)
        rows, complete = marketo_activities.lead_activities(
            client,
            lead_id=lead_id,
            since=since,
            until=until,
            type_ids=type_ids,
            token=_activity_token(client, instance=instance, since=since),
        )
        cached = {"rows": rows, "complete": complete}
        cache.set(key, cached, ACTIVITY_CACHE_SECONDS)
    return cached


def lead_activities(*, instance, user, lead_id: int, days=DEFAULT_ACTIVITY_DAYS, type_id=None):
    """(rows newest first, each with its type's name; complete?) of the last `days`, all
    types or one (the API's lead detail)."""
    days = max(1, min(int(days), MAX_ACTIVITY_DAYS))
    types = metadata.activity_types_get(instance=instance, user=user)
    type_ids = [type_id] if type_id else list(types)
    since = (timezone.now() - timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    cached = activities_read_cached(
        instance=instance, user=user, lead_id=lead_id, type_ids=type_ids, since=since
    )
    rows = [
        {**row, "type_name": types.get(row.get("activityTypeId"), row.get("activityTypeId"))}
        for row in cached["rows"]
    ]
    return rows, cached["complete"]


def _named(rows: list[dict], *, instance, kind: str, id_key: str) -> list[dict]:
    """Each row with "name" and "url" (the product's page for it) from what the product
    knows (the asset mirror, through apps.core.names: one query for all the rows), or None
    and "" for an id it does not know yet."""
    known = names.names_for(instance=instance, kind=kind, ids=[row.get(id_key) for row in rows])
    for row in rows:
        try:
            named = known.get(int(row.get(id_key)))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            named = None
        row["name"] = named.name if named else None
        row["url"] = named.url if named else ""
    return rows


def lead_memberships(*, instance, user, lead_id: int) -> dict:
    """{"lists": [...], "programs": [...]}: Marketo's rows (leads.md, "Membership"), each
    with the list's or program's name and page when the mirror has them."""
    client = _client(instance, user)
    lists = list(marketo_leads.lead_list_membership(client, lead_id))
    programs = list(marketo_leads.lead_program_membership(client, lead_id))
    return {
        "lists": _named(lists, instance=instance, kind="static_list", id_key="listId"),
        "programs": _named(programs, instance=instance, kind="program", id_key="id"),
    }


# A program membership's flags in words (leads.md, "Membership": acquiredBy, reachedSuccess,
# and for engagement programs stream, nurtureCadence and isExhausted).
CADENCE_WORDS = {"normal": "normal cadence", "paused": "cadence paused"}


def program_status_notes(row: dict) -> list[str]:
    notes = []
    if row.get("reachedSuccess"):
        notes.append("success reached")
    if row.get("acquiredBy"):
        notes.append("acquired by this program")
    if row.get("stream"):
        cadence = str(row.get("nurtureCadence") or "")
        stream = f"in stream “{row['stream']}”"
        notes.append(f"{stream}, {CADENCE_WORDS.get(cadence, cadence)}" if cadence else stream)
    if row.get("isExhausted"):
        notes.append("has had all of the stream's content")
    return notes
