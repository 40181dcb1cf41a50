from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

ICONS = {
    "program": "PG",
    "email": "EM",
    "landing_page": "LP",
    "form": "FO",
    "snippet": "SN",
    "smart_campaign": "SC",
    "smart_list": "SL",
    "static_list": "ST",
    "email_template": "ET",
    "landing_page_template": "LT",
    "file": "FI",
}
STATUS_CLASSES = {
    "approved": "badge-ok",
    "draft": "badge-warn",
    "approved_with_draft": "badge-warn",
}


@register.simple_tag
def type_icon(asset_type: str, label: str = ""):
    return format_html(
        '<span class="type-icon type-{}" title="{}" aria-label="{}">{}</span>',
        asset_type,
        label or asset_type,
        label or asset_type,
        ICONS.get(asset_type, "?"),
    )


@register.simple_tag
def status_badge(status: str):
    if not status:
        return mark_safe('<span class="muted">—</span>')
    return format_html(
        '<span class="badge {}">{}</span>',
        STATUS_CLASSES.get(status, ""),
        status.replace("_", " "),
    )


@register.simple_tag
def asset_url(instance_id, asset):
    return reverse("assets_detail", args=[instance_id, asset.asset_type, asset.marketo_id])


@register.simple_tag
def folder_url(instance_id, folder):
    return reverse("assets_folder", args=[instance_id, folder.kind_slug, folder.marketo_id])


@register.filter
def lookup(mapping, key):
    return mapping.get(key, []) if mapping else []
