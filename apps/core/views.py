from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django_guid import get_guid

# --- error pages: HTML for people, JSON for the API -------------------------------------

ERRORS = {
    400: ("bad_request", "Bad request", "The request could not be understood."),
    403: ("permission_denied", "Not allowed", "Your role does not allow this page or action."),
    404: ("not_found", "Not found", "There is nothing here, or you have no access to it."),
    413: ("request_too_large", "Too large", "The request is larger than this page takes."),
    500: ("server_error", "Something went wrong", "The error is logged. Please try again."),
}


def error_response(request: HttpRequest, status, message=None, *, code=None) -> HttpResponse:
    """The API's `{"detail", "code"}` under /api/, the error page elsewhere."""
    default_code, title, default_message = ERRORS[status]
    message = message or default_message
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": code or default_code}, status=status)
    context = {"title": title, "message": message, "status": status}
    context["request_id"] = get_guid()
    # The 4xx pages share one layout; a status without its own template uses the 400 one.
    return render(request, [f"{status}.html", "400.html"], context, status=status)


@login_not_required
def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return error_response(request, 400)


@login_not_required
def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    # Our own PermissionDenied messages are written for people; Django's defaults are not.
    message = str(exception) if exception and str(exception) else None
    return error_response(request, 403, message)


@login_not_required
def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return error_response(request, 404)


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    """A static page: no database, session or user, because any of them may be what failed.

    The template is rendered without the request, so no context processor runs (they read
    the user, the menu and the instances), and 500.html stands alone, not on base.html.
    """
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": ERRORS[500][2], "code": "server_error"}, status=500)
    html = loader.render_to_string("500.html", {"request_id": get_guid()})
    return HttpResponseServerError(html)


@login_not_required
def csrf_failure(request: HttpRequest, reason="") -> HttpResponse:
    message = (
        "The form was sent from a page that is out of date or from another site, so nothing "
        "was changed. Reload the page and try again."
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "csrf_failed"}, status=403)
    return render(
        request,
        "403.html",
        {"title": "Form expired", "message": message, "status": 403},
        status=403,
    )
