"""Alert channels and deliveries in words, for the channel pages and the deliveries partial
that the alert page includes."""

from django import template

from apps.alerts.channels.formats import EVENT_WORDS
from apps.alerts.delivery import recipient_list
from apps.alerts.models import Channel, Delivery
from apps.core.templatetags.moments import exact_text

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


@register.simple_tag
def delivery_title(delivery: Delivery) -> str:
    """A delivery's event and time, in the viewer's zone, for a badge's hover text."""
    return f"{EVENT_WORDS.get(delivery.event, delivery.event)}, {exact_text(delivery.created_at)}"
