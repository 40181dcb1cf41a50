import zoneinfo

from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.core.signals import request_finished, request_started
from django.dispatch import receiver
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from apps.core.logging import new_request_id, request_id_var

REQUEST_ID_HEADER = "X-Request-ID"


@receiver(request_started)
def _start_request_id(sender, environ, **kwargs):
    # Set when the request starts and cleared when it is finished, not in the middleware:
    # Django logs errors ("Unauthorized: /api/...") after the middleware has returned.
    request_id_var.set(new_request_id(environ.get("HTTP_X_REQUEST_ID")))


@receiver(request_finished)
def _end_request_id(sender, **kwargs):
    request_id_var.set("-")


class RequestIdMiddleware:
    """Hands the request's id to views and pages, and sends it back to the client."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request_id_var.get() == "-":  # a request that did not come through a handler
            request_id_var.set(new_request_id(request.headers.get(REQUEST_ID_HEADER)))
        request.request_id = request_id_var.get()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Every page needs a login unless its view says otherwise.

    The REST API authenticates on its own (tokens or the session) and answers 401 in JSON,
    so it is left to DRF. An htmx request from an expired session is told to load the
    login page as a whole, instead of swapping the login form into a fragment.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

    def handle_no_permission(self, request, view_func):
        response = super().handle_no_permission(request, view_func)
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(response.url)
        return response


class UserTimezoneMiddleware:
    """Shows times in the signed-in user's own time zone; storage stays UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = _user_zone(request.user)
        if zone:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        return self.get_response(request)


def _user_zone(user):
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    if profile is None or not profile.time_zone:
        return None
    try:
        return zoneinfo.ZoneInfo(profile.time_zone)
    except zoneinfo.ZoneInfoNotFoundError:
        return None


class PermissionsPolicyMiddleware:
    """Sends PERMISSIONS_POLICY as the Permissions-Policy header: `{"camera": []}` becomes
    `camera=()`, no origin may use it; `{"fullscreen": ["self"]}` becomes `fullscreen=(self)`.

    Django has no setting for this header and django-csp covers only its own, so this is
    the one small piece written here.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})"
            for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
