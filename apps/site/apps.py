from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The layer above the domain apps: what needs several of them at once."""

    name = "apps.site"
    label = "site"
    verbose_name = "Site"
