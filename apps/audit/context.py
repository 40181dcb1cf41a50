"""Who acts, and from where, as the audit trail records it.

A view or API view builds the context once from its request and hands it to the services,
so services never see HTTP; a task or a command hands its own. The same service is thus
called the same way from a page, the API, a task or a command.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from apps.core.client_address import client_address

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.http import HttpRequest
    from rest_framework.request import Request


@dataclass(frozen=True)
class AuditContext:
    """The person acting (None for the system), their address and their browser.

    An event's actor is this user unless the service names another one (say, the owner of
    a token an admin revokes, or the person who asked for a job a worker runs).
    """

    user: AbstractBaseUser | None = None
    address: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest | Request) -> AuditContext:
        """The signed-in user (if any), the client's address behind our trusted proxies,
        and the User-Agent header."""
        # A request built by the test client's login() has no user attribute.
        user = getattr(request, "user", None)
        return cls(
            user=user if user is not None and user.is_authenticated else None,
            address=client_address(request),
            user_agent=request.headers.get("User-Agent", ""),
        )

    @classmethod
    def system(cls) -> AuditContext:
        """No person and no address: beat's schedules, workers, management commands."""
        return cls()
