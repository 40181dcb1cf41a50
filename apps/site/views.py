import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from apps.core.htmx import HtmxHttpRequest
from apps.core.permissions import Action, is_admin, may, require, user_role
from apps.leads.search import lookup_instances
from apps.site.health import health_report
from apps.site.metrics import metrics_text
from apps.site.navigation import menu_for
from apps.site.summaries import admins_to_ask, instance_summaries


def home_view(request: HtmxHttpRequest) -> HttpResponse:
    """One card per instance the user may see, then the sections their role opens. The
    cards refresh themselves (htmx): the governor's figures are of the last 20 s."""
    role = user_role(request.user)
    summaries = instance_summaries(user=request.user) if role else []
    context = {
        "role": role,
        "sections": menu_for(request.user),
        "summaries": summaries,
        "is_admin": is_admin(request.user),
        "admins": admins_to_ask() if role and not summaries else [],
        "lookup_instance_count": len(lookup_instances(user=request.user)) if role else 0,
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "site/partials/instance_cards.html", context)
    return render(request, "site/home.html", context)


def instance_list_view(request: HttpRequest) -> HttpResponse:
    """The instance list (apps.instances' page, served here: its columns of today's calls,
    syncs and jobs come from usage, assets and leads, which instances may not import)."""
    require(request.user, Action.VIEW_INSTANCES)
    summaries = instance_summaries(user=request.user)
    return render(
        request,
        "instances/instance_list.html",
        {
            "summaries": summaries,
            "instances": [summary.instance for summary in summaries],
            "can_manage": may(request.user, Action.MANAGE_INSTANCES),
        },
    )


@login_not_required
@never_cache
def healthz_view(request: HttpRequest) -> HttpResponse:
    report = health_report()
    response = JsonResponse(report, status=200 if report["ok"] else 503)
    # health_report logs a failing check when it starts failing; Django would log every
    # 503 as an ERROR ("Service Unavailable: /healthz"), on every poll of a monitor.
    response._has_been_logged = True  # type: ignore[attr-defined]  # Django's own flag
    return response


@login_not_required
@never_cache
def livez_view(request: HttpRequest) -> HttpResponse:
    """The web process answers: for a container's health check, which must not fail
    because a worker elsewhere is down."""
    return JsonResponse({"ok": True})


@login_not_required
@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The deployment's figures for Prometheus (apps/site/metrics.py), to a scraper that
    sends the bearer token METRICS_TOKEN; without that setting there is no such page."""
    expected = settings.METRICS_TOKEN
    if not expected:
        raise Http404("metrics are off: METRICS_TOKEN is not set")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected.encode()
    ):
        response = HttpResponse(
            "Send the metrics token: Authorization: Bearer <METRICS_TOKEN>\n",
            status=401,
            content_type="text/plain; charset=utf-8",
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
