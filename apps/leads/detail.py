"""One lead in full: its fields, recent activities and memberships (each section is loaded
on its own, so the page shows what it has while the rest is on its way)."""

from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from apps.audit.context import AuditContext
from apps.audit.services import audit_record
from apps.instances.client import marketo_client
from apps.leads import metadata
from apps.marketo import activities as marketo_activities
from apps.marketo import leads as marketo_leads
from apps.marketo.governor import Priority

ACTIVITY_CACHE_SECONDS = 300
DEFAULT_ACTIVITY_DAYS = 30
MAX_ACTIVITY_DAYS = 365
DAY = 60 * 60 * 24


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


def lead_fields(*, instance, user, lead_id: int) -> dict:
    """{"lead": {...}, "groups": {"standard": [(field, value)], "custom": [...], ...}}."""
    fields = metadata.lead_fields_get(instance=instance, user=user)
    lead = marketo_leads.lead_get(
        _client(instance, user), lead_id, fields=[item["name"] for item in fields]
    )
    if lead is None:
        raise LeadNotFound(f"No lead with id {lead_id} exists in {instance.name}.")
    groups: dict[str, list[dict[str, Any]]] = {"standard": [], "custom": [], "system": []}
    for item in fields:
        groups[item["group"]].append({**item, "value": lead.get(item["name"])})
    return {"lead": lead, "groups": groups}


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


def lead_memberships(*, instance, user, lead_id: int) -> dict:
    client = _client(instance, user)
    return {
        "lists": list(marketo_leads.lead_list_membership(client, lead_id)),
        "programs": list(marketo_leads.lead_program_membership(client, lead_id)),
    }
