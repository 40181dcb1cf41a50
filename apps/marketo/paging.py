"""Paging through Marketo's long answers, as generators, so that a caller records its
progress (and can stop) page by page. The lead database pages by token (here); the Asset
API by offset (`assets.browse_pages`, which also says where to resume).
"""

from collections.abc import Iterator
from typing import Any

from apps.marketo.client import MarketoClient

NO_ASSETS_WARNING = "No assets found for the given search criteria."


def pages_by_token(
    client: MarketoClient, path: str, params: dict[str, Any] | None = None
) -> Iterator[list[dict[str, Any]]]:
    """Lead-database paging: pass each answer's `nextPageToken` to the next call
    (help/rest-api/paging-tokens.md). Yields each page's `result` list.

    Get Leads by Filter Type says `moreResult`; other lead-database endpoints answer a
    `nextPageToken` without it (help/rest-api/leads.md: the examples of Get Programs by
    Lead Id and Programs). So paging goes on while there is a token, and stops when
    `moreResult` is explicitly false, when there is no token, or when a page without
    `moreResult` is empty. A page that says `moreResult: true` is followed even when it is
    empty (activities.md: an activity page may hold no rows and still have more)."""
    params = dict(params or {})
    while True:
        envelope = client.get(path, params)
        page = envelope.get("result") or []
        yield page
        token = envelope.get("nextPageToken")
        more = envelope.get("moreResult")
        if more is False or not token or (more is None and not page):
            return
        params["nextPageToken"] = token
