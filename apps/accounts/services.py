from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import ApiToken
from apps.accounts.selectors import profile_get
from apps.audit.context import AuditContext
from apps.audit.services import audit_record
from apps.core.permissions import Role


def api_token_create(*, user, name: str, audit: AuditContext) -> tuple[ApiToken, str]:
    """Make a personal API token. Returns it with its key, which is never shown again."""
    key = ApiToken.new_key()
    with transaction.atomic():
        token = ApiToken(user=user, name=name.strip())
        token.set_key(key)
        token.full_clean()
        token.save()
        audit_record(
            action="api_token.create",
            actor=user,
            audit=audit,
            target_type="api_token",
            target_id=token.pk,
            details={"name": token.name, "hint": token.key_hint},
        )
    return token, key


def api_token_revoke(*, token: ApiToken, audit: AuditContext) -> None:
    if token.revoked_at is not None:
        return
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            action="api_token.revoke",
            actor=token.user,
            audit=audit,
            target_type="api_token",
            target_id=token.pk,
            details={"name": token.name, "hint": token.key_hint},
        )


def profile_update(*, user, time_zone: str, audit: AuditContext) -> None:
    profile = profile_get(user=user)
    if profile.time_zone == time_zone:
        return
    before = profile.time_zone
    profile.time_zone = time_zone
    profile.full_clean()
    profile.save(update_fields=["time_zone"])
    audit_record(
        action="profile.update",
        actor=user,
        audit=audit,
        target_type="user",
        target_id=user.pk,
        details={"time_zone": [before, time_zone]},
    )


def user_set_role(*, user, role: Role) -> None:
    """Put `user` in exactly one role group. Admins get into the admin site (users, schedules)."""
    with transaction.atomic():
        user.groups.remove(*Group.objects.filter(name__in=Role.values))
        user.groups.add(Group.objects.get(name=role))
        user.is_staff = user.is_superuser or role == Role.ADMIN
        user.save(update_fields=["is_staff"])
    user.__dict__.pop("_role_cache", None)
    user.__dict__.pop("_perm_cache", None)


def user_create(*, username: str, password: str, role: Role, email: str = "", **extra) -> User:
    user = get_user_model().objects.create_user(
        username=username, password=password, email=email, **extra
    )
    user_set_role(user=user, role=role)
    profile_get(user=user)
    return user
