from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from apps.instances.models import InstanceGrant, MarketoInstance


def user_list() -> QuerySet:
    """Every user, the deactivated ones too (they are kept for the audit trail), with their
    role groups and grants read in two queries."""
    grants = InstanceGrant.objects.select_related("instance").order_by("instance__name")
    return (
        get_user_model()
        .objects.prefetch_related("groups", Prefetch("instance_grants", queryset=grants))
        .order_by("-is_active", "username")
    )


def user_get(*, pk) -> User:
    return get_object_or_404(user_list(), pk=pk)


def grants_by_instance(*, user) -> list[tuple[MarketoInstance, InstanceGrant | None]]:
    """Every instance, with `user`'s grant on it, if any: one row each on the user's page."""
    grants = {grant.instance_id: grant for grant in user.instance_grants.all()}
    return [(instance, grants.get(instance.pk)) for instance in MarketoInstance.objects.all()]
