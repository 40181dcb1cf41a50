"""GET or POST /identity/oauth/token (authentication.md)."""

from __future__ import annotations

from apps.sandbox.routing import Response


def identity_refused() -> Response:
    # error-codes.md: the Identity endpoint answers HTTP 401 for a bad client id or secret.
    return Response(401, {"error": "unauthorized", "error_description": "Bad client credentials"})


def token(instance, request) -> Response:
    params = request.form()
    grant_type = params.get("grant_type", [""])[0]
    client_id = params.get("client_id", [""])[0]
    client_secret = params.get("client_secret", [""])[0]
    if request.method not in ("GET", "POST") or request.path != "/identity/oauth/token":
        return Response(404, {"error": "not_found", "error_description": "Not Found"})
    if grant_type != "client_credentials":
        return Response(
            400,
            {
                "error": "unsupported_grant_type",
                "error_description": f"Unsupported grant type: {grant_type}",
            },
        )
    user = instance.tokens.authenticate(client_id, client_secret)
    if user is None:
        return identity_refused()
    return Response(200, instance.tokens.issue(user))
