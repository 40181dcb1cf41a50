"""The top navigation: one entry per section, shown only to roles that may use it."""

from dataclasses import dataclass

from django.urls import reverse

from apps.core.permissions import Action, may


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    action: Action
    section: str  # the first segment of the section's paths, to mark the current item
    summary: str  # what the section is for, on the home page

    @property
    def url(self):
        return reverse(self.url_name)


MENU = [
    MenuItem(
        "Leads", "leads_home", Action.LOOKUP_LEADS, "leads", "Find people, one or a list at a time"
    ),
    MenuItem(
        "Assets",
        "assets_home",
        Action.BROWSE_ASSETS,
        "assets",
        "Programs, emails, pages and lists, and their approval",
    ),
    MenuItem("Usage", "usage_home", Action.VIEW_USAGE, "usage", "Who spends each day's API quota"),
    MenuItem(
        "Integrations",
        "integrations_home",
        Action.VIEW_USAGE,
        "integrations",
        "What calls Marketo, who answers for it, and its budget",
    ),
    MenuItem(
        "Alerts",
        "alerts_list",
        Action.VIEW_USAGE,
        "alerts",
        "What needs attention now, and what did",
    ),
    MenuItem(
        "Instances",
        "instance_list",
        Action.VIEW_INSTANCES,
        "instances",
        "Your Marketo instances, their connections and limits",
    ),
    MenuItem("Users", "user_list", Action.MANAGE_USERS, "users", "People, their roles and access"),
    MenuItem("Audit", "audit_event_list", Action.VIEW_AUDIT, "audit", "Who did what, and when"),
]


def menu_for(user) -> list[MenuItem]:
    return [item for item in MENU if may(user, item.action)]
