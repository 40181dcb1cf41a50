"""The top navigation: one entry per section, shown only to roles that may use it."""

from dataclasses import dataclass

from django.urls import reverse

from apps.accounts.permissions import Action, may


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    action: Action

    @property
    def url(self):
        return reverse(self.url_name)

    @property
    def section(self):
        return self.url_name.split("_", 1)[0]


MENU = [
    MenuItem("Leads", "leads_home", Action.LOOKUP_LEADS),
    MenuItem("Assets", "assets_home", Action.BROWSE_ASSETS),
    MenuItem("Usage", "usage_home", Action.VIEW_USAGE),
    MenuItem("Instances", "instances_home", Action.VIEW_INSTANCES),
    MenuItem("Audit", "audit_event_list", Action.VIEW_AUDIT),
]


def menu_for(user) -> list[MenuItem]:
    return [item for item in MENU if may(user, item.action)]
