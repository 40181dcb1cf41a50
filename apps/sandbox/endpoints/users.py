"""The User Management API (help/rest-api/user-management.md): its reads only.

No envelope: a 200 answers the records themselves (a JSON array); a failure answers a
non-200 status with the standard `errors` array (the instance's pipeline turns the error
bodies of these paths into that shape: `user_service_failure`).
"""

from __future__ import annotations

from apps.sandbox.envelope import MarketoError
from apps.sandbox.routing import Response

PREFIX = "/userservice/management/v1/users"
# user-management.md, Browse Users: "pageSize ... The default is 20 and the maximum is 200".
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 200


def register(router) -> None:
    router.add("GET", f"{PREFIX}/allusers.json", all_users)
    router.add("GET", f"{PREFIX}/roles.json", lambda i, r, **_: Response(body=i.directory.roles()))
    router.add(
        "GET",
        f"{PREFIX}/workspaces.json",
        lambda i, r, **_: Response(body=i.directory.workspaces()),
    )
    router.add("GET", f"{PREFIX}/{{userid}}/roles.json", user_roles)


def all_users(instance, request, **_) -> Response:
    offset = request.int_param("pageOffset", 0) or 0
    size = request.int_param("pageSize", DEFAULT_PAGE_SIZE) or DEFAULT_PAGE_SIZE
    if offset < 0 or size < 1:
        raise MarketoError("1003", "pageOffset and pageSize must be positive")
    users = instance.directory.users[offset : offset + min(size, MAX_PAGE_SIZE)]
    return Response(body=[user.record() for user in users])


def user_roles(instance, request, userid: str, **_) -> Response:
    from urllib.parse import unquote

    user = instance.directory.find(unquote(userid))
    if user is None:
        raise MarketoError("610", "Requested resource not found")
    return Response(body=instance.directory.role_workspaces(user))


# What status a failure of these paths answers with. The page says only "a non-200 status
# code"; the Swagger (swagger-user.json) lists 401, 403 and 404 for every operation.
STATUS_OF = {"601": 401, "602": 401, "603": 403, "610": 404}


def user_service_failure(body: dict) -> Response:
    """An error body of the other APIs ({success: false, errors}) as this API answers it."""
    errors = body.get("errors") or [{"code": "611", "message": "System error"}]
    code = str(errors[0].get("code"))
    return Response(
        STATUS_OF.get(code, 400 if code.isdigit() and int(code) >= 1000 else 500),
        {"errors": errors},
    )
