from django.db.models import QuerySet

from apps.accounts.models import ApiToken, Profile
from apps.core.permissions import ROLE_ORDER, Role


def profile_get(*, user) -> Profile:
    """The user's profile, made on first use (users also come from createsuperuser)."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def api_token_list(*, user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def user_role_of(user) -> Role | None:
    """The role `user` holds, whether or not they are active (permissions.user_role answers
    None for a deactivated user: they may do nothing, but the users page still shows it)."""
    if user.is_superuser:
        return Role.ADMIN
    names = {group.name for group in user.groups.all()}
    return next((role for role in ROLE_ORDER if role.value in names), None)
