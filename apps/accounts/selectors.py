from django.db.models import QuerySet

from apps.accounts.models import ApiToken, Profile


def profile_get(*, user) -> Profile:
    """The user's profile, made on first use (users also come from createsuperuser)."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def api_token_list(*, user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)
