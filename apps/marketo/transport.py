"""HTTP to Marketo: pooled sessions, timeouts always, Bearer header only, no redirects, and
only to the hosts and addresses an OutboundPolicy allows (outbound.py, guarded_adapter.py)."""

import threading
from typing import Any, TypedDict
from urllib.parse import urljoin

import requests

from apps.marketo.codes import code_info, error_for
from apps.marketo.errors import RedirectRefused, TransientError
from apps.marketo.guarded_adapter import GuardedAdapter
from apps.marketo.outbound import OutboundPolicy
from apps.marketo.timeouts import DEFAULT_TIMEOUTS

# (connect, read) seconds of a call to an endpoint with Marketo's default 30 s server
# timeout; the client gives each call its own endpoint's (apps/marketo/timeouts.py).
DEFAULT_TIMEOUT: tuple[float, float] = DEFAULT_TIMEOUTS.for_call("GET", "").http
USER_AGENT = "marketo-admin"

_local = threading.local()


class Envelope(TypedDict, total=False):
    """The body of a successful answer (help/rest-api/rest-api.md, paging-tokens.md)."""

    requestId: str
    success: bool
    result: list[dict[str, Any]]
    moreResult: bool
    nextPageToken: str
    warnings: list[str]
    errors: list[dict[str, str]]


def session(policy: OutboundPolicy) -> requests.Session:
    """A requests.Session per thread and policy: connections are pooled, sessions are not
    shared between threads."""
    sessions: dict[OutboundPolicy, requests.Session] | None = getattr(_local, "sessions", None)
    if sessions is None:
        sessions = _local.sessions = {}
    if policy not in sessions:
        s = requests.Session()
        s.headers["User-Agent"] = USER_AGENT
        # No HTTP(S)_PROXY, no .netrc: the guarded connection must see the address it
        # connects to, and nothing from the environment may add credentials to a call.
        s.trust_env = False
        adapter = GuardedAdapter(policy)
        s.mount("https://", adapter)
        s.mount("http://", adapter)
        sessions[policy] = s
    return sessions[policy]


def send(
    method: str,
    url: str,
    *,
    policy: OutboundPolicy,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    **kwargs: Any,
) -> requests.Response:
    """Send one request where `policy` allows it; a network failure becomes a TransientError,
    a refused destination a DestinationRefused, a 3xx answer a RedirectRefused."""
    try:
        response = session(policy).request(
            method, url, timeout=timeout, allow_redirects=False, **kwargs
        )
    except requests.Timeout as exc:
        raise TransientError(f"no answer within {timeout[1]} s", code="timeout") from exc
    except requests.ConnectionError as exc:
        raise TransientError(f"could not connect: {_reason(exc)}", code="connection") from exc
    if 300 <= response.status_code < 400:
        raise _redirect_refused(response)
    return response


def _redirect_refused(response: requests.Response) -> RedirectRefused:
    # Marketo answers API calls itself: no page of its documentation describes a redirect.
    # Following one would send the request (on the identity call, the client id and secret)
    # to wherever the answer points, so the answer is reported instead, and not retried.
    location = response.headers.get("Location", "")
    response.close()
    target = urljoin(response.url, location)[:300] if location else "nowhere (no Location)"
    return RedirectRefused(
        f"Marketo answered with a redirect to {target}; marketo-admin does not follow "
        f"redirects (HTTP {response.status_code}; check the instance's URLs).",
        http_status=response.status_code,
    )


def parse_envelope(response: requests.Response) -> Envelope:
    if response.status_code >= 400:
        status = str(response.status_code)
        raise error_for(status, code_info(status).marketo_says or f"HTTP {status}")
    try:
        body: Envelope = response.json()
    except ValueError as exc:
        raise TransientError("the answer was not JSON", code="invalid-json") from exc
    if not body.get("success", False):
        errors = body.get("errors") or [{"code": "", "message": "success was false"}]
        first = errors[0]
        raise error_for(first.get("code", ""), first.get("message", ""), body.get("requestId", ""))
    return body


# A refusal of the User Management API without a Marketo code in its body: the Swagger
# (swagger-user.json) lists 401 Unauthorized and 403 Forbidden for every operation; they
# mean what 601 (the token) and 603 (the role or an IP allow-list) mean elsewhere, so the
# client reacts the same way (one new token; "add the permission").
_USER_SERVICE_STATUS_CODES = {401: "601", 403: "603"}


def parse_user_service(response: requests.Response) -> Envelope:
    """An answer of the User Management API as an Envelope with its records in `result`.

    help/rest-api/user-management.md: "response bodies do not contain the success boolean
    attribute": a 200 is a success, its body the records themselves (an array, or one
    object); any other status is a failure whose body holds the standard `errors` array
    of `code` and `message` (swagger-user.json's Error: an integer code)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200:
        errors = body.get("errors") if isinstance(body, dict) else None
        first = errors[0] if errors and isinstance(errors[0], dict) else {}
        code = str(first.get("code") or "")
        if not code or code == "0":
            code = _USER_SERVICE_STATUS_CODES.get(response.status_code, str(response.status_code))
        message = str(first.get("message") or "") or code_info(code).marketo_says
        raise error_for(code, message or f"HTTP {response.status_code}")
    if body is None:
        raise TransientError("the answer was not JSON", code="invalid-json")
    records = body if isinstance(body, list) else [body]
    return {"result": [record for record in records if isinstance(record, dict)]}


def _reason(exc: Exception) -> str:
    # requests wraps urllib3's error, which wraps the socket's: the innermost says why
    # ("[Errno 111] Connection refused") without the URL around it.
    inner: BaseException = exc
    while inner.__context__ is not None:
        inner = inner.__context__
    return str(inner) or type(inner).__name__
