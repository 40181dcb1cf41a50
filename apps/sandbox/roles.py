"""What an API user's role lets it call, and the 603 it gets when it may not.

Marketo checks the permissions of the API user's role on every call (Admin > Users & Roles;
help/rest-api/custom-services.md): a call the role does not allow answers 603 "Access
denied" (error-codes.md). The permissions each route needs are those of the "Required
Permissions" in the Swagger files' descriptions (help/rest-api/endpoint-reference.md lists
the same); any one of them is enough. The sandbox checks the routes it serves; the usage
statistics need none ("Required Permissions: None" in swagger-mapi.json).

A role is a set of permission names. An API user of SandboxConfig has every permission
unless its `permissions` say otherwise; tests change a role at run time with
POST /_sandbox/roles (apps/sandbox/README.md), which a full reset undoes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from apps.sandbox.config import ApiUser

LEAD_READ = ("Read-Only Lead", "Read-Write Lead")
LEAD_WRITE = ("Read-Write Lead",)
ACTIVITY_READ = ("Read-Only Activity", "Read-Write Activity")
# Static-list and program membership of a lead (swagger-mapi.json; endpoint-reference.md).
MEMBERSHIP_READ = ("Read-Only Asset",)
ASSET_READ = ("Read-Only Assets", "Read-Write Assets")
ASSET_WRITE = ("Read-Write Assets",)
ASSET_APPROVE = ("Approve Assets",)
# swagger-user.json, every User Management operation: "Required Permissions: Access User
# Management Api and Access Users" (both: help/rest-api/user-management.md asks for one
# from the Access API group and one from the Access Admin group).
USER_MANAGEMENT = ("Access User Management Api", "Access Users")

# Every permission a route of the sandbox needs: the role of a user with no explicit role.
EVERY_PERMISSION = frozenset(
    LEAD_READ
    + LEAD_WRITE
    + ACTIVITY_READ
    + MEMBERSHIP_READ
    + ASSET_READ
    + ASSET_APPROVE
    + USER_MANAGEMENT
)


def required_permissions(method: str, route: str) -> tuple[str, ...]:
    """Any one of these permissions lets a call to `route` (a router template) through;
    () when the route needs none."""
    if route.startswith("/rest/v1/activities"):
        return ACTIVITY_READ
    if route.endswith(("/listMembership.json", "/programMembership.json")):
        return MEMBERSHIP_READ
    if route.startswith(("/rest/v1/lead/", "/rest/v1/leads")):
        return LEAD_READ if method == "GET" else LEAD_WRITE
    if route.startswith("/rest/asset/"):
        if method == "GET":
            return ASSET_READ
        if route.endswith(("/approveDraft.json", "/unapprove.json")):
            return ASSET_APPROVE
        return ASSET_WRITE
    return ()


def required_together(route: str) -> tuple[str, ...]:
    """Permissions a call to `route` needs all of (beyond `required_permissions`)."""
    return USER_MANAGEMENT if route.startswith("/userservice/") else ()


class Roles:
    """The role of each API user (by client id), as configured or as a test set it."""

    def __init__(self, users: list[ApiUser]) -> None:
        self._configured = {
            user.client_id: EVERY_PERMISSION if user.permissions is None else user.permissions
            for user in users
        }
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._current = dict(self._configured)

    def set(self, client_id: str, permissions: Iterable[str] | None) -> frozenset[str]:
        if client_id not in self._configured:
            raise ValueError(f"no API user with client id {client_id!r}")
        role = EVERY_PERMISSION if permissions is None else frozenset(map(str, permissions))
        with self._lock:
            self._current[client_id] = role
        return role

    def allows(self, user: object, needed: tuple[str, ...]) -> bool:
        """Whether the role of `user` (the request's ApiUser) has one of `needed`."""
        if not needed:
            return True
        with self._lock:
            role = self._current.get(getattr(user, "client_id", ""), EVERY_PERMISSION)
        return any(permission in role for permission in needed)

    def allows_all(self, user: object, needed: tuple[str, ...]) -> bool:
        """Whether the role of `user` has every one of `needed`."""
        return all(self.allows(user, (permission,)) for permission in needed)

    def snapshot(self) -> dict[str, list[str]]:
        with self._lock:
            return {client_id: sorted(role) for client_id, role in self._current.items()}
