"""Asset API: browse, by id, by name, approve / unapprove / clone (emails.md,
landing-pages.md, forms.md, snippets.md, smart-campaigns.md, smart-lists.md,
static-lists.md, email-templates.md, landing-page-templates.md, files.md, programs.md)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from apps.sandbox.endpoints import folders
from apps.sandbox.endpoints.paging import page
from apps.sandbox.envelope import MarketoError, asset_body, blank
from apps.sandbox.seed.assets import KINDS, Meta, stamp

# kind -> (browse path, singular path, has byName, approval endpoints)
PATHS = {
    "email": ("emails", "email", True, ("approveDraft", "unapprove", "clone")),
    "landingPage": ("landingPages", "landingPage", True, ("approveDraft", "unapprove", "clone")),
    # forms.md describes unapproving a form, though the Swagger file has no such path.
    "form": ("forms", "form", True, ("approveDraft", "unapprove", "clone")),
    "snippet": ("snippets", "snippet", False, ("approveDraft", "unapprove", "clone")),
    "smartCampaign": ("smartCampaigns", "smartCampaign", True, ()),
    "smartList": ("smartLists", "smartList", True, ()),
    "staticList": ("staticLists", "staticList", True, ()),
    "emailTemplate": ("emailTemplates", "emailTemplate", True, ()),
    "landingPageTemplate": ("landingPageTemplates", "landingPageTemplate", True, ()),
    "file": ("files", "file", True, ()),
    "program": ("programs", "program", True, ("clone",)),
}
# Browse endpoints that take earliestUpdatedAt / latestUpdatedAt (programs.md, emails.md,
# smart-campaigns.md, smart-lists.md, static-lists.md).
UPDATED_RANGE = {"program", "email", "smartCampaign", "smartList", "staticList"}
# These answer only the id (emails.md; the Swagger file for landing pages); the other
# approval calls answer the whole asset (snippets.md, the Swagger file).
ID_ONLY = {("email", "approveDraft"), ("email", "unapprove"), ("landingPage", "approveDraft")}
PREFIX = "/rest/asset/v1"
# Kinds with a draft and an approved version (assets.md, "Approval").
APPROVABLE = {kind for kind, (*_, actions) in PATHS.items() if "approveDraft" in actions}


def register(router) -> None:
    for kind, (plural, singular, by_name, actions) in PATHS.items():
        router.add("GET", f"{PREFIX}/{plural}.json", _bind(browse, kind))
        router.add("GET", f"{PREFIX}/{singular}/{{id}}.json", _bind(by_id, kind))
        if by_name:
            router.add("GET", f"{PREFIX}/{singular}/byName.json", _bind(by_name_view, kind))
        if "approveDraft" in actions:
            router.add("POST", f"{PREFIX}/{singular}/{{id}}.json", _bind(update, kind))
        for action in actions:
            view = {"approveDraft": approve, "unapprove": unapprove, "clone": clone}[action]
            router.add("POST", f"{PREFIX}/{singular}/{{id}}/{action}.json", _bind(view, kind))
    folders.register(router)


def _bind(view, kind):
    def bound(instance, request, **params):
        return view(instance, request, kind, **params)

    bound.__name__ = f"{view.__name__}_{kind}"
    return bound


def public(kind: str, record: dict, *, browse: bool = False) -> dict:
    if kind == "program" and browse:
        # programs.md: browsing does not return tags (nor costs).
        return {k: v for k, v in record.items() if k not in ("tags", "costs")}
    return record


def _parent_of(instance, kind: str, record: dict) -> tuple[str, int]:
    return instance.assets.meta[(kind, record["id"])].parent


def _versions(instance, kind: str, record: dict) -> list[dict]:
    """An approved asset with a draft is two records, the approved one first; browsing
    answers both (assets.md, "Approval"; forms.md: the `approved with draft` filter)."""
    draft = instance.assets.meta[(kind, record["id"])].draft
    return [record, draft] if draft is not None else [record]


def _browse_status(instance, kind: str, records: list[dict], status: str) -> list[dict]:
    wanted = status.strip().lower()
    if wanted == "approved with draft":
        return [
            version
            for record in records
            if instance.assets.meta[(kind, record["id"])].draft is not None
            for version in _versions(instance, kind, record)
        ]
    return [
        version
        for record in records
        for version in _versions(instance, kind, record)
        if str(version.get("status", "")).lower() == wanted
    ]


def browse(instance, request, kind: str, **_):
    records = list(instance.assets.assets[kind].values())
    status = request.param("status")
    if status:
        rows = _browse_status(instance, kind, records, status)
    else:
        rows = [version for record in records for version in _versions(instance, kind, record)]
    folder = request.json_param("folder")
    if folder:
        wanted = (str(folder.get("type", "Folder")).title(), _int(folder.get("id")))
        rows = [row for row in rows if _parent_of(instance, kind, row) == wanted]
    workspace = request.param("workSpace") or request.param("workspace")
    if workspace:
        rows = [row for row in rows if row.get("workspace") == workspace]
    if kind in UPDATED_RANGE:
        rows = _updated_within(request, rows)
    # The page is cut before the rows Marketo never returns are left out, so a page can be
    # shorter than maxReturn with more after it; the end is the empty answer (asset_body).
    shown = [row for row in page(request, rows) if not instance.assets.hidden(kind, row)]
    return asset_body([public(kind, row, browse=True) for row in shown])


def _updated_within(request, rows: list) -> list:
    bounds = []
    for name in ("earliestUpdatedAt", "latestUpdatedAt"):
        value = request.param(name)
        try:
            bounds.append(datetime.fromisoformat(value) if value else None)
        except ValueError:
            raise MarketoError("1003", f"Invalid {name} '{value}'") from None
    earliest, latest = bounds
    if earliest is None and latest is None:
        return rows
    if (earliest and earliest.tzinfo is None) or (latest and latest.tzinfo is None):
        raise MarketoError("1003", "earliestUpdatedAt and latestUpdatedAt need a time zone")

    def updated(row):
        return datetime.strptime(row["updatedAt"], "%Y-%m-%dT%H:%M:%SZ+0000").replace(tzinfo=UTC)

    return [
        row
        for row in rows
        if (earliest is None or updated(row) >= earliest)
        and (latest is None or updated(row) <= latest)
    ]


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise MarketoError("1003", f"Invalid id '{value}'") from None


def by_id(instance, request, kind: str, id: str, **_):
    record = instance.assets.assets[kind].get(_int(id))
    if record is None or instance.assets.hidden(kind, record):
        # emails.md ("Query"): an A/B-tested program's email is not returned by id either.
        return asset_body([])
    status = (request.param("status") or "").strip().lower()
    if status and kind in APPROVABLE:
        # emails.md, snippets.md: `status` picks the approved or the draft version; without
        # it, the approved version of an approved asset, else its draft. An approved asset
        # with no draft has no draft version: no asset found.
        found = [v for v in _versions(instance, kind, record) if v.get("status") == status]
        return asset_body([public(kind, version) for version in found])
    return asset_body([public(kind, record)])


def by_name_view(instance, request, kind: str, **_):
    name = request.param("name")
    if not name:
        raise blank("name")
    rows = [
        row
        for row in instance.assets.assets[kind].values()
        if row["name"] == name and not instance.assets.hidden(kind, row)
    ]
    folder = request.json_param("folder")
    if folder:
        wanted = (str(folder.get("type", "Folder")).title(), _int(folder.get("id")))
        rows = [row for row in rows if _parent_of(instance, kind, row) == wanted]
    return asset_body([public(kind, row) for row in rows])


def _existing(instance, kind: str, asset_id: str) -> dict:
    record = instance.assets.assets[kind].get(int(asset_id))
    if record is None:
        raise MarketoError("702", f"{KINDS[kind][0]} id {asset_id} not found")
    return record


def _answer(kind: str, action: str, record: dict) -> dict:
    return asset_body([{"id": record["id"]}] if (kind, action) in ID_ONLY else [record])


def update(instance, request, kind: str, id: str, **_):
    """Update an asset's name or description (emails.md "Update Metadata", snippets.md).
    Updates always apply to the draft (forms.md, "Approval"): editing an approved asset
    makes a draft version beside it, and the approved version stays live."""
    form = request.form()
    with instance.assets.lock:
        record = _existing(instance, kind, id)
        meta = instance.assets.meta[(kind, record["id"])]
        target = record
        if record.get("status") == "approved":
            if meta.draft is None:
                meta.draft = {**copy.deepcopy(record), "status": "draft"}
            target = meta.draft
        for field in ("name", "description"):
            value = (form.get(field) or [None])[0]
            if value is not None:
                target[field] = value.strip()
        target["updatedAt"] = stamp(instance.clock.now())
        meta.has_draft = True
        instance.dirty = True
    return asset_body([public(kind, target)])


def approve(instance, request, kind: str, id: str, **_):
    with instance.assets.lock:
        record = _existing(instance, kind, id)
        meta = instance.assets.meta[(kind, record["id"])]
        if meta.draft is not None:
            # assets.md, "Approval": the draft replaces the live version.
            record = meta.draft
            instance.assets.assets[kind][record["id"]] = record
            meta.draft = None
        elif record.get("status") != "draft":
            # error-codes.md, 709: "Approve an asset that has no draft (that is, has
            # already been approved)".
            raise MarketoError("709", f"{KINDS[kind][0]} has no draft to approve")
        meta.has_draft = False
        record["status"] = "approved"
        record["updatedAt"] = stamp(instance.clock.now())
        instance.dirty = True
    return _answer(kind, "approveDraft", record)


def unapprove(instance, request, kind: str, id: str, **_):
    with instance.assets.lock:
        record = _existing(instance, kind, id)
        if record.get("status") != "approved":
            # emails.md / snippets.md: unapprove only works on an approved asset; a draft
            # that was never approved is refused (error-codes.md, 709).
            raise MarketoError("709", f"{KINDS[kind][0]} is not approved")
        meta = instance.assets.meta[(kind, record["id"])]
        # assets.md, "Approval": unapproving returns the asset to a draft-only state and
        # discards any draft it had.
        meta.draft = None
        meta.has_draft = True
        record["status"] = "draft"
        record["updatedAt"] = stamp(instance.clock.now())
        instance.dirty = True
    return _answer(kind, "unapprove", record)


def _clone_refusal(store, kind: str, source: dict, parent: tuple[str, int], name: str):
    """Why Marketo would not clone here (programs.md "Clone", emails.md "Clone",
    error-codes.md 709-711), or None."""
    if parent not in store.folders:
        return MarketoError("710", "Parent Folder Not Found")
    target = store.folders[parent]
    if kind == "program":
        # programs.md: the folder's type is Folder (a program cannot hold a program), a
        # marketing folder, in the source program's workspace; the name is unique in the
        # whole instance.
        if parent[0] != "Folder" or target["folderType"] not in ("Marketing Folder", "Zone"):
            return MarketoError("711", "Incompatible Folder Type")
        if target["workspace"] != source.get("workspace"):
            return MarketoError(
                "709", "Program can only be cloned to a folder in the same workspace"
            )
        if any(row["name"] == name for row in store.assets["program"].values()):
            return MarketoError("709", f"Program name '{name}' is already in use")
        return None
    if kind == "email" and not (parent[0] == "Program" or target["folderType"] == "Email"):
        return MarketoError("711", "Incompatible Folder Type")
    if any(
        row["name"] == name and store.meta[(kind, row["id"])].parent == parent
        for row in store.assets[kind].values()
    ):
        return MarketoError("709", f"{KINDS[kind][0]} name '{name}' is already in use")
    return None


def clone(instance, request, kind: str, id: str, **_):
    form = request.form()
    name = (form.get("name") or [""])[0].strip()
    if not name:
        raise blank("name")
    folder = request.json_param("folder")
    if not folder:
        raise blank("folder")
    parent = (str(folder.get("type", "Folder")).title(), _int(folder.get("id")))
    store = instance.assets
    with store.lock:
        source = _existing(instance, kind, id)
        refusal = _clone_refusal(store, kind, source, parent, name)
        if refusal is not None:
            raise refusal
        record = copy.deepcopy(source)
        record["id"] = store._new_id(kind)
        record["name"] = name
        record["description"] = (form.get("description") or [""])[0]
        record["createdAt"] = record["updatedAt"] = stamp(instance.clock.now())
        link = f"{store.host}/#{KINDS[kind][2]}{record['id']}A1"
        if "computedUrl" in record:
            record["computedUrl"] = link
        if "url" in record:
            record["url"] = link
        record["folder"] = store.ref(parent, KINDS[kind][1])
        record["workspace"] = store.folders[parent]["workspace"]
        if kind == "program":
            # programs.md: a cloned program answers its own status (not a draft).
            record["status"] = source.get("status", "")
            store.add_folder(
                name, parent, "Program", record["workspace"], kind="Program", record_id=record["id"]
            )
            store.folders[("Program", record["id"])]["url"] = link
        else:
            record["status"] = "draft"
        store.assets[kind][record["id"]] = record
        store.meta[(kind, record["id"])] = Meta(parent, has_draft=kind != "program")
        instance.dirty = True
    return asset_body([record])
