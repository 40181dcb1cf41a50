"""HTTP to Marketo: one pooled session per process, timeouts always, Bearer header only."""

import threading

import requests

from apps.marketo.errors import MarketoError, TransientError, error_for

# (connect, read) seconds. Marketo answers most calls well within a few seconds.
DEFAULT_TIMEOUT = (5, 30)
USER_AGENT = "marketo-admin"

_local = threading.local()


def session() -> requests.Session:
    """A requests.Session per thread: connections are pooled, sessions are not shared."""
    if getattr(_local, "session", None) is None:
        s = requests.Session()
        s.headers["User-Agent"] = USER_AGENT
        _local.session = s
    return _local.session


def send(method: str, url: str, *, timeout=DEFAULT_TIMEOUT, **kwargs) -> requests.Response:
    """Send one request; a network failure becomes a TransientError."""
    try:
        return session().request(method, url, timeout=timeout, **kwargs)
    except requests.Timeout as exc:
        raise TransientError(f"no answer within {timeout[1]} s", code="timeout") from exc
    except requests.ConnectionError as exc:
        raise TransientError(f"could not connect: {_reason(exc)}", code="connection") from exc


def parse_envelope(response: requests.Response) -> dict:
    if response.status_code == 502:
        raise TransientError("Bad Gateway", code="502")
    if response.status_code >= 400:
        raise MarketoError(f"HTTP {response.status_code}", code=str(response.status_code))
    try:
        body = response.json()
    except ValueError as exc:
        raise TransientError("the answer was not JSON", code="invalid-json") from exc
    if not body.get("success", False):
        errors = body.get("errors") or [{"code": "", "message": "success was false"}]
        first = errors[0]
        raise error_for(first.get("code", ""), first.get("message", ""), body.get("requestId", ""))
    return body


def _reason(exc: Exception) -> str:
    # requests wraps urllib3's error, which wraps the socket's: the innermost says why
    # ("[Errno 111] Connection refused") without the URL around it.
    inner = exc
    while inner.__context__ is not None:
        inner = inner.__context__
    return str(inner) or type(inner).__name__
