"""Checks every request's input before any view runs: the path and the query string for
control characters (a NUL in `/usage/instances/1/users/%00/` reached PostgreSQL), the body's
size against what the view takes, and form fields for control characters. JSON bodies are
checked by the API's parsers (apps.core.parsers); there is no JSON view outside the API.

A refusal is a 400 (or 413 for size) with the API's `{"detail", "code"}` body under /api/,
and the error page elsewhere.
"""

from django.conf import settings

from apps.core.inputs import (
    InputRefused,
    check_form_values,
    refuse_control_characters,
)
from apps.core.views import error_response

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def accepts_bodies_up_to(max_bytes: int, *, what: str):
    """Marks a view (a function, or an APIView class) that takes request bodies larger than
    REQUEST_BODY_MAX_BYTES; `what` names them in the refusal ("lead lookups")."""

    def mark(view):
        view.max_body_bytes = max_bytes
        view.max_body_what = what
        return view

    return mark


def _body_limit(view_func) -> tuple[int, str]:
    for holder in (view_func, getattr(view_func, "view_class", None)):
        limit = getattr(holder, "max_body_bytes", None)
        if limit:
            return limit, holder.max_body_what  # type: ignore[union-attr]  # it has a limit
    return settings.REQUEST_BODY_MAX_BYTES, "requests here"


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _refusal(request, status: int, message: str, code: str):
    return error_response(request, status, message, code=code)


class InputGuardMiddleware:
    """Listed before CsrfViewMiddleware: its process_view must see the body's size before
    anything reads the body."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        try:
            refuse_control_characters(request.path, where="The address", in_url=True)
            check_form_values(request.GET, where="the query string", in_url=True)
        except InputRefused as exc:
            return _refusal(request, 400, str(exc), exc.code)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _refusal(request, 400, "The Content-Length header is not a number.", "invalid")
        limit, what = _body_limit(view_func)
        if length > limit:
            return _refusal(
                request,
                413,
                f"The request is {_megabytes(length)}; {what} take at most {_megabytes(limit)}.",
                "request_too_large",
            )
        if request.method == "POST" and request.content_type in FORM_TYPES:
            # Uploaded files' names need no check: Django drops what is not printable.
            try:
                check_form_values(request.POST, where="the form")
            except InputRefused as exc:
                return _refusal(request, 400, str(exc), exc.code)
        return None
