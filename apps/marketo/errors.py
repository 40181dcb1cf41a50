"""What can go wrong when calling Marketo, as classes the callers can act on.

Which code raises which class, and how each is retried, counted and worded for a person, is
the table in codes.py; these classes only say what kind of problem it is.

    CallProblem              anything that kept a call from succeeding
    ├── CallNotMade          nothing was sent: the credentials, the instance, the governor
    └── MarketoError         the call was tried: Marketo's answer, or the lack of one
"""


class CallProblem(Exception):
    """A call to Marketo could not be made, or it failed. `call_problem_message` (wording.py)
    says it in words for a person."""

    # Fixed words for a person, for a problem that always reads the same; else derived.
    person_message = ""


class CallNotMade(CallProblem):
    """Nothing was sent to Marketo, for a reason on marketo-admin's side (the instance's
    credentials cannot be read, the instance is disabled, the governor cannot be reached).

    `str()` of a subclass is written for people, unless it sets `person_message`."""

    # True when the reason passes by itself (a job waits for it instead of failing).
    passes = False


class MarketoError(CallProblem):
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
    """The identity endpoint refused the client id and secret."""


class TokenInvalid(MarketoError):
    """The access token is not one Marketo knows."""


class TokenExpired(MarketoError):
    """The access token has expired."""


class AccessDenied(MarketoError):
    """The API user's role lacks a permission, or an IP allow-list blocks us."""


class RateLimited(MarketoError):
    """More than the rate limit in the rolling 20 seconds (all integrations together)."""

    retryable = True


class ConcurrencyLimited(MarketoError):
    """More than 10 calls in flight on the instance (all integrations together)."""

    retryable = True


class QuotaExhausted(MarketoError):
    """The daily quota is spent; nothing works until midnight US Central."""


class TransientError(MarketoError):
    """Temporary on Marketo's side, or no answer at all: try again later."""

    retryable = True


class NotFound(MarketoError):
    """No such resource, or no data for the search."""


class InvalidRequest(MarketoError):
    """Our request was wrong for Marketo. Never retried: it would fail the same way."""


class RetryLater(MarketoError):
    """The governor asks for a long wait: try again after `seconds` (no call was made)."""

    retryable = True

    def __init__(self, seconds: float, reason: str):
        super().__init__(f"the {reason} budget is spent; try again in {seconds:.0f} s", code="wait")
        self.seconds = seconds
        self.reason = reason


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
