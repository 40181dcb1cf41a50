"""Activities (help/rest-api/activities.md, help/rest-api/paging-tokens.md)."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from apps.marketo.client import MarketoClient
from apps.marketo.paging import pages_by_token


def activity_types(client: MarketoClient) -> list[dict[str, Any]]:
    return client.get("/v1/activities/types.json").get("result", [])


def paging_token(client: MarketoClient, *, since: datetime | str) -> str:
    """A token for activities since `since` (an aware datetime or ISO 8601 string)."""
    since_text = since if isinstance(since, str) else since.isoformat()
    return client.get("/v1/activities/pagingtoken.json", {"sinceDatetime": since_text})[
        "nextPageToken"
    ]


def activities(
    client: MarketoClient,
    *,
    next_page_token: str,
    activity_type_ids: list[int],
    lead_ids: list[int] | None = None,
) -> Iterator[dict[str, Any]]:
    params = {
        "nextPageToken": next_page_token,
        "activityTypeIds": ",".join(str(i) for i in activity_type_ids),
    }
    if lead_ids:
        params["leadIds"] = ",".join(str(i) for i in lead_ids)
    for page in pages_by_token(client, "/v1/activities.json", params):
        yield from page


# help/rest-api/activities.md: at most ten activityTypeIds per call.
MAX_ACTIVITY_TYPES = 10


def lead_activities(
    client: MarketoClient,
    *,
    lead_id: int,
    since: datetime | str,
    type_ids: list[int],
    max_pages: int = 5,
) -> tuple[list[dict[str, Any]], bool]:
    """The activities of one lead since `since`, for any number of types (ten per chain of
    calls), at most `max_pages` calls per chain. Returns (rows, complete)."""
    rows: list[dict[str, Any]] = []
    complete = True
    type_ids = sorted(set(type_ids))
    for start in range(0, len(type_ids), MAX_ACTIVITY_TYPES):
        chunk = type_ids[start : start + MAX_ACTIVITY_TYPES]
        params = {
            "nextPageToken": paging_token(client, since=since),
            "activityTypeIds": ",".join(str(i) for i in chunk),
            "leadIds": str(int(lead_id)),
        }
        pages = pages_by_token(client, "/v1/activities.json", params)
        for count, page in enumerate(pages, start=1):
            rows.extend(page)
            if count >= max_pages:
                complete = False  # more may follow; the caller says so
                break
    rows.sort(key=lambda row: row.get("activityDate", ""), reverse=True)
    return rows, complete
