from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from apps.assets.labels import (
    STATUS_HINTS,
    STEP_LABELS,
    STEP_STATES,
    status_label,
    type_label,
)

register = template.Library()

STATUS_CLASSES = {
    "approved": "badge-ok",
    "draft": "badge-warn",
    "approved_with_draft": "badge-warn",
    "active": "badge-ok",
    "on": "badge-ok",
}


@register.simple_tag
def type_badge(asset_type: str, label: str = ""):
    """The asset's type as a small badge in words ("Email", "Landing page"), never a code."""
    return format_html(
        '<span class="type-badge type-{}">{}</span>', asset_type, label or type_label(asset_type)
    )


# The tag's former name, for templates outside this app that may still load it.
register.simple_tag(type_badge, name="type_icon")


@register.simple_tag
def status_badge(status: str):
    if not status:
        return mark_safe('<span class="muted">—</span>')
    hint = STATUS_HINTS.get(status)
    return format_html(
        '<span class="badge {}" data-status="{}"{}>{}</span>',
        STATUS_CLASSES.get(status, ""),
        status,
        format_html(' title="{}"', hint) if hint else "",
        status_label(status),
    )


@register.filter
def step_label(step: str) -> str:
    return STEP_LABELS.get(step, step.replace("_", " ").capitalize())


@register.filter
def step_state(state: str) -> str:
    return STEP_STATES.get(state, str(state).capitalize())


@register.simple_tag
def asset_url(instance_id, asset):
    return reverse("assets_detail", args=[instance_id, asset.asset_type, asset.marketo_id])


@register.simple_tag
def folder_url(instance_id, folder):
    return reverse("assets_folder", args=[instance_id, folder.kind_slug, folder.marketo_id])


@register.filter
def lookup(mapping, key):
    return mapping.get(key, []) if mapping else []
