"""What each recorded action is called on our pages: the one table of action labels.

The apps above record their actions as codes ("leads.view", "assets.approve"): codes are
what the API, the CSV export and the filters' query strings carry, and they never change.
People read the words here instead. The table lives in the audit app, not next to each
`audit_record` call, because the audit app sits below every app that records actions and
may import none of them (pyproject.toml, import-linter's layers); a code missing from the
table still reads as words, from the code itself (`readable`), and a test checks that every
code the apps record is in the table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActionLabel:
    """`done` says what happened; `tried` says what was attempted, for an action that can
    end refused or failed (the event's details then name its outcome)."""

    done: str
    tried: str = ""


ACTION_LABELS: dict[str, ActionLabel] = {
    # Signing in and out, and one's own settings (apps.accounts).
    "auth.login": ActionLabel("Signed in"),
    "auth.logout": ActionLabel("Signed out"),
    "auth.login_failed": ActionLabel("Failed to sign in"),
    "auth.locked_out": ActionLabel("Locked out after failed sign-ins"),
    "auth.password_change": ActionLabel("Changed their password"),
    "auth.password_set_by_link": ActionLabel("Set their password from an e-mailed link"),
    "api_token.create": ActionLabel("Created an API token"),
    "api_token.revoke": ActionLabel("Revoked an API token"),
    "profile.update": ActionLabel("Changed their settings"),
    "profile.time_zone_from_browser": ActionLabel("Took their time zone from the browser"),
    # Users, managed by admins (apps.accounts' services, the users pages).
    "user.create": ActionLabel("Created a user"),
    "user.update": ActionLabel("Changed a user"),
    "user.activate": ActionLabel("Reactivated a user"),
    "user.deactivate": ActionLabel("Deactivated a user"),
    "user.password_set": ActionLabel("Set a user's password"),
    "user.password_link": ActionLabel("Sent a user a link to set their password"),
    # Instances (apps.instances).
    "instance.create": ActionLabel("Added an instance"),
    "instance.update": ActionLabel("Changed an instance"),
    "instance.delete": ActionLabel("Deleted an instance"),
    "instance.grant": ActionLabel("Gave a user access to an instance"),
    "instance.revoke": ActionLabel("Took away a user's access to an instance"),
    "instance.test": ActionLabel("Tested an instance's connection"),
    "credentials.rotate": ActionLabel("Re-encrypted the stored client secrets"),
    # Leads (apps.leads).
    "leads.view": ActionLabel("Viewed a lead"),
    "leads.lookup": ActionLabel("Looked up leads"),
    "leads.lookup_cancel": ActionLabel("Cancelled a lead lookup"),
    "leads.lookup_resume": ActionLabel("Resumed a lead lookup"),
    # Assets (apps.assets): an action on one asset is recorded when it ends, however.
    "assets.refresh": ActionLabel("Refreshed an asset", "Tried to refresh an asset"),
    "assets.approve": ActionLabel("Approved an asset", "Tried to approve an asset"),
    "assets.unapprove": ActionLabel("Unapproved an asset", "Tried to unapprove an asset"),
    "assets.clone": ActionLabel("Cloned an asset", "Tried to clone an asset"),
    "assets.sync_requested": ActionLabel("Asked for an asset sync"),
    "assets.sync": ActionLabel("Synced the asset mirror"),
    "assets.sync_failed": ActionLabel("An asset sync failed"),
    "assets.sync_resume": ActionLabel("Resumed an asset sync"),
    # Usage (apps.usage).
    "usage.sync": ActionLabel("Asked for a usage collection"),
    "usage.sync_resume": ActionLabel("Resumed a usage collection"),
    # Before the alert rules (issue 16); the trail keeps these events.
    "usage.alert_threshold": ActionLabel("Changed the quota alert threshold"),
    # Alerts (apps.alerts).
    "alerts.acknowledge": ActionLabel("Acknowledged an alert"),
    "alerts.rule_update": ActionLabel("Changed an alert rule"),
    # Integrations (apps.integrations).
    "integrations.user_sync": ActionLabel("Asked to read the instance's Marketo users"),
    "integrations.create": ActionLabel("Registered an integration"),
    "integrations.update": ActionLabel("Changed an integration"),
    "integrations.delete": ActionLabel("Deleted an integration"),
    "integrations.map": ActionLabel("Mapped an API user to an integration"),
    "integrations.unmap": ActionLabel("Took an API user off an integration"),
    # Alert channels (apps.alerts.channels).
    "alerts.channel_create": ActionLabel("Added an alert channel"),
    "alerts.channel_update": ActionLabel("Changed an alert channel"),
    "alerts.channel_delete": ActionLabel("Deleted an alert channel"),
    "alerts.channel_enable": ActionLabel("Turned an alert channel on"),
    "alerts.channel_disable": ActionLabel("Turned an alert channel off"),
    "alerts.channel_secret_rotate": ActionLabel("Made a new secret for an alert channel"),
    "alerts.channel_test": ActionLabel("Sent a test to an alert channel"),
}

# How an asset action that did not succeed ended, from its details' "outcome".
SUCCEEDED = "succeeded"

# Actions whose details hold each changed value as [before, after].
CHANGE_PAIRS = frozenset(
    {"profile.update", "profile.time_zone_from_browser", "user.update", "integrations.update"}
)


def readable(code: str) -> str:
    """A code as words, for a code the table does not know: "lead.bulk_export" reads
    "Lead bulk export"."""
    words = " ".join(code.replace(".", " ").replace("_", " ").split())
    return words[:1].upper() + words[1:]


def action_label(code: str, details: dict | None = None) -> str:
    """The words for `code`; for an action that did not succeed, what was tried and how it
    ended ("Tried to approve an asset: refused")."""
    label = ACTION_LABELS.get(code)
    if label is None:
        return readable(code)
    outcome = (details or {}).get("outcome") if isinstance(details, dict) else None
    if label.tried and outcome and outcome != SUCCEEDED:
        return f"{label.tried}: {readable(str(outcome)).lower()}"
    return label.done


def details_text(code: str, details) -> list[tuple[str, str]]:
    """An event's details as (words, value) pairs: "munchkin_id" reads "munchkin id", a
    change reads "UTC → Europe/Paris", a list reads as its items."""
    if not isinstance(details, dict):
        return [("details", str(details))] if details else []
    pairs = []
    for key, value in details.items():
        if code in CHANGE_PAIRS and isinstance(value, list) and len(value) == 2:
            text = f"{_value_text(value[0])} → {_value_text(value[1])}"
        else:
            text = _value_text(value)
        pairs.append((readable(str(key)).lower(), text))
    return pairs


def _value_text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_value_text(item) for item in value) or "—"
    return str(value)


def action_choices(codes) -> list[tuple[str, str]]:
    """(code, words) for the given codes, in the order of the words."""
    return sorted(((code, action_label(code)) for code in codes), key=lambda c: c[1].lower())
