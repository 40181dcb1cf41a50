"""What the base layout shows on every page: the menu, the instance switcher and the banner
of open alerts.

Each is read at most once per request, and only when a template uses it. An htmx request
renders a fragment without the layout (a poll every second or two, a table sorted in
place), so it gets none of them.
"""

from functools import cached_property

from django.utils.functional import SimpleLazyObject

from apps.accounts.selectors import profile_get
from apps.alerts.selectors import banner_alerts
from apps.instances.models import MarketoInstance
from apps.instances.selectors import current_instance
from apps.site.navigation import menu_for
from marketo_admin import __version__


def shell(request):
    context = {
        "app_version": __version__,
        "current_section": request.path.strip("/").split("/", 1)[0],
    }
    htmx = getattr(request, "htmx", None)
    # Restoring history after a cache miss asks for the whole page, layout included.
    if htmx and not htmx.history_restore_request:
        return context
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {**context, "menu": []}
    layout = _layout_of(request, user)
    return {
        **context,
        "menu": SimpleLazyObject(lambda: layout.menu),
        "switcher_instances": SimpleLazyObject(lambda: layout.switcher[0]),
        "current_instance": SimpleLazyObject(lambda: layout.switcher[1]),
        "banner_alerts": SimpleLazyObject(lambda: layout.banner_alerts),
    }


def _layout_of(request, user) -> "_Layout":
    # Kept on the request: a view that renders several templates reads each part once.
    layout = getattr(request, "_site_layout", None)
    if layout is None or layout.user is not user:
        layout = request._site_layout = _Layout(user)
    return layout


class _Layout:
    def __init__(self, user):
        self.user = user

    @cached_property
    def menu(self):
        return menu_for(self.user)

    @cached_property
    def switcher(self):
        """(the instances to switch between, the current one)"""
        user = self.user
        visible = MarketoInstance.objects.visible_to(user).filter(enabled=True).only("name")
        instances = list(visible)
        current = current_instance(user=user, profile=profile_get(user=user)) if instances else None
        return instances, current

    @cached_property
    def banner_alerts(self):
        return banner_alerts(user=self.user)
