from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from apps.core.permissions import user_role
from apps.site.health import health_report
from apps.site.navigation import menu_for


def home_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "site/home.html",
        {"role": user_role(request.user), "sections": menu_for(request.user)},
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
