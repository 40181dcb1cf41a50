from django import template
from django.utils.html import format_html

from apps.core.links import web_url

register = template.Library()


@register.simple_tag
def external_link(url, label, *, button=False):
    """A link that opens `url` in a new tab if it is an http(s) address, else plain text.

    Every address Marketo gives us is rendered through here: its records are not ours to
    trust. `button=True` draws the link as a small outlined button.
    """
    safe = web_url(url)
    if safe is None:
        if not url:
            return ""
        return format_html(
            '<span class="unlinked-url" title="Not a web address, so not a link">{}: {}</span>',
            label,
            url,
        )
    if button:
        return format_html(
            '<a href="{}" target="_blank" rel="noopener noreferrer" role="button" '
            'class="secondary outline small">{}</a>',
            safe,
            label,
        )
    return format_html('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', safe, label)
