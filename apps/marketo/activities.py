"""Activities (help/rest-api/activities.md, help/rest-api/paging-tokens.md).

Reading a lead's activities costs one paging-token call for a start date, then pages of
`activities.json`, ten types at a time, oldest first from that date. Marketo's pages can be
short or empty while `moreResult` stays true ("The API can return fewer than 300 activity
items while setting moreResult to true", activities.md, "Query"), so an empty page is not
the end: only `moreResult: false` is. Empty pages are capped apart from pages with rows, so
a quiet stretch of the log cannot use up the budget meant for activities.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from apps.marketo.client import MarketoClient
from apps.marketo.moments import marketo_time

# What the API user's role needs ("Required Permissions" in swagger-mapi.json).
ROLE_PERMISSIONS = ("Read-Only Activity", "Read-Write Activity")

# activities.md, "Query": "Pass up to ten activity type Ids".
MAX_ACTIVITY_TYPES = 10
# activities.md, "Query": leadIds takes up to 30 leads.
MAX_LEADS = 30
MAX_PAGES = 5  # pages with rows, per chunk of types
MAX_EMPTY_PAGES = 5  # pages without rows, per chunk of types, counted apart
UNKNOWN_MOMENT = datetime.min.replace(tzinfo=UTC)


def activity_types(client: MarketoClient) -> list[dict[str, Any]]:
    return client.get("/v1/activities/types.json").get("result", [])


def paging_token(client: MarketoClient, *, since: datetime | str) -> str:
    """A date-based token for activities after `since` (an aware datetime or ISO 8601
    string). It stands for a datetime, not for a query (paging-tokens.md, "Date-Based"), so
    one token serves every chunk of types read from that date."""
    since_text = since if isinstance(since, str) else since.isoformat()
    return client.get("/v1/activities/pagingtoken.json", {"sinceDatetime": since_text})[
        "nextPageToken"
    ]


def type_chunks(type_ids: list[int]) -> list[list[int]]:
    ordered = sorted(set(type_ids))
    return [
        ordered[start : start + MAX_ACTIVITY_TYPES]
        for start in range(0, len(ordered), MAX_ACTIVITY_TYPES)
    ]


def activity_moment(row: dict[str, Any]) -> datetime:
    """A row's activityDate as an aware datetime: "2023-01-16T23:32:19Z" (activities.md,
    "Query") or "2014-09-17T22:31:49+0000" (its "Data value changes" example)."""
    # An unreadable date sorts first: never past `until`, never hidden.
    return marketo_time(row.get("activityDate")) or UNKNOWN_MOMENT


@dataclass
class ActivityRead:
    """What one read found. `complete`: every chunk of types was read to its end (moreResult
    false, or past `until`); otherwise a cap stopped it and more may exist."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = True
    calls: int = 0
    empty_pages: int = 0


def _read_chunk(
    client: MarketoClient,
    params: dict[str, str],
    *,
    until: datetime | None,
    max_pages: int,
    max_empty_pages: int,
    read: ActivityRead,
) -> None:
    pages = empty = 0
    while True:
        envelope = client.get("/v1/activities.json", params)
        read.calls += 1
        rows = envelope.get("result") or []
        if rows:
            pages += 1
        else:
            empty += 1
            read.empty_pages += 1
        # Oldest first (activities.md): a row at or after `until` means the window is read.
        kept = [row for row in rows if until is None or activity_moment(row) < until]
        read.rows.extend(kept)
        token = envelope.get("nextPageToken")
        if len(kept) < len(rows) or not envelope.get("moreResult") or not token:
            return
        if pages >= max_pages or empty >= max_empty_pages:
            read.complete = False
            return
        params = {**params, "nextPageToken": token}


def activities_read(
    client: MarketoClient,
    *,
    next_page_token: str,
    type_ids: list[int],
    lead_ids: list[int] | None = None,
    until: datetime | None = None,
    max_pages: int = MAX_PAGES,
    max_empty_pages: int = MAX_EMPTY_PAGES,
) -> ActivityRead:
    """Activities from one date-based token, ten types per chunk, each chunk starting from
    the same token. `until` (an aware datetime) ends the read at that moment. Rows come in
    Marketo's order per chunk (oldest first)."""
    read = ActivityRead()
    base = {"nextPageToken": next_page_token}
    if lead_ids:
        base["leadIds"] = ",".join(str(int(lead_id)) for lead_id in lead_ids[:MAX_LEADS])
    for chunk in type_chunks(type_ids):
        params = {**base, "activityTypeIds": ",".join(str(i) for i in chunk)}
        _read_chunk(
            client,
            params,
            until=until,
            max_pages=max_pages,
            max_empty_pages=max_empty_pages,
            read=read,
        )
    return read


def lead_activities(
    client: MarketoClient,
    *,
    lead_id: int,
    since: datetime | str,
    type_ids: list[int],
    until: datetime | None = None,
    token: str | None = None,
    max_pages: int = MAX_PAGES,
    max_empty_pages: int = MAX_EMPTY_PAGES,
) -> tuple[list[dict[str, Any]], bool]:
    """The activities of one lead from `since` (to `until`), newest first, with one paging
    token for all its chunks of types (`token`, if the caller has one for `since`).
    Returns (rows, complete)."""
    if not type_ids:
        return [], True
    read = activities_read(
        client,
        next_page_token=token or paging_token(client, since=since),
        type_ids=type_ids,
        lead_ids=[lead_id],
        until=until,
        max_pages=max_pages,
        max_empty_pages=max_empty_pages,
    )
    rows = sorted(read.rows, key=lambda row: row.get("activityDate", ""), reverse=True)
    return rows, read.complete
