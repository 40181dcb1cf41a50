"""What "Test connection" does: get a token, then one cheap call per permission we need.

A 603 on a call means the API user's role lacks that permission (or an IP allow-list
blocks us): help/rest-api/error-codes.md. The permissions named below are those the
endpoints' descriptions in Marketo's Swagger files require.
"""

import time
from dataclasses import dataclass
from typing import Any

from apps.marketo.client import MarketoClient
from apps.marketo.errors import AccessDenied, MarketoError


@dataclass(frozen=True)
class PermissionCheck:
    key: str
    label: str
    path: str
    params: dict
    role_permission: str  # what to add to the API user's role in Marketo when it is missing


CHECKS = [
    PermissionCheck("leads", "Read leads", "/v1/leads/describe2.json", {}, "Read-Only Lead"),
    PermissionCheck(
        "assets",
        "Read assets",
        "/asset/v1/folders.json",
        {"maxReturn": 1, "maxDepth": 1},
        "Read-Only Assets",
    ),
    PermissionCheck(
        "usage",
        "Read usage",
        "/v1/stats/usage.json",
        {},
        "none needed; check the IP allow-list (Admin > Web Services)",
    ),
]


@dataclass
class ConnectionReport:
    ok: bool
    error: str = ""
    api_user: str = ""
    token_seconds_left: int | None = None
    permissions: dict | None = None
    round_trip_ms: int | None = None


def connection_check(client: MarketoClient) -> ConnectionReport:
    """Through the shared token broker and the governor, like every other call."""
    started = time.monotonic()
    try:
        token = client.broker.token(client.config)
    except MarketoError as exc:
        return ConnectionReport(ok=False, error=f"Could not get a token: {exc}")
    round_trip_ms = _ms_since(started)
    permissions = {check.key: _check(client, check) for check in CHECKS}
    return ConnectionReport(
        ok=True,
        api_user=token.scope,
        token_seconds_left=max(0, int(token.expires_at - time.time())),
        permissions=permissions,
        round_trip_ms=round_trip_ms,
    )


def _check(client: MarketoClient, check: PermissionCheck) -> dict:
    started = time.monotonic()
    result: dict[str, Any] = {"label": check.label, "role_permission": check.role_permission}
    try:
        client.get(check.path, check.params)
    except AccessDenied as exc:
        result.update(state="missing", code=exc.code)
    except MarketoError as exc:
        result.update(state="error", code=exc.code, message=str(exc))
    else:
        result.update(state="ok")
    result["ms"] = _ms_since(started)
    return result


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
