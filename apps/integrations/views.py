"""The API users page: the instance's users from Marketo's list (read by a background job,
never while the page renders) with their calls of the last 30 days."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.audit.context import AuditContext
from apps.core.permissions import Action, may, require
from apps.instances.selectors import instance_get
from apps.integrations import selectors
from apps.integrations.services import user_sync_start


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
        "rows": rows,
        "unlisted": sum(1 for row in rows if row.state == "unlisted"),
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
