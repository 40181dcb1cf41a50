"""The families of Marketo's endpoints, as a role's permissions group them (Access API:
Read-Only Lead / Read-Write Lead, Read-Only Assets, Read-Only Activity, Access User
Management Api, ...): what the integration page says an API user "made calls of".

Marketo's API does not list a role's permissions (docs/marketo.md), so the page cannot say
what a role allows; for marketo-admin's own API user it can say what the ledger saw it call.
"""

# The first prefix that matches an endpoint (a path template, as the ledger keeps it) names its
# family.
FAMILIES: list[tuple[str, str]] = [
    ("/rest/asset/", "assets"),
    ("/rest/v1/activities", "activities"),
    ("/rest/v1/stats/", "usage"),
    ("/rest/v1/lead", "leads"),  # lead/{id}.json, leads.json, leads/describe2.json...
    ("/rest/v1/list", "leads"),  # static lists' members are leads
    ("/userservice/", "users"),
]
OTHER = "other"


def family_of(endpoint: str) -> str:
    """'leads', 'assets', 'activities', 'usage', 'users' or 'other'."""
    for prefix, family in FAMILIES:
        if endpoint.startswith(prefix):
            return family
    return OTHER


def families_text(families: list[str]) -> str:
    """["leads", "usage"] -> "lead and usage"; the words the page puts before "calls"."""
    words = [_SINGULAR.get(family, family) for family in families]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


_SINGULAR = {
    "leads": "lead",
    "assets": "asset",
    "activities": "activity",
    "usage": "usage",
    "users": "user management",
    "other": "other",
}
