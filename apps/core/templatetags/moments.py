"""Moments on our pages, in the viewer's time zone with the zone shown.

`{% moment value %}` is the exact time ("1 Dec 2026, 14:05 CET"); `{% ago value %}` is
the recent past in words ("3 min ago", "just now") with the exact time on hover. Both are
<time> elements, so the machine-readable instant is always in the page. The zone is the
one UserTimezoneMiddleware activated for the viewer.
"""

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.timesince import timesince

register = template.Library()

EXACT = "j M Y, H:i T"
JUST_NOW_SECONDS = 60


def exact_text(value) -> str:
    return date_format(timezone.localtime(value), EXACT)


@register.simple_tag
def moment(value, empty="—"):
    if not value:
        return empty
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.isoformat(),
        timezone.get_current_timezone_name(),
        exact_text(value),
    )


@register.simple_tag
def ago(value, empty="never"):
    if not value:
        return empty
    seconds = (timezone.now() - value).total_seconds()
    if abs(seconds) < JUST_NOW_SECONDS:
        words = "just now"
    elif seconds > 0:
        # timesince's two units ("2 hours, 5 minutes") read as noise on a busy page.
        words = f"{timesince(value, depth=1)} ago"
    else:
        words = f"in {timesince(timezone.now(), value, depth=1)}"
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', value.isoformat(), exact_text(value), words
    )
