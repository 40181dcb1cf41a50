from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from apps.accounts.models import ApiToken, Profile
from apps.accounts.selectors import profile_get, user_role_of
from apps.accounts.zones import is_time_zone
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
    """Save the user's settings. Saving is choosing: from then on the zone is theirs, and the
    browser's zone never replaces it, even when they saved the zone they already had."""
    profile = profile_get(user=user)
    chosen = Profile.TimeZoneSource.CHOSEN
    if profile.time_zone == time_zone and profile.time_zone_source == chosen:
        return
    before = profile.time_zone
    profile.time_zone = time_zone
    profile.time_zone_source = chosen
    profile.full_clean()
    profile.save(update_fields=["time_zone", "time_zone_source"])
    if before != time_zone:
        audit_record(
            action="profile.update",
            actor=user,
            audit=audit,
            target_type="user",
            target_id=user.pk,
            details={"time_zone": [before, time_zone]},
        )


def profile_time_zone_from_browser(*, user, time_zone: str, audit: AuditContext) -> bool:
    """At a sign-in, take the zone the browser reports (Intl.DateTimeFormat, sent by
    static/js/accounts.js with the sign-in form) for a user who has not chosen one yet:
    once, and never over a choice. A name that is not a known zone is ignored. Returns
    whether the zone was taken."""
    profile = profile_get(user=user)
    if profile.time_zone_source != Profile.TimeZoneSource.DEFAULT or not is_time_zone(time_zone):
        return False
    before = profile.time_zone
    profile.time_zone = time_zone
    profile.time_zone_source = Profile.TimeZoneSource.BROWSER
    profile.save(update_fields=["time_zone", "time_zone_source"])
    audit_record(
        action="profile.time_zone_from_browser",
        actor=user,
        audit=audit,
        target_type="user",
        target_id=user.pk,
        details={"time_zone": [before, time_zone]},
    )
    return True


def user_set_role(*, user, role: Role) -> None:
    """Put `user` in exactly one role group. Admins get into the admin site (users, schedules)."""
    with transaction.atomic():
        user.groups.remove(*Group.objects.filter(name__in=Role.values))
        user.groups.add(Group.objects.get(name=role))
        user.is_staff = user.is_superuser or role == Role.ADMIN
        user.save(update_fields=["is_staff"])
    user.__dict__.pop("_role_cache", None)
    user.__dict__.pop("_perm_cache", None)


def user_create(
    *, username: str, password: str | None, role: Role, email: str = "", **extra
) -> User:
    """A user with a role. `password=None` makes one that cannot sign in until they set a
    password through a link (`user_send_password_link`)."""
    user = get_user_model().objects.create_user(
        username=username, password=password, email=email, **extra
    )
    user_set_role(user=user, role=role)
    profile_get(user=user)
    return user


class UserChangeRefused(Exception):
    """A change to a user that marketo-admin refuses; the message says why, for the page."""


# Why an admin may not change some things; the pages show these before anyone tries.
OWN_ADMIN_ROLE_REASON = (
    "You cannot take away your own admin role: if you were the last admin, nobody could give "
    "it back. Ask another admin to change it."
)
SELF_DEACTIVATION_REASON = (
    "You cannot deactivate yourself: you would be signed out at once, and if you were the "
    "last admin nobody could manage users. Ask another admin."
)
SUPERUSER_ROLE_REASON = (
    "A superuser is an admin whatever the role says; that is changed in the admin site."
)


# What an admin may change about a user, and how the audit trail names it.
USER_DETAIL_FIELDS = ["first_name", "last_name", "email"]


@sensitive_variables("password")
def user_invite(
    *,
    username: str,
    role: Role,
    actor,
    audit: AuditContext,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create a user for `actor` (an admin): with a password, or none until they set one."""
    with transaction.atomic():
        user = user_create(
            username=username,
            password=password,
            role=role,
            email=email,
            first_name=first_name,
            last_name=last_name,
        )
        audit_record(
            action="user.create",
            actor=actor,
            audit=audit,
            target_type="user",
            target_id=user.pk,
            details={
                "user": user.get_username(),
                "role": Role(role).value,
                "password": "set" if password else "none yet",
            },
        )
    return user


def user_update(*, user, actor, audit: AuditContext, role: Role | None = None, **fields) -> list:
    """Change a user's details and role. Returns the names of what changed."""
    changed = {
        name: [getattr(user, name), value]
        for name, value in fields.items()
        if name in USER_DETAIL_FIELDS and getattr(user, name) != value
    }
    before_role = user_role_of(user)
    new_role = Role(role) if role is not None else None
    if new_role is not None and new_role != before_role:
        _refuse_role_change(user=user, actor=actor, role=new_role)
    with transaction.atomic():
        for name, (_, value) in changed.items():
            setattr(user, name, value)
        if changed:
            user.full_clean(exclude=["password", "username"])
            user.save(update_fields=list(changed))
        details: dict = {name: values for name, values in changed.items()}
        if new_role is not None and new_role != before_role:
            user_set_role(user=user, role=new_role)
            details["role"] = [before_role.value if before_role else None, new_role.value]
        if details:
            audit_record(
                action="user.update",
                actor=actor,
                audit=audit,
                target_type="user",
                target_id=user.pk,
                details={"user": user.get_username(), **details},
            )
    return list(details)


def _refuse_role_change(*, user, actor, role: Role) -> None:
    if user.pk == actor.pk and role != Role.ADMIN:
        raise UserChangeRefused(OWN_ADMIN_ROLE_REASON)
    if user.is_superuser:
        raise UserChangeRefused(SUPERUSER_ROLE_REASON)


def user_set_active(*, user, active: bool, actor, audit: AuditContext) -> bool:
    """Deactivate (or reactivate) a user. Users are never deleted: the audit trail keeps
    their history. A deactivated user cannot sign in and their API tokens stop working.
    Returns whether anything changed."""
    if not active and user.pk == actor.pk:
        raise UserChangeRefused(SELF_DEACTIVATION_REASON)
    if user.is_active == active:
        return False
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(
            action="user.activate" if active else "user.deactivate",
            actor=actor,
            audit=audit,
            target_type="user",
            target_id=user.pk,
            details={"user": user.get_username()},
        )
    return True


@sensitive_variables("password")
def user_set_password(*, user, password: str, actor, audit: AuditContext) -> None:
    """An admin sets someone's password (validated like any other)."""
    password_validation.validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(
            action="user.password_set",
            actor=actor,
            audit=audit,
            target_type="user",
            target_id=user.pk,
            details={"user": user.get_username()},
        )


def email_configured() -> bool:
    """Mail goes out only when EMAIL_URL is set (settings); without it none is sent."""
    return bool(settings.EMAIL_HOST)


class _SetPasswordLinkForm(PasswordResetForm):
    """Django's password-reset mail, for one chosen user: also one who has no password yet
    (the stock form mails only users with a usable one, by e-mail address)."""

    def __init__(self, *, user, **kwargs) -> None:
        super().__init__(data={"email": user.email}, **kwargs)
        self.user = user

    def get_users(self, email):
        return [self.user] if self.user.is_active and self.user.email else []


def user_send_password_link(
    *, user, actor, audit: AuditContext, domain: str, use_https: bool
) -> None:
    """E-mail `user` a link to set their password (Django's password-reset machinery: a
    token that works once and expires after PASSWORD_RESET_TIMEOUT). `domain` is the host
    the link names: the one the admin's request came to."""
    if not email_configured():
        raise UserChangeRefused(
            "No e-mail can be sent: EMAIL_URL is not set. Set a password for them instead."
        )
    if not user.email:
        raise UserChangeRefused(f"{user.get_username()} has no e-mail address; add one first.")
    if not user.is_active:
        raise UserChangeRefused(f"{user.get_username()} is deactivated; reactivate them first.")
    form = _SetPasswordLinkForm(user=user)
    form.is_valid()
    form.save(
        domain_override=domain,
        use_https=use_https,
        subject_template_name="accounts/emails/set_password_subject.txt",
        email_template_name="accounts/emails/set_password.txt",
        extra_email_context={"invited_by": actor.get_full_name() or actor.get_username()},
    )
    audit_record(
        action="user.password_link",
        actor=actor,
        audit=audit,
        target_type="user",
        target_id=user.pk,
        details={"user": user.get_username()},
    )
