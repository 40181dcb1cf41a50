"""Alert channels and deliveries in words, for the channel pages and the deliveries partial
that the alert page includes."""

from django import template

from apps.alerts.channels.formats import EVENT_WORDS
from apps.alerts.delivery import recipient_list
from apps.alerts.models import Channel, Delivery

register = template.Library()

BADGES: dict[str, str] = {
    Delivery.Status.SENT: "badge-ok",
    Delivery.Status.RETRYING: "badge-warn",
    Delivery.Status.FAILED: "badge-bad",
}


@register.simple_tag
def event_words(event: str) -> str:
    return EVENT_WORDS.get(event, event)


@register.simple_tag
def delivery_badge(delivery: Delivery) -> str:
    return BADGES.get(delivery.status, "")


@register.simple_tag
def channel_kind(channel: Channel) -> str:
    if channel.kind == Channel.Kind.EMAIL:
        return "E-mail"
    return channel.get_format_display() or "Webhook"


@register.simple_tag
def channel_destination(channel: Channel) -> str:
    """The addresses of an e-mail channel (the first few), the host of a webhook."""
    if channel.kind == Channel.Kind.WEBHOOK:
        return channel.url_hint
    addresses = recipient_list(channel.recipients)
    shown = ", ".join(addresses[:3])
    more = len(addresses) - 3
    return f"{shown} and {more} more" if more > 0 else shown
