from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from apps.accounts.models import ApiToken
from apps.accounts.throttling import FailedAuthenticationThrottle

# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION_SECONDS = 60


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>` with a personal key from the profile page."""

    keyword = "Token"

    def authenticate(self, request):
        if not _presents_a_token(request, self.keyword):
            return None  # the session may authenticate it, or nothing does (401)
        guard = FailedAuthenticationThrottle()
        if guard.blocked(request):
            raise exceptions.Throttled(
                guard.wait(), detail="Too many failed authentications from your address."
            )
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            guard.record_failure(request)
            raise

    def authenticate_credentials(self, key):
        token = ApiToken.objects.matching(key).first()
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("This token's user is deactivated.")
        now = timezone.now()
        stale = token.last_used_at is None or (
            (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
        )
        if stale:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token


def _presents_a_token(request, keyword) -> bool:
    words = authentication.get_authorization_header(request).split()
    return bool(words) and words[0].lower() == keyword.lower().encode()


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A personal token from your profile page, as `Token <key>`.",
        }
