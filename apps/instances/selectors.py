from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from apps.instances.models import ConnectionTest, MarketoInstance


def instance_list(*, user) -> QuerySet[MarketoInstance]:
    """Instances `user` may see, each with the state and time of its last connection test."""
    last = ConnectionTest.objects.filter(instance=OuterRef("pk")).order_by("-requested_at")
    return (
        MarketoInstance.objects.visible_to(user)
        .annotate(
            last_test_status=Subquery(last.values("status")[:1]),
            last_test_at=Subquery(last.values("requested_at")[:1]),
        )
        .order_by("name")
    )


def instance_get(*, user, pk) -> MarketoInstance:
    """The instance, if `user` may know it exists; 404 otherwise (never 403, which would
    tell them it does)."""
    instance = MarketoInstance.objects.visible_to(user).filter(pk=pk).first()
    if instance is None:
        raise Http404("No such instance.")
    return instance


def current_instance(*, user, profile) -> MarketoInstance | None:
    """The instance the switcher shows: the last one used, else the first visible one.

    The first one is remembered as if chosen: an instance added later, alphabetically
    earlier, must not become the current one without the user knowing.
    """
    visible = MarketoInstance.objects.visible_to(user).filter(enabled=True)
    if profile.last_instance_id:
        instance = visible.filter(pk=profile.last_instance_id).first()
        if instance is not None:
            return instance
    instance = visible.order_by("name").first()
    if instance is not None and profile.pk is not None:
        type(profile).objects.filter(pk=profile.pk).update(last_instance_id=instance.pk)
        profile.last_instance_id = instance.pk
    return instance


def instance_by_name_or_id(name_or_id: str) -> MarketoInstance | None:
    """For operator commands: an instance named so, or with that id."""
    instance = MarketoInstance.objects.filter(name=name_or_id).first()
    if instance is None and name_or_id.isdigit():
        instance = MarketoInstance.objects.filter(pk=int(name_or_id)).first()
    return instance
