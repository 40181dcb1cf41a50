"""The words the pages use for asset types, statuses and sync steps: a marketer's words,
never Marketo's codes nor our slugs.

Statuses are grouped by what they apply to, because Marketo uses one `status` member for
three vocabularies:
- approval (assets.md, "Approval"): emails, landing pages, forms, snippets and their
  templates are approved, drafts, or approved with a draft waiting (emails.md);
- smart campaigns (smart-campaigns.md): "Never Run", "Active" (a trigger campaign that
  listens, `isActive`), "Inactive", ...;
- programs (programs.md, "Browse"): engagement programs are `on` or `off`, email programs
  `unlocked` (or locked); other programs have none.
"""

from apps.assets.models import AssetStatus, AssetType

APPROVAL_GROUP = "Approval (emails, pages, forms, snippets, templates)"
CAMPAIGN_GROUP = "Smart campaigns"
ENGAGEMENT_GROUP = "Engagement programs"
EMAIL_PROGRAM_GROUP = "Email programs"

# (group, [(status as the mirror keeps it, label)]), in the order the filter offers them.
STATUS_GROUPS: list[tuple[str, list[tuple[str, str]]]] = [
    (APPROVAL_GROUP, [(status.value, status.label) for status in AssetStatus]),
    (
        CAMPAIGN_GROUP,
        [
            ("active", "Active"),
            ("inactive", "Inactive"),
            ("never run", "Never run"),
            ("single run", "Run once"),
            ("recurring run", "Recurring"),
            ("requested", "Requested"),
            ("invalid", "Invalid"),
        ],
    ),
    (ENGAGEMENT_GROUP, [("on", "On"), ("off", "Off")]),
    (EMAIL_PROGRAM_GROUP, [("unlocked", "Unlocked"), ("locked", "Locked")]),
]
# What a status means, on hover, where Marketo's docs say it: assets.md "Approval",
# smart-campaigns.md (isActive: "active trigger campaigns"), and Marketo's help page "Turn
# an Engagement Program On and Off" (off stops any content from being sent).
STATUS_HINTS = {
    "approved": "The approved version is live; no draft is waiting.",
    "draft": "Not approved: there is no live version.",
    "approved_with_draft": "The approved version is live; a draft of changes awaits approval.",
    "active": "A trigger campaign that is on and listening.",
    "never run": "A campaign that has never run.",
    "on": "The engagement program sends its casts.",
    "off": "The engagement program is off: it sends nothing.",
}
STATUS_LABELS = {status: label for _, choices in STATUS_GROUPS for status, label in choices}
STATUS_GROUP_OF = {status: group for group, choices in STATUS_GROUPS for status, _ in choices}

# The steps of a sync (models.SYNC_STEPS) as the progress table names them.
STEP_LABELS = {
    "folders": "Folders and programs",
    **{value: f"{label}s" for value, label in AssetType.choices},
    "tokens": "My tokens of programs",
}
STEP_STATES = {"waiting": "Waiting", "running": "Reading", "done": "Done"}


def type_label(asset_type: str) -> str:
    try:
        return AssetType(asset_type).label
    except ValueError:
        return asset_type.replace("_", " ").capitalize()


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status) or status.replace("_", " ").capitalize()


def status_groups(
    pairs, *, asset_type: str = "", chosen: str = ""
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The filter's groups for the (asset type, status) pairs the mirror holds, in the
    order of STATUS_GROUPS; with `asset_type`, only the statuses of that type (and the
    `chosen` one, so that the filter in force is always shown)."""
    present: dict[str, set[str]] = {}
    for kind, status in pairs:
        if not status or (asset_type and kind != asset_type and status != chosen):
            continue
        group = STATUS_GROUP_OF.get(status) or f"{type_label(kind)}s"
        present.setdefault(group, set()).add(status)
    groups = []
    for group, choices in STATUS_GROUPS:
        found = present.pop(group, set())
        known = [(status, label) for status, label in choices if status in found]
        others = sorted(found - {status for status, _ in choices})
        if known or others:
            groups.append((group, known + [(status, status_label(status)) for status in others]))
    for group, found in sorted(present.items()):
        groups.append((group, [(status, status_label(status)) for status in sorted(found)]))
    return groups
