"""Paging through Marketo's two styles of long answers, as generators.

Generators, so that a caller records its progress (and can stop) page by page.
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


def pages_by_offset(
    client: MarketoClient, path: str, params: dict[str, Any] | None = None, *, max_return: int = 200
) -> Iterator[list[dict[str, Any]]]:
    """Asset-API paging: `offset` and `maxReturn` (at most 200). The page after the last
    one answers success with no `result` and the "No assets found" warning."""
    params = {**(params or {}), "maxReturn": max_return, "offset": 0}
    while True:
        envelope = client.get(path, params)
        rows = envelope.get("result") or []
        if rows:
            yield rows
        if len(rows) < max_return or NO_ASSETS_WARNING in envelope.get("warnings", []):
            return
        params["offset"] += max_return
