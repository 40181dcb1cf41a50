"""Activities (help/rest-api/activities.md, help/rest-api/paging-tokens.md)."""

from apps.marketo.paging import pages_by_token


def activity_types(client) -> list[dict]:
    return client.get("/v1/activities/types.json").get("result", [])


def paging_token(client, *, since) -> str:
    """A token for activities since `since` (an aware datetime or ISO 8601 string)."""
    since_text = since if isinstance(since, str) else since.isoformat()
    return client.get("/v1/activities/pagingtoken.json", {"sinceDatetime": since_text})[
        "nextPageToken"
    ]


def activities(client, *, next_page_token: str, activity_type_ids: list[int], lead_ids=None):
    params = {
        "nextPageToken": next_page_token,
        "activityTypeIds": ",".join(str(i) for i in activity_type_ids),
    }
    if lead_ids:
        params["leadIds"] = ",".join(str(i) for i in lead_ids)
    for page in pages_by_token(client, "/v1/activities.json", params):
        yield from page
