"""Asset API: folders and every asset type, browsed with offset/maxReturn
(help/rest-api/assets.md and the page of each type)."""

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, NamedTuple

from apps.marketo.client import MarketoClient
from apps.marketo.errors import NotFound
from apps.marketo.paging import NO_ASSETS_WARNING

# What the API user's role needs ("Required Permissions" in swagger-asset.json), the least
# first: to read, to change (clone), and to approve or unapprove.
READ_PERMISSIONS = ("Read-Only Assets", "Read-Write Assets")
WRITE_PERMISSIONS = ("Read-Write Assets",)
APPROVE_PERMISSIONS = ("Approve Assets",)

# Asset type -> the browse endpoint that lists every asset of that type.
BROWSE_PATHS = {
    "program": "/asset/v1/programs.json",
    "email": "/asset/v1/emails.json",
    "landing_page": "/asset/v1/landingPages.json",
    "form": "/asset/v1/forms.json",
    "snippet": "/asset/v1/snippets.json",
    "smart_campaign": "/asset/v1/smartCampaigns.json",
    "smart_list": "/asset/v1/smartLists.json",
    "static_list": "/asset/v1/staticLists.json",
    "email_template": "/asset/v1/emailTemplates.json",
    "landing_page_template": "/asset/v1/landingPageTemplates.json",
    "file": "/asset/v1/files.json",
}
# Asset type -> the path segment of its by-id endpoint (and of its actions).
SINGULAR_PATHS = {
    "program": "program",
    "email": "email",
    "landing_page": "landingPage",
    "form": "form",
    "snippet": "snippet",
    "smart_campaign": "smartCampaign",
    "smart_list": "smartList",
    "static_list": "staticList",
    "email_template": "emailTemplate",
    "landing_page_template": "landingPageTemplate",
    "file": "file",
}
# Types with draft/approved versions, and the path segment of their by-id endpoints.
APPROVABLE = {"email": "email", "landing_page": "landingPage", "form": "form", "snippet": "snippet"}
# Types whose clone endpoint the product offers (programs.md, emails.md: name + folder).
CLONEABLE = {"program": "program", "email": "email"}
# Browse endpoints that take earliestUpdatedAt (programs.md, emails.md, smart-campaigns.md,
# smart-lists.md, static-lists.md); the others are browsed whole on every pass.
UPDATED_SINCE_TYPES = frozenset({"program", "email", "smart_campaign", "smart_list", "static_list"})


def folder_tokens(
    client: MarketoClient, folder_id: int, *, folder_type: str = "Folder"
) -> list[dict[str, Any]]:
    result = client.get(
        f"/asset/v1/folder/{int(folder_id)}/tokens.json", {"folderType": folder_type}
    )
    tokens: list[dict[str, Any]] = (result.get("result") or [{}])[0].get("tokens", [])
    return tokens


def asset_get(
    client: MarketoClient, asset_type: str, asset_id: int, *, status: str = ""
) -> dict[str, Any] | None:
    """One asset by id, or None when Marketo has no such asset (an empty result or 702).

    Without `status`, an approved asset answers its approved version; `status="draft"`
    asks for its draft, which an approved asset has only when edited since (emails.md
    "By ID" and "Preview Email", snippets.md "Query"): None then means no draft."""
    path = f"/asset/v1/{SINGULAR_PATHS[asset_type]}/{int(asset_id)}.json"
    params = {"status": status} if status else None
    try:
        result = client.get(path, params).get("result")
    except NotFound:
        return None
    return result[0] if result else None


def asset_by_name(
    client: MarketoClient, asset_type: str, name: str, *, folder: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The assets of that exact name (programs.md, emails.md "By Name"); emails and most
    other types narrow the search to a folder. Snippets have no by-name call (snippets.md)."""
    params: dict[str, Any] = {"name": name}
    if folder is not None and asset_type != "program":
        params["folder"] = _folder_ref(folder)
    path = f"/asset/v1/{SINGULAR_PATHS[asset_type]}/byName.json"
    try:
        rows: list[dict[str, Any]] = client.get(path, params).get("result") or []
    except NotFound:
        return []
    return [row for row in rows if row.get("name") == name]


def updated_since_param(moment: datetime) -> str:
    """ISO-8601 without milliseconds, as smart-campaigns.md asks for earliestUpdatedAt."""
    return moment.replace(microsecond=0).isoformat()


def asset_approve(client: MarketoClient, asset_type: str, asset_id: int) -> dict[str, Any]:
    return _action(client, asset_type, asset_id, "approveDraft")


def asset_unapprove(client: MarketoClient, asset_type: str, asset_id: int) -> dict[str, Any]:
    return _action(client, asset_type, asset_id, "unapprove")


def asset_clone(
    client: MarketoClient, asset_type: str, asset_id: int, *, name: str, folder: dict[str, Any]
) -> dict[str, Any]:
    path = f"/asset/v1/{CLONEABLE[asset_type]}/{int(asset_id)}/clone.json"
    result = client.post(path, data={"name": name, "folder": _folder_ref(folder)}).get("result")
    return result[0] if result else {}


def _action(client: MarketoClient, asset_type: str, asset_id: int, action: str) -> dict[str, Any]:
    path = f"/asset/v1/{APPROVABLE[asset_type]}/{int(asset_id)}/{action}.json"
    result = client.post(path).get("result")
    return result[0] if result else {}


def _folder_ref(folder: dict[str, Any]) -> str:
    return json.dumps({"id": int(folder["id"]), "type": folder.get("type", "Folder")})


class BrowsePage(NamedTuple):
    """One call of an asset browse. `last`: no call follows. `end`: the answer was the
    documented end of the list; a browse that stops for any other reason did not see every
    asset, and a full pass must not delete what it did not see."""

    offset: int
    rows: list[dict[str, Any]]
    last: bool
    end: bool


def browse_pages(
    client: MarketoClient, path: str, params: dict[str, Any] | None = None, *, start: int = 0
) -> Iterator[BrowsePage]:
    """Asset-API paging by offset, resumable: starts at offset `start` and yields a
    BrowsePage for every call made, so a caller can checkpoint each page.

    The end of the list is an answer with no `result` and the warning "No assets found for
    the given search criteria." (emails.md, "Query"). A page shorter than maxReturn is NOT
    the end: browse leaves out rows it never returns (emails.md: the email of an email
    program that uses A/B testing), and the offset counts positions, not rows returned, so
    a short page can have more after it. The price is one call per browse past the last
    rows (the end answer).
    """
    offset = max(int(start), 0)
    while True:
        envelope = client.get(path, {**(params or {}), "maxReturn": MAX_RETURN, "offset": offset})
        rows = envelope.get("result") or []
        if not rows:
            # Without the warning an empty page is not the documented end: stop (no call
            # would tell more) but say so, and the caller keeps what it did not see.
            end = NO_ASSETS_WARNING in (envelope.get("warnings") or [])
            yield BrowsePage(offset, [], True, end)
            return
        yield BrowsePage(offset, rows, False, False)
        offset += MAX_RETURN


FOLDERS_PATH = "/asset/v1/folders.json"
# folders.md: maxDepth counts levels below root (default 2); the whole tree in one pass.
FOLDER_MAX_DEPTH = 50
MAX_RETURN = 200  # assets.md: "maxReturn ... has a maximum of 200"
