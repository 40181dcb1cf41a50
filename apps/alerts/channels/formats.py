"""What a delivery says, in each channel's format: our own JSON (documented in
docs/alerts.md), a Slack message, a Microsoft Teams card, and an e-mail.

Times go out in UTC and US Central (the zone of Marketo's quota day) unless the reader is a
user of ours with a zone, as in the quota e-mail. Links need SITE_URL, the address people
open marketo-admin at: a worker has no request to take it from.
"""

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from apps.alerts.models import Alert, AlertEvent, Channel, Delivery

UTC = ZoneInfo("UTC")
CENTRAL = ZoneInfo("America/Chicago")
SCHEMA = "marketo-admin.alert.v1"
TEST = "test"
EVENT_WORDS = {**dict(AlertEvent.Kind.choices), TEST: "Test"}


@dataclass(frozen=True)
class Message:
    """One delivery's content, before it takes a channel's format."""

    event: str
    channel: Channel
    alert: Alert | None
    at: datetime  # when it is composed

    @property
    def is_test(self) -> bool:
        return self.alert is None

    @property
    def instance_name(self) -> str:
        if self.alert is None:
            return ""
        return self.alert.instance.name if self.alert.instance else "The deployment"

    @property
    def headline(self) -> str:
        if self.alert is None:
            return f"Test message from marketo-admin to the channel “{self.channel.name}”"
        return f"{EVENT_WORDS.get(self.event, self.event)}: {self.alert.title}"

    @property
    def text(self) -> str:
        if self.alert is None:
            return (
                "This channel works: alerts will reach it. Nothing needs attention; an admin"
                " pressed “Send a test” on its page."
            )
        return self.alert.summary

    @property
    def link(self) -> str:
        """The alert's page (a test: the channel's), absolute when SITE_URL is set."""
        if self.alert is None:
            path = reverse("alerts_channel_detail", kwargs={"pk": self.channel.pk})
        else:
            try:
                path = reverse("alerts_detail", kwargs={"pk": self.alert.pk})
            except NoReverseMatch:  # the alert pages are not mounted (a partial deployment)
                path = ""
        base = settings.SITE_URL.rstrip("/")
        return f"{base}{path}" if base and path else path

    def fact_rows(self) -> list[tuple[str, str]]:
        facts = self.alert.facts if self.alert is not None else {}
        if not isinstance(facts, dict):
            return []
        return [(_label(key), _value(value)) for key, value in facts.items()]

    def moments(self, zone: tzinfo | None = None) -> list[tuple[str, str]]:
        """(label, time in words) of the alert's fired, acknowledged and resolved times."""
        if self.alert is None:
            return [("Sent", moment_text(self.at, zone))]
        rows = [("Fired", moment_text(self.alert.fired_at, zone))]
        if self.alert.acknowledged_at:
            rows.append(("Acknowledged", moment_text(self.alert.acknowledged_at, zone)))
        if self.alert.resolved_at:
            rows.append(("Resolved", moment_text(self.alert.resolved_at, zone)))
        return rows


def message_for(delivery: Delivery, at: datetime) -> Message:
    return Message(event=delivery.event, channel=delivery.channel, alert=delivery.alert, at=at)


def moment_text(moment: datetime, zone: tzinfo | None = None) -> str:
    """ "Tue 01 Dec 2026 14:05 CET" in the reader's zone; without one, UTC with Central."""
    if zone is not None:
        local = moment.astimezone(zone)
        return f"{local:%a %d %b %Y %H:%M} {local.tzname()}"
    utc, central = moment.astimezone(UTC), moment.astimezone(CENTRAL)
    return f"{utc:%a %d %b %Y %H:%M} UTC ({central:%H:%M} {central.tzname()}, US Central)"


def _label(key: Any) -> str:
    words = str(key).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


# --- Our JSON -------------------------------------------------------------------------------
def json_body(message: Message) -> dict[str, Any]:
    """The documented schema (docs/alerts.md, "The JSON webhook"): change it only with a new
    SCHEMA name, receivers parse it."""
    alert = message.alert
    body: dict[str, Any] = {
        "schema": SCHEMA,
        "event": message.event,
        "test": message.is_test,
        "sent_at": _iso(message.at),
        "channel": {"id": message.channel.pk, "name": message.channel.name},
        "text": message.headline,
        "url": message.link or None,
        "alert": None,
        "instance": None,
    }
    if alert is None:
        return body
    body["alert"] = {
        "id": alert.pk,
        "kind": alert.kind,
        "kind_label": alert.get_kind_display(),
        "subject": alert.subject,
        "state": alert.state,
        "severity": alert.severity,
        "title": alert.title,
        "summary": alert.summary,
        "facts": alert.facts,
        "fired_at": _iso(alert.fired_at),
        "acknowledged_at": _iso(alert.acknowledged_at),
        "resolved_at": _iso(alert.resolved_at),
        "url": message.link or None,
    }
    if alert.instance is not None:
        body["instance"] = {"id": alert.instance.pk, "name": alert.instance.name}
    return body


# --- Slack ----------------------------------------------------------------------------------
# An incoming webhook takes a message's `text` (the notification's words, and what clients
# without blocks show) and its Block Kit `blocks`; a header's text is plain and at most 150
# characters, a section's mrkdwn at most 3,000, a section at most 10 fields.
# https://api.slack.com/messaging/webhooks, https://api.slack.com/reference/block-kit/blocks
def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_body(message: Message) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(message.headline, 150)}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": _cut(_slack_escape(message.text), 3000)},
        },
    ]
    fields = [(label, value) for label, value in message.fact_rows()]
    if message.instance_name:
        fields.insert(0, ("Instance", message.instance_name))
    if message.alert is not None:
        fields.insert(1, ("Severity", message.alert.get_severity_display()))
    if fields:
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {
                        "type": "mrkdwn",
                        "text": _cut(f"*{_slack_escape(label)}*\n{_slack_escape(value)}", 2000),
                    }
                    for label, value in fields[:10]
                ],
            }
        )
    context = [f"{label}: {text}" for label, text in message.moments()]
    if message.link.startswith("http"):
        context.append(f"<{message.link}|Open in marketo-admin>")
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]}
    )
    return {"text": message.headline, "blocks": blocks}


# --- Microsoft Teams ------------------------------------------------------------------------
# Teams' incoming webhooks and the Workflows app's "post to a channel when a webhook request
# is received" take a message whose attachment is an Adaptive Card (Workflows takes no
# MessageCard). https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
# ("Send Adaptive Cards using an Incoming Webhook"); the card's elements:
# https://adaptivecards.io/explorer/
def teams_body(message: Message) -> dict[str, Any]:
    color = "Default"
    if message.alert is not None:
        if message.event == AlertEvent.Kind.RESOLVED:
            color = "Good"
        elif message.alert.severity == Alert.Severity.CRITICAL:
            color = "Attention"
        else:
            color = "Warning"
    facts = message.fact_rows()
    if message.instance_name:
        facts.insert(0, ("Instance", message.instance_name))
    facts.extend(message.moments())
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": message.headline,
                "weight": "Bolder",
                "size": "Medium",
                "color": color,
                "wrap": True,
            },
            {"type": "TextBlock", "text": message.text, "wrap": True},
            {
                "type": "FactSet",
                "facts": [{"title": label, "value": value} for label, value in facts],
            },
        ],
    }
    if message.link.startswith("http"):
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": "Open in marketo-admin", "url": message.link}
        ]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


WEBHOOK_BODIES = {
    Channel.Format.JSON: json_body,
    Channel.Format.SLACK: slack_body,
    Channel.Format.TEAMS: teams_body,
}


# --- E-mail ---------------------------------------------------------------------------------
def email_subject(message: Message) -> str:
    # The rules' titles name their instance already ("Production: 85% of ...").
    return f"[marketo-admin] {message.headline}"


def email_text(message: Message, zone: tzinfo | None) -> str:
    """The body for one reader: times in `zone` (theirs), or UTC with Central."""
    lines = [message.headline, "", message.text, ""]
    if message.instance_name:
        lines.append(f"Instance: {message.instance_name}")
    if message.alert is not None:
        lines.append(f"Severity: {message.alert.get_severity_display()}")
    lines.extend(f"{label}: {value}" for label, value in message.fact_rows())
    lines.extend(f"{label}: {text}" for label, text in message.moments(zone))
    if message.link.startswith("http"):
        lines.extend(["", message.link])
    lines.extend(["", f"You receive this as a recipient of the channel “{message.channel.name}”."])
    return "\n".join(lines) + "\n"
