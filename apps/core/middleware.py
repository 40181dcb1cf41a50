import re
import zoneinfo

from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.core.signals import request_finished
from django.dispatch import receiver
from django.utils import timezone
from django_guid import clear_guid
from django_htmx.http import HttpResponseClientRedirect

# An id that a proxy hands us is adopted only if it looks like one: it ends up in logs.
_ACCEPTABLE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class ForeignRequestIdMiddleware:
    """Drops an incoming request id that does not look like one, before django-guid's
    middleware adopts it (it then makes a new one)."""

    def __init__(self, get_response):
        self.get_response = get_response
        header = str(settings.DJANGO_GUID["GUID_HEADER_NAME"])
        self.meta_key = "HTTP_" + header.upper().replace("-", "_")

    def __call__(self, request):
        proposed = request.META.get(self.meta_key)
        if proposed is not None and not _ACCEPTABLE_REQUEST_ID.fullmatch(proposed):
            del request.META[self.meta_key]
        return self.get_response(request)


@receiver(request_finished)
def _forget_request_id(sender, **kwargs):
    # Kept after django-guid's middleware returns, for Django's own line about the request
    # ("Unauthorized: /api/..."), which is logged later; not into the thread's next work.
    clear_guid()


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
        zone = user_zone(request.user)
        if zone:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        return self.get_response(request)


def user_zone(user):
    """The zone the user chose (or took from the browser), or None: one reading for the
    pages and for what is sent to them (e-mails)."""
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    if profile is None or not profile.time_zone:
        return None
    try:
        return zoneinfo.ZoneInfo(profile.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):  # ValueError: not a zone's name
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
