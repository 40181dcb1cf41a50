"""API throttles: each token on its own, and each address for failed authentication.

Both count in fixed windows (a minute for "600/min") with one atomic counter per window
(apps/core/atomic_counter.py). DRF's SimpleRateThrottle keeps a list of request times that
it reads, appends to and writes back; requests arriving together each read the same list,
so under concurrency far more than the limit got through (729 of 1,000 at 600/min). A fixed
window admits exactly the limit per window, at the price of allowing up to twice the limit
across a window boundary.
"""

from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from apps.accounts.models import ApiToken
from apps.core.atomic_counter import increment
from apps.core.client_address import client_address


class FixedWindowThrottle(SimpleRateThrottle):
    """At most `num_requests` per window of `duration` seconds, counted atomically."""

    # Set by SimpleRateThrottle.__init__ from the rate ("600/min"); only read when it is set.
    num_requests: int
    duration: int

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        return self.hit(key) <= self.num_requests

    def hit(self, key) -> int:
        start, _ = self._window()
        # The key names its window, so it needs to outlive the window by a little only.
        return increment(f"{key}_{start}", ttl=self.duration + 5)

    def count(self, key) -> int:
        start, _ = self._window()
        return cache.get(f"{key}_{start}", 0)

    def wait(self):
        return self._window()[1]

    def _window(self) -> tuple[int, float]:
        """The current window's start and the seconds left in it."""
        now = self.timer()
        start = int(now // self.duration) * self.duration
        return start, start + self.duration - now

    def get_ident(self, request):
        # The same address as sign-in lock-out and the audit trail, behind any proxies.
        return client_address(request) or "unknown"


class PerTokenThrottle(FixedWindowThrottle):
    """Limits each API token on its own (a session counts as its user, anonymous as its IP).

    One runaway script then slows only its own token, not the user's other tokens or pages.
    """

    scope = "per_token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class FailedAuthenticationThrottle(FixedWindowThrottle):
    """Failed token authentications per client address (API_AUTH_FAILURE_RATE, 30/min).

    Throttles run after authentication in DRF, so a wrong token was never throttled: anyone
    could try tokens as fast as the server answered. The token authentication asks this
    throttle first and records each failure. Once an address has failed its limit, every
    token it presents is refused with 429 until the window ends, a valid one too: a
    different answer for a valid token would tell a guesser it had found one.
    """

    scope = "failed_auth"

    def get_cache_key(self, request, view=None):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def blocked(self, request) -> bool:
        return self.rate is not None and self.count(self.get_cache_key(request)) >= (
            self.num_requests
        )

    def record_failure(self, request) -> None:
        if self.rate is not None:
            self.hit(self.get_cache_key(request))
