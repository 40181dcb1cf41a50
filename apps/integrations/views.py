"""The API users page (the instance's users from Marketo's list, read by a background job,
never while the page renders, with their calls of the last 30 days), and the integration
registry: the list with the unassigned API users, one integration's page, the forms that
change them (admins), and the instance's usage grouped by integration."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from apps.audit.context import AuditContext
from apps.core.csv_export import csv_response
from apps.core.permissions import Action, may, require
from apps.instances.selectors import instance_get
from apps.integrations import selectors
from apps.integrations.forms import AssignForm, IntegrationForm, MapForm, errors_text
from apps.integrations.models import IntegrationApiUser
from apps.integrations.services import (
    MappingRefused,
    api_user_map,
    api_user_unmap,
    integration_create,
    integration_delete,
    integration_update,
    user_sync_start,
)
from apps.usage.forms import RangeForm
from apps.usage.selectors import history_start

# The instance's Marketo users and usage by integration are tabs of its usage pages: the menu
# marks Usage, not Integrations, though their addresses are under /integrations/.
USAGE_SECTION = "usage"


def _instance(request: HttpRequest, pk: int):
    instance = instance_get(user=request.user, pk=pk)
    require(request.user, Action.VIEW_USAGE, instance)
    return instance


def api_users_view(request: HttpRequest, pk: int) -> HttpResponse:
    instance = _instance(request, pk)
    rows = selectors.api_users(instance=instance)
    context = {
        "instance": instance,
        "tab": "marketo_users",
        "current_section": USAGE_SECTION,
        "rows": rows,
        "unlisted": sum(1 for row in rows if row.state == "unlisted"),
        "unassigned": selectors.unassigned_api_users(instance=instance, rows=rows),
        "last": selectors.last_user_sync(instance=instance),
        "last_success": selectors.last_successful_user_sync(instance=instance),
        "can_read_now": may(request.user, Action.MANAGE_INSTANCES, instance),
        "call_days": selectors.CALL_DAYS,
    }
    return render(request, "integrations/api_users.html", context)


@require_POST
def user_sync_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    instance = _instance(request, pk)
    require(request.user, Action.MANAGE_INSTANCES, instance)
    _, new = user_sync_start(
        instance=instance, actor=request.user, audit=AuditContext.from_request(request)
    )
    if new:
        messages.success(request, "Reading the instance's users from Marketo: reload shortly.")
    else:
        messages.info(request, "The instance's users are already being read.")
    return redirect("integrations_api_users", pk=instance.pk)


# --- the registry -----------------------------------------------------------------------------


def integration_list_view(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_USAGE)
    can_edit = may(request.user, Action.MANAGE_INSTANCES)
    summaries = selectors.integration_list(user=request.user)
    unassigned = selectors.unassigned_everywhere(user=request.user)
    context = {
        "summaries": summaries,
        "unassigned": unassigned,
        "unassigned_count": sum(len(rows) for _, rows in unassigned),
        "instances": selectors.visible_instances(user=request.user),
        "can_edit": can_edit,
        "assign_choices": [summary.integration for summary in summaries] if can_edit else [],
        "recent_days": selectors.RECENT_DAYS,
    }
    return render(request, "integrations/integration_list.html", context)


def integration_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.VIEW_USAGE)
    integration = selectors.integration_get(user=request.user, pk=pk)
    uses = selectors.integration_usage(integration=integration, user=request.user)
    can_edit = may(request.user, Action.MANAGE_INSTANCES)
    context = {
        "integration": integration,
        "uses": uses,
        "chart": selectors.integration_chart(uses),
        "day_rows": selectors.integration_day_rows(uses),
        "roles": selectors.integration_roles(integration=integration, user=request.user),
        "can_edit": can_edit,
        "choices": selectors.mappable_api_users(user=request.user) if can_edit else [],
        "report_days": selectors.REPORT_DAYS,
        "endpoint_days": selectors.ENDPOINT_DAYS,
    }
    return render(request, "integrations/integration_detail.html", context)


def _api_user_of(request: HttpRequest, value: tuple[int, str]):
    """(instance, userid) from a choice; the instance must be one the admin may manage."""
    instance_id, userid = value
    instance = instance_get(user=request.user, pk=instance_id)
    require(request.user, Action.MANAGE_INSTANCES, instance)
    return instance, userid


def integration_create_view(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_INSTANCES)
    form = IntegrationForm(request.POST or None)
    # "Assign to a new integration" from an unassigned API user: it is mapped on creation.
    first = MapForm(request.POST if request.method == "POST" else request.GET)
    first_user = _api_user_of(request, first.cleaned_data["api_user"]) if first.is_valid() else None
    if request.method == "POST" and form.is_valid():
        try:
            integration = integration_create(
                actor=request.user,
                audit=AuditContext.from_request(request),
                api_users=[first_user] if first_user else [],
                **form.values(),
            )
        except MappingRefused as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{integration.name} is registered.")
            return redirect("integrations_detail", pk=integration.pk)
    context = {
        "form": form,
        "first_user": first_user,
        "first_value": first.data.get("api_user", "") if first_user else "",
        "owner_choices": form.owner_choices(),
    }
    return render(
        request,
        "integrations/integration_form.html",
        context,
        status=400 if form.errors else 200,
    )


def integration_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.MANAGE_INSTANCES)
    integration = selectors.integration_get(user=request.user, pk=pk)
    form = IntegrationForm(request.POST or None, instance=integration)
    if request.method == "POST" and form.is_valid():
        changed = integration_update(
            integration=integration,
            actor=request.user,
            audit=AuditContext.from_request(request),
            **form.values(),
        )
        messages.success(request, "Saved." if changed else "Nothing was changed.")
        return redirect("integrations_detail", pk=integration.pk)
    context = {"form": form, "integration": integration, "owner_choices": form.owner_choices()}
    return render(
        request,
        "integrations/integration_form.html",
        context,
        status=400 if form.errors else 200,
    )


def integration_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.MANAGE_INSTANCES)
    integration = selectors.integration_get(user=request.user, pk=pk)
    if request.method == "POST":
        name = integration.name
        integration_delete(
            integration=integration, actor=request.user, audit=AuditContext.from_request(request)
        )
        messages.success(request, f"{name} is deleted: its API users are unassigned now.")
        return redirect("integrations_home")
    return render(
        request,
        "integrations/integration_confirm_delete.html",
        {"integration": integration, "api_users": integration.api_users.select_related("instance")},
    )


@require_POST
def api_user_map_view(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.MANAGE_INSTANCES)
    integration = selectors.integration_get(user=request.user, pk=pk)
    form = MapForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect("integrations_detail", pk=integration.pk)
    instance, userid = _api_user_of(request, form.cleaned_data["api_user"])
    _map(request, integration, instance, userid)
    return redirect("integrations_detail", pk=integration.pk)


@require_POST
def api_user_assign_view(request: HttpRequest) -> HttpResponse:
    """The list's quick "assign to …" of an unassigned API user."""
    require(request.user, Action.MANAGE_INSTANCES)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect("integrations_home")
    instance, userid = _api_user_of(request, form.cleaned_data["api_user"])
    _map(request, form.cleaned_data["integration"], instance, userid)
    return redirect("integrations_home")


def _map(request, integration, instance, userid) -> None:
    try:
        mapping = api_user_map(
            integration=integration,
            instance=instance,
            userid=userid,
            actor=request.user,
            audit=AuditContext.from_request(request),
        )
    except MappingRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"{mapping.userid} on {instance.name} now belongs to {integration.name}."
        )


@require_POST
def api_user_unmap_view(request: HttpRequest, pk: int, mapping_pk: int) -> HttpResponse:
    require(request.user, Action.MANAGE_INSTANCES)
    integration = selectors.integration_get(user=request.user, pk=pk)
    mapping = get_object_or_404(
        IntegrationApiUser.objects.select_related("instance", "integration"),
        pk=mapping_pk,
        integration=integration,
    )
    instance = instance_get(user=request.user, pk=mapping.instance_id)
    require(request.user, Action.MANAGE_INSTANCES, instance)
    api_user_unmap(mapping=mapping, actor=request.user, audit=AuditContext.from_request(request))
    messages.success(
        request,
        f"{mapping.userid} on {instance.name} is no longer {integration.name}'s: it is unassigned.",
    )
    return redirect("integrations_detail", pk=integration.pk)


# --- the instance's usage by integration ------------------------------------------------------


def usage_by_integration_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The usage pages' API users tab, grouped by integration (the usage app may not read
    the registry, which sits above it)."""
    instance = _instance(request, pk)
    form = RangeForm(request.GET, history_start=history_start(instance=instance))
    context = {
        "instance": instance,
        "tab": "users",
        "form": form,
        "grouping": "integration",
        "current_section": USAGE_SECTION,
    }
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        report = selectors.usage_by_integration(instance=instance, start=start, end=end)
        if request.GET.get("format") == "csv":
            return csv_response(
                f"usage-integrations-{instance.pk}-{start}-{end}.csv",
                ["integration", "api_users", "total", "daily_average", "peak", "peak_date"],
                (
                    [
                        group["label"],
                        " ".join(group["api_users"]),
                        group["total"],
                        group["average"],
                        group["peak"],
                        group["peak_date"],
                    ]
                    for group in report.groups
                ),
            )
        context.update(
            report=report,
            query=form.query(),
            unassigned=selectors.unassigned_api_users(instance=instance),
            chart={"labels": [on.isoformat() for on in report.days], "series": report.series},
        )
    if getattr(request, "htmx", False):
        return render(request, "integrations/partials/usage_report.html", context)
    status = 400 if form.errors else 200
    return render(request, "integrations/usage_by_integration.html", context, status=status)
