"""Writing Marketo's records into the mirror: one upsert per page, keyed like Marketo keys them."""

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from apps.assets.models import AssetStatus, FolderKind, MirroredAsset, MirroredFolder
from apps.marketo.moments import marketo_time

# Types whose `status` is an approval state (assets.md, "Approval").
APPROVAL_TYPES = {
    "email",
    "landing_page",
    "form",
    "snippet",
    "email_template",
    "landing_page_template",
}
FOLDER_UPDATE_FIELDS = [
    "name",
    "description",
    "folder_type",
    "workspace",
    "path",
    "parent_kind",
    "parent_marketo_id",
    "is_system",
    "is_archive",
    "url",
    "created_at",
    "updated_at",
    "raw",
    "synced_at",
    "seen_sync_id",
]
ASSET_UPDATE_FIELDS = [
    "name",
    "description",
    "folder",
    "folder_kind",
    "folder_marketo_id",
    "status",
    "workspace",
    "url",
    "program_type",
    "channel",
    "created_at",
    "updated_at",
    "raw",
    "search_text",
    "synced_at",
    "seen_sync_id",
]


def folder_kind(value) -> str:
    return (
        FolderKind.PROGRAM if str(value or "").strip().lower() == "program" else FolderKind.FOLDER
    )


def folder_ref(record: dict) -> tuple[str, int] | None:
    """An asset's parent: {"type", "value"} for most, {"type", "id"} for lists and files."""
    ref = record.get("folder")
    if not isinstance(ref, dict):
        return None
    ident = ref.get("value", ref.get("id"))
    try:
        return folder_kind(ref.get("type")), int(ident)  # type: ignore[arg-type]  # None: caught
    except (TypeError, ValueError):
        return None


def asset_status(asset_type: str, record: dict) -> str:
    status = str(record.get("status") or "").strip().lower()
    if asset_type in APPROVAL_TYPES and status in ("approved", "draft", "approved with draft"):
        return status.replace(" ", "_")
    return status[:32]


def _text(value, limit=None) -> str:
    text = "" if value is None else str(value)
    return text[:limit] if limit else text


def folder_row(instance, record: dict, *, sync_id=None) -> MirroredFolder:
    ident = record.get("folderId") or {}
    parent = record.get("parent") or {}
    return MirroredFolder(
        instance=instance,
        kind=folder_kind(ident.get("type")),
        marketo_id=int(ident.get("id", record.get("id"))),  # type: ignore[arg-type]  # always set
        name=_text(record.get("name"), 255),
        description=_text(record.get("description")),
        folder_type=_text(record.get("folderType"), 64),
        workspace=_text(record.get("workspace"), 100),
        path=_text(record.get("path")),
        parent_kind=folder_kind(parent.get("type")) if parent else "",
        parent_marketo_id=parent.get("id") if parent else None,
        is_system=bool(record.get("isSystem")),
        is_archive=bool(record.get("isArchive")),
        url=_text(record.get("url"), 500),
        created_at=marketo_time(record.get("createdAt")),
        updated_at=marketo_time(record.get("updatedAt")),
        raw=record,
        synced_at=timezone.now(),
        seen_sync_id=sync_id,
    )


def folders_upsert(instance, records: list[dict], *, sync_id=None) -> int:
    rows = {}
    for record in records:
        row = folder_row(instance, record, sync_id=sync_id)
        rows[(row.kind, row.marketo_id)] = row
    MirroredFolder.objects.bulk_create(
        list(rows.values()),
        update_conflicts=True,
        unique_fields=["instance", "kind", "marketo_id"],
        update_fields=FOLDER_UPDATE_FIELDS,
    )
    return len(rows)


def folder_parents_link(instance) -> None:
    """Point each folder at its parent row, in one UPDATE (parents may come on later pages)."""
    parent = MirroredFolder.objects.filter(
        instance=instance,
        kind=OuterRef("parent_kind"),
        marketo_id=OuterRef("parent_marketo_id"),
    ).values("pk")[:1]
    MirroredFolder.objects.filter(instance=instance).update(parent=Subquery(parent))


def folder_map(instance) -> dict[tuple[str, int], int]:
    return {
        (kind, marketo_id): pk
        for pk, kind, marketo_id in MirroredFolder.objects.filter(instance=instance).values_list(
            "pk", "kind", "marketo_id"
        )
    }


def asset_row(instance, asset_type, record, *, folders, sync_id=None) -> MirroredAsset:
    ref = folder_ref(record)
    name = _text(record.get("name"), 255)
    description = _text(record.get("description"))
    return MirroredAsset(
        instance=instance,
        asset_type=asset_type,
        marketo_id=int(record["id"]),
        name=name,
        description=description,
        folder_id=folders.get(ref) if ref else None,
        folder_kind=ref[0] if ref else "",
        folder_marketo_id=ref[1] if ref else None,
        status=asset_status(asset_type, record),
        workspace=_text(record.get("workspace"), 100),
        url=_text(record.get("url") or record.get("computedUrl"), 500),
        program_type=_text(record.get("type"), 64) if asset_type == "program" else "",
        channel=_text(record.get("channel"), 100) if asset_type == "program" else "",
        created_at=marketo_time(record.get("createdAt")),
        updated_at=marketo_time(record.get("updatedAt")),
        raw=record,
        search_text=f"{name} {description}".lower(),
        synced_at=timezone.now(),
        seen_sync_id=sync_id,
    )


def assets_upsert(instance, asset_type: str, records: list[dict], *, folders, sync_id=None) -> int:
    """Write one page. An approvable asset with both an approved and a draft version may come
    twice (assets.md, "Approval"): the two make one row, "approved with draft"."""
    rows: dict[int, MirroredAsset] = {}
    for record in records:
        if record.get("id") is None:
            continue
        row = asset_row(instance, asset_type, record, folders=folders, sync_id=sync_id)
        earlier = rows.get(row.marketo_id)
        rows[row.marketo_id] = _merge_versions(earlier, row) if earlier else row
    if asset_type in APPROVAL_TYPES and sync_id is not None and rows:
        seen = MirroredAsset.objects.filter(
            instance=instance,
            asset_type=asset_type,
            marketo_id__in=list(rows),
            seen_sync_id=sync_id,
        ).values_list("marketo_id", "status")
        for marketo_id, status in seen:
            if {status, rows[marketo_id].status} == {AssetStatus.APPROVED, AssetStatus.DRAFT}:
                rows[marketo_id].status = AssetStatus.APPROVED_WITH_DRAFT
    MirroredAsset.objects.bulk_create(
        list(rows.values()),
        update_conflicts=True,
        unique_fields=["instance", "asset_type", "marketo_id"],
        update_fields=ASSET_UPDATE_FIELDS,
    )
    return len(rows)


def _merge_versions(first: MirroredAsset, second: MirroredAsset) -> MirroredAsset:
    approved = first if first.status == AssetStatus.APPROVED else second
    if {first.status, second.status} == {AssetStatus.APPROVED, AssetStatus.DRAFT}:
        approved.status = AssetStatus.APPROVED_WITH_DRAFT
    return approved


def asset_upsert_one(instance, asset_type: str, record: dict) -> MirroredAsset:
    """One record answered by a by-id call or an action; keeps the row's sync mark."""
    existing = MirroredAsset.objects.filter(
        instance=instance, asset_type=asset_type, marketo_id=int(record["id"])
    ).first()
    row = asset_row(
        instance,
        asset_type,
        record,
        folders=folder_map_for(instance, folder_ref(record)),
        sync_id=existing.seen_sync_id if existing else None,
    )
    # A by-id call answers one version only: keep "approved with draft" from the browse
    # while the version Marketo answered is the one the browse kept.
    if (
        existing
        and existing.status == AssetStatus.APPROVED_WITH_DRAFT
        and row.raw.get("status") == (existing.raw or {}).get("status")
    ):
        row.status = existing.status
    MirroredAsset.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["instance", "asset_type", "marketo_id"],
        update_fields=ASSET_UPDATE_FIELDS,
    )
    return MirroredAsset.objects.get(
        instance=instance, asset_type=asset_type, marketo_id=row.marketo_id
    )


def folder_map_for(instance, ref) -> dict:
    if not ref:
        return {}
    pk = (
        MirroredFolder.objects.filter(instance=instance, kind=ref[0], marketo_id=ref[1])
        .values_list("pk", flat=True)
        .first()
    )
    return {ref: pk} if pk else {}
