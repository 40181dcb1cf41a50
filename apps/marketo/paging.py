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
    """Lead-database paging: follow `nextPageToken` while `moreResult` is true
    (help/rest-api/paging-tokens.md). Yields each page's `result` list."""
    params = dict(params or {})
    while True:
        envelope = client.get(path, params)
        yield envelope.get("result", [])
        token = envelope.get("nextPageToken")
        if not envelope.get("moreResult") or not token:
            return
        params["nextPageToken"] = token
