"""The REST API's shared pieces: pagination and one shape for every error body."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, pagination
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class NotPaused(exceptions.APIException):
    """ "Resume now" on a job that is not paused (apps.core.jobs): it is running, queued or
    over, so there is nothing to resume."""

    status_code = 409
    default_code = "not_paused"


def exception_handler(exc, context):
    """Every API error answers `{"detail": "...", "code": "..."}`.

    Validation errors keep their per-field messages under `errors`, so a client can show
    them next to its own inputs.
    """
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "detail": "The request is not valid; see errors for each field.",
            "code": "invalid",
            "errors": exc.detail
            if isinstance(exc.detail, dict)
            else {"non_field_errors": exc.detail},
        }
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = {"detail": str(detail), "code": code if isinstance(code, str) else "error"}
    return response
