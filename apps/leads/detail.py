"""One lead in full: its fields, recent activities and memberships (each section is loaded
on its own, so the page shows what it has while the rest is on its way)."""

from datetime import timedelta
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
ACTIVITY_PAGE_SIZE = 25


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


def lead_activities(*, instance, user, lead_id: int, days=DEFAULT_ACTIVITY_DAYS, type_id=None):
    """(rows newest first, each with its type's name; complete?). Cached for five minutes,
    so that paging through them costs no more calls."""
    days = max(1, min(int(days), MAX_ACTIVITY_DAYS))
    types = metadata.activity_types_get(instance=instance, user=user)
    type_ids = [type_id] if type_id else list(types)
    key = f"leads:activities:{instance.pk}:{lead_id}:{days}:{type_id or 'all'}"
    cached = cache.get(key)
    if cached is None:
        since = (timezone.now() - timedelta(days=days)).replace(microsecond=0)
        rows, complete = marketo_activities.lead_activities(
            _client(instance, user), lead_id=lead_id, since=since, type_ids=type_ids
        )
        cached = {"rows": rows, "complete": complete}
        cache.set(key, cached, ACTIVITY_CACHE_SECONDS)
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
