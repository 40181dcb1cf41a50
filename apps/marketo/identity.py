"""The identity endpoint: an access token for a LaunchPoint service.

help/rest-api/authentication.md: GET or POST {identity}/oauth/token with
grant_type=client_credentials; a token lives 3600 s; asking again before it expires returns
the same token with what is left of its life; `scope` is the service's API-only user.
"""

import time
from dataclasses import dataclass, field

import requests

from apps.marketo import transport
from apps.marketo.config import InstanceConfig
from apps.marketo.errors import IdentityError, TransientError
from apps.marketo.timeouts import IDENTITY_TIMEOUT


@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    expires_in: int  # seconds left when Marketo answered
    scope: str  # the API-only user, e.g. apiuser@corp.com
    obtained_at: float  # time.time() when the answer arrived

    @property
    def expires_at(self) -> float:
        return self.obtained_at + self.expires_in


def token_request(
    config: InstanceConfig, *, timeout: tuple[float, float] = IDENTITY_TIMEOUT
) -> AccessToken:
    """Ask the identity endpoint for a token.

    The secret goes in the form body of a POST, never in the URL, where proxies and
    access logs would keep it. A redirect is not followed (transport.send): it would carry
    the body, secret included, to wherever it points.
    """
    response = transport.send(
        "POST",
        f"{config.identity_url.rstrip('/')}/oauth/token",
        policy=config.outbound,
        data={
            "grant_type": "client_credentials",
            "client_id": config.client_id,
            "client_secret": config.client_secret,
        },
        timeout=timeout,
    )
    if response.status_code == 401:
        raise IdentityError(_identity_refusal(response), code="401")
    if response.status_code >= 500:
        raise TransientError(
            f"the identity endpoint answered HTTP {response.status_code}", code="identity"
        )
    if response.status_code != 200:
        raise IdentityError(
            f"the identity endpoint answered HTTP {response.status_code}",
            code=str(response.status_code),
        )
    try:
        body = response.json()
        return AccessToken(
            value=body["access_token"],
            expires_in=int(body["expires_in"]),
            scope=body.get("scope", ""),
            obtained_at=time.time(),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise TransientError(
            "the identity endpoint's answer had no access token", code="identity"
        ) from exc


def _identity_refusal(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return "the client id or secret was refused"
    description = body.get("error_description") or body.get("error") or "refused"
    return f"the client id or secret was refused ({description})"
