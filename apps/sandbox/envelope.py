"""Marketo's response envelope and its error codes (error-codes.md)."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

# Answers with these codes count neither against the daily quota nor the rate limit
# (error-codes.md marks them with "*"); every other answer counts, 606 and 615 included.
UNCOUNTED_CODES = frozenset({"601", "602", "604", "605", "608", "611"})

MESSAGES = {
    "601": "Access token invalid",
    "602": "Access token expired",
    "603": "Access denied",
    "604": "Request timed out",
    "605": "Request method not supported",
    "607": "Daily quota reached",
    "608": "API Temporarily Unavailable",
    "609": "Invalid JSON",
    "610": "Requested resource not found",
    "611": "System error",
    "612": "Invalid Content Type",
    "615": "Concurrent access limit reached",
    "702": "No data found for a given search scenario",
    "709": "Business Rule Violation",
    "710": "Parent Folder Not Found",
}

NO_ASSETS = "No assets found for the given search criteria."

_counter = itertools.count(1)
_counter_lock = threading.Lock()


def request_id() -> str:
    """Like Marketo's 'e42b#14272d07d78': a counter and the time in ms, both in hex."""
    with _counter_lock:
        serial = next(_counter)
    return f"{serial:x}#{int(time.time() * 1000):x}"


class MarketoError(Exception):
    """Raised by an endpoint: the whole call failed with a response-level error."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message or MESSAGES.get(code, "Error")


def blank(name: str) -> MarketoError:
    # 701 "%s cannot be blank" (error-codes.md).
    return MarketoError("701", f"{name} cannot be blank")


def error_body(code: str, message: str | None = None) -> dict:
    return {
        "requestId": request_id(),
        "success": False,
        "errors": [{"code": code, "message": message or MESSAGES.get(code, "Error")}],
    }


def lead_body(result: list | None = None, **extra) -> dict:
    """A lead-database success: the prose examples carry no errors/warnings members."""
    body: dict[str, Any] = {
        "requestId": request_id(),
        "result": result if result is not None else [],
    }
    body["success"] = True
    body.update(extra)
    return body


def asset_body(result: list | None, warnings: list[str] | None = None) -> dict:
    """An asset-API success: always errors and warnings; no result on an empty page."""
    body: dict[str, Any] = {
        "success": True,
        "errors": [],
        "requestId": request_id(),
        "warnings": warnings or [],
    }
    if result:
        body["result"] = result
    else:
        body["warnings"] = [*body["warnings"], NO_ASSETS]
    return body
