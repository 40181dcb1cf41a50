"""The instance's users, roles and workspaces: the User Management API
(help/rest-api/user-management.md; swagger-user.json). Reads only.

Unlike the other REST APIs, its answers carry no {success, result} envelope: a 200 is the
records themselves, any other status the standard `errors` array (the client turns both
into an Envelope or an error: transport.parse_user_service). Its paths have no /rest prefix.
The page gives no timeout for these endpoints: they have the default 30 s (timeouts.py).

Marketo documents no endpoint that lists a role's permissions: a role is an id, a name, a
description and a type ("system" or "custom"); what it allows is seen only in Marketo's
Admin > Users & Roles.
"""

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from apps.marketo.client import MarketoClient

# swagger-user.json, every operation: "Required Permissions: Access User Management Api and
# Access Users" (user-management.md: one from the Access API group, one from Access Admin).
ROLE_PERMISSIONS = ("Access User Management Api", "Access Users")

USERS_PATH = "/userservice/management/v1/users/allusers.json"
ROLES_PATH = "/userservice/management/v1/users/roles.json"
WORKSPACES_PATH = "/userservice/management/v1/users/workspaces.json"
# user-management.md, Browse Users: pageSize "default is 20 and the maximum is 200".
MAX_PAGE_SIZE = 200


def all_users_pages(
    client: MarketoClient, *, offset: int = 0, page_size: int = MAX_PAGE_SIZE
) -> Iterator[tuple[list[dict[str, Any]], int]]:
    """Get Users, page by page: each page's user records and the offset of the next page
    (where a reader that stopped resumes).

    Paging is by `pageOffset` and `pageSize` (user-management.md, Browse Users). The answer
    says nothing of more pages, so a page shorter than `pageSize` is the last one; a full
    last page is followed by one empty page."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size is 1 to {MAX_PAGE_SIZE}, not {page_size}")
    while True:
        page = client.get(USERS_PATH, {"pageOffset": offset, "pageSize": page_size}).get(
            "result", []
        )
        offset += len(page)
        yield page, offset
        if len(page) < page_size:
            return


def all_users(client: MarketoClient) -> list[dict[str, Any]]:
    """Every user record: userid, firstName, lastName, emailAddress, id, apiOnly."""
    return [user for page, _ in all_users_pages(client) for user in page]


def user_roles(client: MarketoClient, userid: str) -> list[dict[str, Any]]:
    """Get Roles and Workspaces by Id: the user's (accessRoleId, accessRoleName,
    workspaceId, workspaceName) pairs. Get Users does not carry them."""
    path = f"/userservice/management/v1/users/{quote(userid, safe='@')}/roles.json"
    return client.get(path).get("result", [])


def roles(client: MarketoClient) -> list[dict[str, Any]]:
    """Get Roles: id, name, description, type, hidden, onlyAllZones, createdAt, updatedAt."""
    return client.get(ROLES_PATH).get("result", [])


def workspaces(client: MarketoClient) -> list[dict[str, Any]]:
    """Get Workspaces: id, name, description, globalViz, status, createdAt, updatedAt."""
    return client.get(WORKSPACES_PATH).get("result", [])
