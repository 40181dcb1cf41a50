"""Reads of the mirror: the tree, listings with filters, search, one asset and its relations."""

from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Case, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from apps.assets.models import AssetSync, AssetType, FolderKind, MirroredAsset, MirroredFolder

SORTS = {
    "name": ("name", "marketo_id"),
    "-name": ("-name", "-marketo_id"),
    "updated": ("updated_at", "marketo_id"),
    "-updated": ("-updated_at", "-marketo_id"),
    "type": ("asset_type", "name"),
    "-type": ("-asset_type", "-name"),
    "status": ("status", "name"),
    "-status": ("-status", "-name"),
    "id": ("marketo_id",),
    "-id": ("-marketo_id",),
}
DEFAULT_SORT = "name"


@dataclass(frozen=True)
class AssetFilters:
    asset_type: str = ""
    status: str = ""
    updated_since: object = None  # a date
    q: str = ""
    sort: str = DEFAULT_SORT


# Marketo's three areas, in the order its own menu shows them (folders.md, "Browse": the
# Marketing Activities, Design Studio and Lead Database roots).
ROOT_AREAS = ("Marketing Activities", "Design Studio", "Lead Database")


def folder_roots(*, instance) -> QuerySet[MirroredFolder]:
    area = Case(
        *(When(name=name, then=Value(place)) for place, name in enumerate(ROOT_AREAS)),
        default=Value(len(ROOT_AREAS)),
    )
    return MirroredFolder.objects.filter(instance=instance, parent__isnull=True).order_by(
        area, "name"
    )


def folder_children(*, folder: MirroredFolder) -> QuerySet[MirroredFolder]:
    return folder.children.order_by("kind", "name")


def folders_with_children(*, instance, folders) -> set[int]:
    """Which of `folders` have sub-folders (to show an expander only where there is one)."""
    ids = [folder.pk for folder in folders]
    return set(
        MirroredFolder.objects.filter(instance=instance, parent_id__in=ids)
        .values_list("parent_id", flat=True)
        .distinct()
    )


def folder_get(*, instance, kind: str, marketo_id: int) -> MirroredFolder:
    kind = FolderKind.PROGRAM if str(kind).lower() == "program" else FolderKind.FOLDER
    folder = MirroredFolder.objects.filter(
        instance=instance, kind=kind, marketo_id=marketo_id
    ).first()
    if folder is None:
        raise Http404("No such folder in the mirror of this instance.")
    return folder


def folder_breadcrumbs(*, folder) -> list[MirroredFolder]:
    crumbs, seen = [], set()
    while folder is not None and folder.pk not in seen:
        seen.add(folder.pk)
        crumbs.append(folder)
        folder = folder.parent
    return list(reversed(crumbs))


def asset_list(*, instance, folder=None, filters: AssetFilters) -> QuerySet[MirroredAsset]:
    """The assets of a folder, or of the whole instance when searching."""
    rows = MirroredAsset.objects.filter(instance=instance)
    if folder is not None and not filters.q:
        rows = rows.filter(folder=folder)
    if filters.q:
        rows = rows.filter(search_text__contains=filters.q.strip().lower())
    if filters.asset_type:
        rows = rows.filter(asset_type=filters.asset_type)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.updated_since:
        rows = rows.filter(updated_at__date__gte=filters.updated_since)
    order = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    # The folder or program each row lives in comes with it (the listing's "Folder /
    # program" column): one query per page, not one per row.
    return (
        rows.select_related("folder")
        .order_by(*order)
        .defer("raw", "tokens", "search_text", "folder__raw", "folder__description")
    )


def asset_statuses(*, instance) -> list[tuple[str, str]]:
    """The (type, status) pairs present in the mirror, for the status filter's groups
    (labels.status_groups); cached until the next sync ends."""
    last = (
        AssetSync.objects.filter(instance=instance, status=AssetSync.Status.SUCCEEDED)
        .order_by("-finished_at")
        .values_list("pk", flat=True)
        .first()
    )
    key = f"assets:status-pairs:{instance.pk}:{last}"
    pairs = cache.get(key)
    if pairs is None:
        pairs = list(
            MirroredAsset.objects.filter(instance=instance)
            .exclude(status="")
            .values_list("asset_type", "status")
            .distinct()
            .order_by("asset_type", "status")
        )
        cache.set(key, pairs, 60 * 60)
    return pairs


def asset_get(*, instance, asset_type: str, marketo_id: int) -> MirroredAsset:
    if asset_type not in AssetType.values:
        raise Http404("No such asset type.")
    asset = (
        MirroredAsset.objects.filter(
            instance=instance, asset_type=asset_type, marketo_id=marketo_id
        )
        .select_related("folder")
        .first()
    )
    if asset is None:
        raise Http404("No such asset in the mirror of this instance.")
    return asset


def asset_related(*, asset: MirroredAsset) -> list[tuple[str, list[MirroredAsset]]]:
    """What the asset points at, and what points at it: an email's template, a program's
    assets, a campaign's smart list and program."""
    raw = asset.raw or {}
    instance = asset.instance
    groups = []

    def one(label: str, asset_type: str, marketo_id: int | str | None) -> None:
        if marketo_id in (None, ""):
            return
        found = MirroredAsset.objects.filter(
            instance=instance, asset_type=asset_type, marketo_id=marketo_id
        ).defer("raw")
        if found:
            groups.append((label, list(found)))

    if asset.asset_type == "email":
        one("Template", "email_template", raw.get("template"))
    elif asset.asset_type == "landing_page":
        one("Template", "landing_page_template", raw.get("template"))
    elif asset.asset_type == "smart_campaign":
        one("Smart list", "smart_list", raw.get("smartListId"))
        one("Program", "program", raw.get("parentProgramId"))
    elif asset.asset_type == "program":
        children = (
            MirroredAsset.objects.filter(
                instance=instance,
                folder_kind=FolderKind.PROGRAM,
                folder_marketo_id=asset.marketo_id,
            )
            .defer("raw")
            .order_by("asset_type", "name")
        )
        if children:
            groups.append(("Assets in this program", list(children)))
    elif asset.asset_type == "email_template":
        users = MirroredAsset.objects.filter(
            instance=instance, asset_type="email", raw__template=asset.marketo_id
        ).defer("raw")[:50]
        if users:
            groups.append(("Emails using this template", list(users)))
    if asset.folder_kind == FolderKind.PROGRAM and asset.asset_type != "program":
        one("Program", "program", asset.folder_marketo_id)
    return groups


def asset_sync_latest(*, instance) -> AssetSync | None:
    return AssetSync.objects.filter(instance=instance).order_by("-requested_at").first()


def asset_sync_get(*, instance=None, pk) -> AssetSync:
    rows = AssetSync.objects.filter(pk=pk)
    if instance is not None:
        rows = rows.filter(instance=instance)
    sync = rows.select_related("instance").first()
    if sync is None:
        raise Http404("No such sync.")
    return sync


@dataclass(frozen=True)
class Freshness:
    synced_at: object  # when the last successful sync finished, or None
    stale: bool
    max_age: timedelta


def mirror_freshness(*, instance) -> Freshness:
    """When the mirror was last brought up to date, and whether that is older than the
    schedule promises (amber badge)."""
    last = (
        AssetSync.objects.filter(instance=instance, status=AssetSync.Status.SUCCEEDED)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    max_age = schedule_max_age()
    stale = last is None or last < timezone.now() - max_age
    return Freshness(synced_at=last, stale=stale, max_age=max_age)


def schedule_max_age() -> timedelta:
    """The longest gap the enabled schedules allow, plus half of it for a slow sync."""
    tasks = PeriodicTask.objects.filter(task="assets.sync_scheduled", enabled=True).select_related(
        "crontab", "interval"
    )
    gaps = []
    for task in tasks:
        if task.interval is not None:
            gaps.append(timedelta(seconds=task.interval.schedule.run_every.total_seconds()))
        elif task.crontab is not None:
            gaps.append(timedelta(hours=1) if task.crontab.hour == "*" else timedelta(days=1))
    gap = min(gaps) if gaps else timedelta(days=1)
    return gap * 1.5
