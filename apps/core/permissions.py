"""Who may do what: the one place every view and API endpoint asks.

A user has one role, given by membership of the Django group of that name (created by a
migration, with the permissions below). Per-instance grants narrow it further: an operator
works only on the instances granted to them.

It is in core, below every app, because every app's pages ask it, the audit trail's too,
which accounts writes to. The groups and the permissions they hold are accounts': the
permissions are declared on `accounts.Profile` (hence the `accounts.` prefix in `may`).
"""

from django.core.exceptions import PermissionDenied
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    OPERATOR = "operator", "Operator"
    VIEWER = "viewer", "Viewer"


class Action(models.TextChoices):
    VIEW_INSTANCES = "view_instances", "See the instances granted to them"
    MANAGE_INSTANCES = "manage_instances", "Add, edit and delete instances and credentials"
    MANAGE_USERS = "manage_users", "Manage users, roles and grants"
    VIEW_AUDIT = "view_audit", "Read the audit trail"
    LOOKUP_LEADS = "lookup_leads", "Look up leads"
    BROWSE_ASSETS = "browse_assets", "Browse the asset mirror"
    MANAGE_ASSETS = "manage_assets", "Approve, unapprove and clone assets"
    VIEW_USAGE = "view_usage", "Read usage and quota reports"


ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(Action.values),
    Role.OPERATOR: frozenset(
        {
            Action.VIEW_INSTANCES,
            Action.LOOKUP_LEADS,
            Action.BROWSE_ASSETS,
            Action.MANAGE_ASSETS,
            Action.VIEW_USAGE,
        }
    ),
    Role.VIEWER: frozenset({Action.VIEW_INSTANCES, Action.BROWSE_ASSETS, Action.VIEW_USAGE}),
}

# What each action on one asset needs. Every one of them spends a Marketo call, refreshing
# included, so viewers (who only browse the mirror) may start none of them.
ASSET_ACTIONS: dict[str, Action] = {
    "refresh": Action.MANAGE_ASSETS,
    "approve": Action.MANAGE_ASSETS,
    "unapprove": Action.MANAGE_ASSETS,
    "clone": Action.MANAGE_ASSETS,
}

# When someone is (wrongly) in several role groups, the strongest one counts.
ROLE_ORDER = [Role.ADMIN, Role.OPERATOR, Role.VIEWER]


def user_role(user) -> Role | None:
    if not (user and user.is_authenticated and user.is_active):
        return None
    if user.is_superuser:
        return Role.ADMIN
    if not hasattr(user, "_role_cache"):
        names = set(user.groups.values_list("name", flat=True))
        user._role_cache = next((role for role in ROLE_ORDER if role.value in names), None)
    return user._role_cache


def is_admin(user) -> bool:
    return user_role(user) == Role.ADMIN


def may(user, action: Action | str, instance=None) -> bool:
    """May `user` do `action`, on `instance` when one is given?"""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if not user.has_perm(f"accounts.{action}"):
        return False
    if instance is None or is_admin(user):
        return True
    return _granted(user, action, instance)


def require(user, action: Action | str, instance=None) -> None:
    """Raise PermissionDenied (a 403 page, or a JSON 403 in the API) unless `may`."""
    if not may(user, action, instance):
        raise PermissionDenied(f"Your role does not allow this ({Action(action).label.lower()}).")


def instance_role(user, instance) -> Role | None:
    """The role `user` holds on `instance`: admin for admins, else their grant's, if any."""
    if is_admin(user):
        return Role.ADMIN
    cache = user.__dict__.setdefault("_grant_cache", {})
    if instance.pk not in cache:
        grant = instance.grants.filter(user=user).values_list("role", flat=True).first()
        cache[instance.pk] = Role(grant) if grant else None
    return cache[instance.pk]


def _granted(user, action, instance) -> bool:
    # The grant narrows the user's role, never widens it: a viewer granted "operator" on an
    # instance still may not look up leads, because has_perm above already said no.
    role = instance_role(user, instance)
    return role is not None and action in ROLE_ACTIONS[role]
