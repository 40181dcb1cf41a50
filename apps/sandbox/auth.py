"""Access tokens: one per LaunchPoint service (client id), shared until it expires."""

from __future__ import annotations

import secrets
import threading
import uuid
from dataclasses import dataclass

from apps.sandbox.clock import Clock
from apps.sandbox.config import ApiUser
from apps.sandbox.envelope import MarketoError


@dataclass
class Token:
    value: str
    user: ApiUser
    expires_at: float


class TokenStore:
    def __init__(self, users: list[ApiUser], clock: Clock, ttl: int) -> None:
        self.users = {user.client_id: user for user in users}
        self.clock = clock
        self.ttl = ttl
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._by_value: dict[str, Token] = {}
            self._current: dict[str, Token] = {}

    def authenticate(self, client_id: str, client_secret: str) -> ApiUser | None:
        user = self.users.get(client_id)
        if user is None or not secrets.compare_digest(user.client_secret, client_secret):
            return None
        return user

    def issue(self, user: ApiUser) -> dict:
        """Asking again before expiry returns the same token with what is left of its life
        (authentication.md, "Tips and Best Practices")."""
        with self._lock:
            now = self.clock.time()
            token = self._current.get(user.client_id)
            if token is None or token.expires_at <= now:
                # Marketo's tokens look like "cdf01657-110d-4155-99a7-f986b2ff13a0:int".
                token = Token(f"{uuid.uuid4()}:sb", user, now + self.ttl)
                self._current[user.client_id] = token
                self._by_value[token.value] = token
            remaining = max(0, int(token.expires_at - now))
        return {
            "access_token": token.value,
            "token_type": "bearer",
            "expires_in": remaining,
            "scope": user.email,
        }

    def check(self, value: str | None) -> ApiUser:
        if not value:
            raise MarketoError("601", "Access token not specified")
        token = self._by_value.get(value)
        if token is None:
            raise MarketoError("601", "Access token invalid")
        if token.expires_at <= self.clock.time():
            raise MarketoError("602", "Access token expired")
        return token.user
