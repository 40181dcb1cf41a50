"""What can go wrong when calling Marketo, as classes the callers can act on.

Codes and their meaning: help/rest-api/error-codes.md in Marketo's documentation; the
reaction to each is the table in docs/marketo.md ("Error codes and how the code reacts").
"""


class MarketoError(Exception):
    """Marketo answered with an error (or did not answer). Carries its code and requestId."""

    retryable = False

    def __init__(self, message: str, *, code: str = "", request_id: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id

    def __str__(self) -> str:
        prefix = f"{self.code} " if self.code else ""
        return f"{prefix}{self.message}"


class IdentityError(MarketoError):
    """The identity endpoint refused the client id and secret (HTTP 401)."""


class TokenInvalid(MarketoError):
    """601: the access token is not one Marketo knows."""


class TokenExpired(MarketoError):
    """602: the access token has expired."""


class AccessDenied(MarketoError):
    """603: the API user's role lacks a permission, or an IP allow-list blocks us."""


class RateLimited(MarketoError):
    """606: more than the rate limit in the rolling 20 seconds."""

    retryable = True


class ConcurrencyLimited(MarketoError):
    """615: more than 10 calls in flight on the instance."""

    retryable = True


class QuotaExhausted(MarketoError):
    """607: the daily quota is spent; nothing works until midnight US Central."""


class TransientError(MarketoError):
    """604, 608, 611, 713, HTTP 502, a timeout or a dropped connection: try again later."""

    retryable = True


class NotFound(MarketoError):
    """610 (no such resource) or 702 (no data for the search)."""


class InvalidRequest(MarketoError):
    """Our request was wrong (609, 612, 701, 704, 709, 710, 1003, ...). Never retried."""


class DestinationRefused(MarketoError):
    """The URL or the address it resolves to is not one marketo-admin may call (see
    outbound.py). Nothing was sent; never retried: the same name would be refused again."""

    def __init__(self, message: str):
        super().__init__(message, code="refused")

    def __str__(self) -> str:
        return self.message


class RedirectRefused(MarketoError):
    """A 3xx answer. Marketo does not redirect API calls, and following one would carry the
    request (the client secret, on the identity call) to a server nobody chose. Never retried."""

    def __init__(self, message: str, *, http_status: int):
        super().__init__(message, code="redirect")
        self.http_status = http_status

    def __str__(self) -> str:
        return self.message


_BY_CODE = {
    "601": TokenInvalid,
    "602": TokenExpired,
    "603": AccessDenied,
    "604": TransientError,
    "606": RateLimited,
    "607": QuotaExhausted,
    "608": TransientError,
    "610": NotFound,
    "611": TransientError,
    "614": TransientError,
    "615": ConcurrencyLimited,
    "702": NotFound,
    "713": TransientError,
}


def error_for(code: str, message: str, request_id: str = "") -> MarketoError:
    """The exception for one of Marketo's response-level error codes."""
    cls = _BY_CODE.get(str(code), InvalidRequest)
    return cls(message, code=str(code), request_id=request_id)
