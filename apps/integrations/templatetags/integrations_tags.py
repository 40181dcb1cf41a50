"""{% unassigned_notice instance %}: the notice that some of the instance's API users belong
to no integration, for the usage pages. They belong to apps/usage, which sits below the
registry and may not read it (import-linter's layers); a template tag lets their template
show what the registry knows while usage's Python imports nothing of it."""

from django import template

from apps.integrations.selectors import unassigned_api_users

register = template.Library()


@register.inclusion_tag("integrations/partials/unassigned_notice.html")
def unassigned_notice(instance) -> dict:
    return {"unassigned": unassigned_api_users(instance=instance)}
