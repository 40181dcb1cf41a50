import json

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from apps.audit.filters import recorded_actors
from apps.audit.labels import action_label
from apps.audit.selectors import audit_event_list
from apps.audit.targets import event_rows
from apps.core.csv_export import csv_response
from apps.core.htmx import HtmxHttpRequest
from apps.core.permissions import Action, require

PAGE_SIZE = 50


def audit_event_list_view(request: HtmxHttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_AUDIT)
    filterset, events = audit_event_list(filters=request.GET)
    if request.GET.get("format") == "csv":
        return _csv(events)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "rows": event_rows(page.object_list),
        "query": query.urlencode(),
    }
    if request.htmx:
        return render(request, "audit/partials/event_table.html", context)
    context["actors"] = recorded_actors()
    return render(request, "audit/event_list.html", context)


def _csv(events):
    header = [
        "occurred_at",
        "actor",
        "action",
        "action_label",
        "instance_id",
        "instance",
        "target_type",
        "target_id",
        "details",
        "ip_address",
        "user_agent",
    ]
    rows = (
        [
            timezone.localtime(e.occurred_at).isoformat(),
            e.actor_username,
            e.action,
            action_label(e.action, e.details),
            e.instance_id or "",
            e.instance_name,
            e.target_type,
            e.target_id,
            json.dumps(e.details, sort_keys=True),
            e.ip_address or "",
            e.user_agent,
        ]
        for e in events.iterator(chunk_size=2000)
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return csv_response(f"audit-events-{stamp}.csv", header, rows)
