"""Usage and error statistics (help/rest-api/usage.md). Marketo keeps only 7 days."""

from datetime import date, datetime
from typing import Any

from apps.marketo.client import MarketoClient
from apps.marketo.governor import CHICAGO

# The usage endpoints need no role permission ("Required Permissions: None" in
# swagger-mapi.json): a refusal can only come from an IP allow-list or the API user.
ROLE_PERMISSIONS = None


def usage_date(value: str) -> date:
    """The quota day a usage or error summary is for.

    usage.md ("Response fields") writes `date` as `YYYY-MM-DD`; swagger-mapi.json types
    `UsageData.date` and `ErrorsData.date` as date-times, so both are read. The day
    Marketo counts in is the quota day, which starts at 12:00 AM Central
    (help/rest-api/rest-api.md, "Daily quota"; marketo-integration-best-practices.md):
    a date-time with an offset is an instant, and names the Central day it falls in, so
    "2015-10-17T05:00:00Z" (midnight in Chicago, written in UTC as Marketo writes its
    instants) and "2015-10-18T03:00:00Z" (evening in Chicago) both mean 17 October, where
    the date written in UTC would say the 18th for the second. A date-time without an
    offset is Marketo's own (Central) clock: its date as written.
    Raises ValueError for anything else.
    """
    text = value.strip()
    if len(text) == 10:
        return date.fromisoformat(text)
    moment = datetime.fromisoformat(text.replace("Z+0000", "Z"))
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(CHICAGO).date()


def usage_today(client: MarketoClient) -> list[dict[str, Any]]:
    return client.get("/v1/stats/usage.json").get("result", [])


def usage_last_7_days(client: MarketoClient) -> list[dict[str, Any]]:
    return client.get("/v1/stats/usage/last7days.json").get("result", [])


def errors_today(client: MarketoClient) -> list[dict[str, Any]]:
    return client.get("/v1/stats/errors.json").get("result", [])


def errors_last_7_days(client: MarketoClient) -> list[dict[str, Any]]:
    return client.get("/v1/stats/errors/last7days.json").get("result", [])
