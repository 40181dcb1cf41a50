"""Reading alert channels for their pages: who may manage which, and each one's recent
deliveries."""

from datetime import timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from apps.alerts.models import Channel, Delivery
from apps.core.permissions import Action, may, require

RECENT_DELIVERIES = 5
FAILURES_DAYS = 7


def may_manage_channel(user, instance) -> bool:
    """A channel of every instance is the admins' (managing instances at all); an instance's
    channel, whoever manages that instance."""
    return may(user, Action.MANAGE_INSTANCES, instance)


def channel_list(*, user) -> list[Channel]:
    """The channels `user` may manage, each with its last deliveries (`recent`) and its
    failed deliveries of the last FAILURES_DAYS days (`failures`)."""
    require(user, Action.MANAGE_INSTANCES)
    since = timezone.now() - timedelta(days=FAILURES_DAYS)
    recent = Delivery.objects.select_related("alert").order_by("-created_at")
    channels = (
        Channel.objects.select_related("instance")
        .annotate(
            failures=Count(
                "deliveries",
                filter=Q(
                    deliveries__status__in=[Delivery.Status.FAILED, Delivery.Status.RETRYING],
                    deliveries__created_at__gte=since,
                ),
            )
        )
        .prefetch_related(
            Prefetch("deliveries", queryset=recent[:RECENT_DELIVERIES], to_attr="recent_deliveries")
        )
    )
    return [channel for channel in channels if may_manage_channel(user, channel.instance)]


def channel_get(*, user, pk: int) -> Channel:
    """The channel, if `user` may manage it (404 when it does not exist, 403 otherwise)."""
    channel = Channel.objects.select_related("instance").filter(pk=pk).first()
    if channel is None:
        raise Http404("No such channel.")
    require(user, Action.MANAGE_INSTANCES, channel.instance)
    return channel


def channel_deliveries(channel: Channel, limit: int = 20) -> QuerySet[Delivery]:
    return channel.deliveries.select_related("channel", "alert").order_by("-created_at")[:limit]
