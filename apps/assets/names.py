"""The mirror's names for the ids other apps show (apps/core/names.py says why a registry):
each resolver reads all the ids of one kind in one query and links each to its page here."""

from functools import partial

from django.urls import reverse

from apps.assets.models import AssetType, FolderKind, MirroredAsset, MirroredFolder
from apps.core import names


def _instance_pk(instance) -> int:
    return getattr(instance, "pk", instance)


def asset_names(*, instance, ids: list[int], asset_type: str) -> dict[int, names.Named]:
    pk = _instance_pk(instance)
    rows = MirroredAsset.objects.filter(
        instance_id=pk, asset_type=asset_type, marketo_id__in=ids
    ).values_list("marketo_id", "name")
    return {
        marketo_id: names.Named(
            name=name,
            url=reverse("assets_detail", args=[pk, asset_type, marketo_id]),
            secondary=f"id {marketo_id}",
        )
        for marketo_id, name in rows
    }


def folder_names(*, instance, ids: list[int]) -> dict[int, names.Named]:
    pk = _instance_pk(instance)
    rows = MirroredFolder.objects.filter(
        instance_id=pk, kind=FolderKind.FOLDER, marketo_id__in=ids
    ).values_list("marketo_id", "name")
    return {
        marketo_id: names.Named(
            name=name,
            url=reverse("assets_folder", args=[pk, "folder", marketo_id]),
            secondary=f"id {marketo_id}",
        )
        for marketo_id, name in rows
    }


def register_names() -> None:
    for asset_type in AssetType:
        names.register(
            asset_type.value,
            partial(asset_names, asset_type=asset_type.value),
            label=str(asset_type.label),
        )
    names.register("folder", folder_names, label="Folder")
