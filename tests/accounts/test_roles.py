import pytest
from django.contrib.auth.models import Group

from apps.accounts.services import user_set_role
from apps.core.permissions import ROLE_ACTIONS, Action, Role, may, user_role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_migration_creates_one_group_per_role_with_its_permissions():
    for role in Role:
        group = Group.objects.get(name=role.value)
        codenames = set(
            group.permissions.filter(content_type__app_label="accounts").values_list(
                "codename", flat=True
            )
        )
        assert codenames == set(ROLE_ACTIONS[role])


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.ADMIN, set(Action.values)),
        (
            Role.OPERATOR,
            {"view_instances", "lookup_leads", "browse_assets", "manage_assets", "view_usage"},
        ),
        (Role.VIEWER, {"view_instances", "browse_assets", "view_usage"}),
    ],
)
def test_may_allows_exactly_what_the_role_holds(role, allowed):
    user = UserFactory(role=role)
    assert {action for action in Action.values if may(user, action)} == allowed


def test_a_user_without_a_role_may_do_nothing():
    user = UserFactory()
    assert user_role(user) is None
    assert not any(may(user, action) for action in Action.values)


def test_a_deactivated_user_may_do_nothing():
    user = UserFactory(role=Role.ADMIN)
    user.is_active = False
    user.save()
    assert not may(user, Action.VIEW_AUDIT)


def test_setting_a_role_replaces_the_previous_one_and_gives_admins_the_admin_site():
    user = UserFactory(role=Role.VIEWER)
    user_set_role(user=user, role=Role.ADMIN)
    user.refresh_from_db()
    assert list(user.groups.values_list("name", flat=True)) == ["admin"]
    assert user.is_staff
    user_set_role(user=user, role=Role.OPERATOR)
    user.refresh_from_db()
    assert list(user.groups.values_list("name", flat=True)) == ["operator"]
    assert not user.is_staff
