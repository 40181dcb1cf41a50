"""What "Test connection" does: get a token, then one cheap call per permission we need.

A refusal of access on a call means the API user's role lacks that permission (or an IP
allow-list blocks us): help/rest-api/error-codes.md. The permissions named are those the
endpoints' descriptions in Marketo's Swagger files require (apps/marketo/leads.py,
activities.py, assets.py, users.py).
"""

import time
from dataclasses import dataclass
from typing import Any

from apps.marketo import activities as marketo_activities
from apps.marketo import assets as marketo_assets
from apps.marketo import leads as marketo_leads
from apps.marketo import users as marketo_users
from apps.marketo.client import MarketoClient
from apps.marketo.errors import AccessDenied, MarketoError


@dataclass(frozen=True)
class PermissionCheck:
    key: str
    label: str
    path: str
    params: dict
    role_permission: str  # what to add to the API user's role in Marketo when it is missing
    # When the role needs several permissions at once (all of them), each of them.
    all_of: tuple[str, ...] = ()


CHECKS = [
    PermissionCheck(
        "leads",
        "Read leads",
        "/v1/leads/describe2.json",
        {},
        marketo_leads.ROLE_PERMISSIONS[0],
    ),
    # The lead page's activities need "Read-Only Activity": activities/types.json asks for
    # exactly that and nothing else (endpoint-reference.md, "Get Activity Types"; the
    # Required Permissions of /rest/v1/activities/types.json in swagger-mapi.json), and
    # is one small call.
    PermissionCheck(
        "activities",
        "Read activities",
        "/v1/activities/types.json",
        {},
        marketo_activities.ROLE_PERMISSIONS[0],
    ),
    PermissionCheck(
        "assets",
        "Read assets",
        "/asset/v1/folders.json",
        {"maxReturn": 1, "maxDepth": 1},
        marketo_assets.READ_PERMISSIONS[0],
    ),
    # The API users page reads the instance's users (help/rest-api/user-management.md): its
    # role needs both permissions, from two groups of Admin > Users & Roles; one user is
    # the smallest page Get Users gives.
    PermissionCheck(
        "users",
        "Read users",
        marketo_users.USERS_PATH,
        {"pageSize": 1},
        " and ".join(marketo_users.ROLE_PERMISSIONS),
        all_of=marketo_users.ROLE_PERMISSIONS,
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
    if check.all_of:
        result["all_of"] = list(check.all_of)
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
