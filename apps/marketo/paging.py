"""Paging through Marketo's two styles of long answers, as generators.

Generators, so that a caller records its progress (and can stop) page by page.
"""

NO_ASSETS_WARNING = "No assets found for the given search criteria."


def pages_by_token(client, path: str, params: dict | None = None):
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


def pages_by_offset(client, path: str, params: dict | None = None, *, max_return: int = 200):
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
