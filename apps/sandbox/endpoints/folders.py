"""Folders, folder content and program tokens (folders.md, tokens.md)."""

from __future__ import annotations

from apps.sandbox.endpoints.paging import page
from apps.sandbox.envelope import MarketoError, asset_body, blank
from apps.sandbox.seed.assets import KINDS

PREFIX = "/rest/asset/v1"


def register(router) -> None:
    router.add("GET", f"{PREFIX}/folders.json", browse)
    router.add("GET", f"{PREFIX}/folder/{{id}}.json", by_id)
    router.add("GET", f"{PREFIX}/folder/byName.json", by_name)
    router.add("GET", f"{PREFIX}/folder/{{id}}/content.json", content)
    router.add("GET", f"{PREFIX}/folder/{{id}}/tokens.json", tokens)


def folder_type(value: str | None, name: str) -> str:
    if not value:
        raise blank(name)
    kind = value.strip().title()
    if kind not in ("Folder", "Program"):
        raise MarketoError("1003", f"Invalid {name} '{value}', use Folder or Program")
    return kind


def _tree(instance, root, depth: int, workspace: str | None, out: list) -> None:
    record = instance.assets.folders[root]
    if not workspace or record["workspace"] == workspace:
        out.append(record)
    if depth <= 0:
        return
    for key in instance.assets.children(root):
        if key in instance.assets.folders:
            _tree(instance, key, depth - 1, workspace, out)


def browse(instance, request, **_):
    """folders.md: root (embedded JSON), maxDepth (default 2), workSpace, offset, maxReturn."""
    depth = request.int_param("maxDepth", 2)
    root = request.json_param("root")
    workspace = request.param("workSpace")
    store = instance.assets
    if root:
        key = (folder_type(root.get("type", "Folder"), "root type"), int(root.get("id") or 0))
        if key not in store.folders:
            return asset_body([])
        roots = [key]
    else:
        roots = [
            key for key, meta in store.meta.items() if key in store.folders and meta.parent is None
        ]
    rows: list = []
    for key in roots:
        _tree(instance, key, depth, workspace, rows)
    return asset_body(page(request, rows))


def by_id(instance, request, id: str, **_):
    kind = folder_type(request.param("type"), "type")
    record = instance.assets.folders.get((kind, int(id)))
    return asset_body([record] if record else [])


def by_name(instance, request, **_):
    name = request.param("name")
    if not name:
        raise blank("name")
    kind = request.param("type")
    kind = folder_type(kind, "type") if kind else None
    workspace = request.param("workSpace") or request.param("workspace")
    rows = [
        record
        for (folder_kind, _), record in instance.assets.folders.items()
        if record["name"] == name
        and (kind is None or folder_kind == kind)
        and (not workspace or record["workspace"] == workspace)
    ]
    return asset_body(rows)


def content(instance, request, id: str, **_):
    kind = folder_type(request.param("type"), "type")
    key = (kind, int(id))
    store = instance.assets
    if key not in store.folders:
        raise MarketoError("702", f"{kind} id {id} not found")
    rows = []
    for child in store.children(key):
        if child in store.folders:
            rows.append({"id": child[1], "type": child[0]})
        else:
            rows.append({"id": child[1], "type": KINDS[child[0]][0]})
    return asset_body(page(request, rows))


def tokens(instance, request, id: str, **_):
    kind = folder_type(request.param("folderType") or "Folder", "folderType")
    key = (kind, int(id))
    store = instance.assets
    if key not in store.folders:
        return asset_body([])
    url = store.folders[key]["url"] or f"{store.host}/#MF{id}"
    found = [{**token, "computedUrl": url} for token in store.tokens.get(key, [])]
    # tokens.md shows folder as {"type", "value"}; the Swagger file says a string.
    return asset_body([{"folder": {"type": kind, "value": int(id)}, "tokens": found}])
