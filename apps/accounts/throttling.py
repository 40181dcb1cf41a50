from rest_framework.throttling import SimpleRateThrottle

from apps.accounts.models import ApiToken
from apps.core.client_address import client_address


class PerTokenThrottle(SimpleRateThrottle):
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

    def get_ident(self, request):
        # The same address as sign-in lock-out and the audit trail, behind any proxies.
        return client_address(request) or "unknown"
