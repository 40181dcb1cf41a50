import json

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.accounts.selectors import profile_get
from apps.assets.actions import asset_actions_confirm_due
from apps.assets.forms import AssetFilterForm, CloneForm, SyncForm
from apps.assets.labels import status_groups, status_label
from apps.assets.models import AssetAction, AssetType, MirroredAsset
from apps.assets.selectors import (
    asset_get,
    asset_list,
    asset_related,
    asset_statuses,
    asset_sync_get,
    asset_sync_latest,
    folder_breadcrumbs,
    folder_children,
    folder_get,
    folder_roots,
    folders_with_children,
    mirror_freshness,
)
from apps.assets.services import (
    ActionNotAllowed,
    allowed_actions,
    asset_action_refusal,
    asset_action_start,
    asset_sync_start,
    type_actions,
)
from apps.audit.context import AuditContext
from apps.core.csv_export import csv_response, local_moment
from apps.core.htmx import HtmxHttpRequest
from apps.core.permissions import ASSET_ACTIONS, Action, may, require
from apps.instances.jobs import job_resume
from apps.instances.selectors import current_instance, instance_get

PAGE_SIZE = 50
ACTION_WORDS = {
    "refresh": ("Refresh this asset", "Read it again from Marketo (one call)."),
    "approve": ("Approve the draft", "The draft becomes the live version in Marketo."),
    "unapprove": (
        "Unapprove",
        "The live version is taken down and any unapproved draft is discarded; the asset "
        "becomes a draft. Marketo refuses this when the asset is in use.",
    ),
    "clone": ("Clone", "Marketo makes a copy under the new name in the folder you choose."),
}


def _instance(request: HttpRequest, instance_id: int, action=Action.BROWSE_ASSETS):
    instance = instance_get(user=request.user, pk=instance_id)
    require(request.user, action, instance)
    return instance


def assets_home_view(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.BROWSE_ASSETS)
    instance = current_instance(user=request.user, profile=profile_get(user=request.user))
    if instance is None:
        return render(request, "assets/no_instance.html")
    return redirect("assets_browse", instance_id=instance.pk)


def _shell(request: HttpRequest, instance, *, folder=None):
    """What every browsing page shows: the tree, the badge, the sync panel."""
    roots = list(folder_roots(instance=instance))
    open_path = folder_breadcrumbs(folder=folder) if folder else []
    # The path to the current folder is shown open; everything else loads when opened.
    tree_children = {crumb.pk: list(folder_children(folder=crumb)) for crumb in open_path}
    shown = roots + [child for children in tree_children.values() for child in children]
    return {
        "instance": instance,
        "roots": roots,
        "tree_children": tree_children,
        "expandable": folders_with_children(instance=instance, folders=shown),
        "open_ids": set(tree_children),
        "crumbs": open_path,
        "folder": folder,
        "freshness": mirror_freshness(instance=instance),
        "sync": asset_sync_latest(instance=instance),
        "can_manage": may(request.user, Action.MANAGE_ASSETS, instance),
    }


def _listing(request: HttpRequest, instance, folder):
    form = AssetFilterForm(request.GET or None)
    filters = form.filters()
    rows = asset_list(instance=instance, folder=folder, filters=filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    subfolders = []
    if folder is not None and not filters.q:
        subfolders = list(folder_children(folder=folder))
    return {
        "form": form,
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        # Grouped by what they apply to; with a type chosen, only that type's statuses.
        "status_groups": status_groups(
            asset_statuses(instance=instance),
            asset_type=filters.asset_type,
            chosen=filters.status,
        ),
        "subfolders": subfolders,
        "listing_url": request.path,
        "export_url": _export_url(instance, folder) + (f"?{query.urlencode()}" if query else ""),
    }


def _export_url(instance, folder):
    if folder is None:
        return reverse("assets_export", args=[instance.pk])
    return reverse("assets_folder_export", args=[instance.pk, folder.kind_slug, folder.marketo_id])


def _render_browser(request: HtmxHttpRequest, instance, folder):
    context = {**_shell(request, instance, folder=folder), **_listing(request, instance, folder)}
    if request.htmx and request.htmx.target == "listing":
        # The status filter's options follow the chosen type (swapped out of band).
        return render(request, "assets/partials/listing.html", {**context, "status_oob": True})
    return render(request, "assets/browser.html", context)


def assets_browse_view(request: HtmxHttpRequest, instance_id: int) -> HttpResponse:
    instance = _instance(request, instance_id)
    return _render_browser(request, instance, None)


def assets_folder_view(
    request: HtmxHttpRequest, instance_id: int, kind: str, marketo_id: int
) -> HttpResponse:
    instance = _instance(request, instance_id)
    folder = folder_get(instance=instance, kind=kind, marketo_id=marketo_id)
    return _render_browser(request, instance, folder)


def assets_tree_view(
    request: HttpRequest, instance_id: int, kind: str, marketo_id: int
) -> HttpResponse:
    """The sub-folders of one folder, fetched when the person opens it in the tree."""
    instance = _instance(request, instance_id)
    folder = folder_get(instance=instance, kind=kind, marketo_id=marketo_id)
    children = list(folder_children(folder=folder))
    return render(
        request,
        "assets/partials/tree_children.html",
        {
            "instance": instance,
            "children": children,
            "expandable": folders_with_children(instance=instance, folders=children),
            "open_ids": set(),
        },
    )


def _export(request: HttpRequest, instance, folder):
    form = AssetFilterForm(request.GET or None)
    rows = asset_list(instance=instance, folder=folder, filters=form.filters())
    name = f"assets-{instance.munchkin_id}" + (f"-{folder.marketo_id}" if folder else "")
    zone = timezone.get_current_timezone()  # the rows are written after the view returns
    return csv_response(
        f"{name}.csv",
        ["type", "id", "name", "status", "updated", "folder", "workspace", "url", "description"],
        (
            [
                row.get_asset_type_display(),
                row.marketo_id,
                row.name,
                status_label(row.status) if row.status else "",
                local_moment(row.updated_at, zone),
                row.folder.path if row.folder else "",
                row.workspace,
                row.url,
                row.description,
            ]
            for row in rows.iterator(chunk_size=2000)
        ),
    )


def assets_export_view(request: HttpRequest, instance_id: int) -> HttpResponse:
    return _export(request, _instance(request, instance_id), None)


def assets_folder_export_view(
    request: HttpRequest, instance_id: int, kind: str, marketo_id: int
) -> HttpResponse:
    instance = _instance(request, instance_id)
    return _export(
        request, instance, folder_get(instance=instance, kind=kind, marketo_id=marketo_id)
    )


def _asset_card(request: HttpRequest, instance, asset) -> dict:
    """The asset's facts and the actions Marketo would accept in its state now."""
    return {
        "asset": asset,
        "actions": [
            (kind, ACTION_WORDS[kind][0])
            for kind in allowed_actions(asset)
            if may(request.user, ASSET_ACTIONS[kind], instance)
        ],
    }


def assets_detail_view(
    request: HttpRequest, instance_id: int, asset_type: str, marketo_id: int
) -> HttpResponse:
    instance = _instance(request, instance_id)
    # A write left without an answer is read back now if it is due (actions.py).
    asset_actions_confirm_due(instance=instance, asset_type=asset_type, marketo_id=marketo_id)
    asset = asset_get(instance=instance, asset_type=asset_type, marketo_id=marketo_id)
    context = _shell(request, instance, folder=asset.folder)
    context.update(
        {
            **_asset_card(request, instance, asset),
            "related": asset_related(asset=asset),
            "raw_json": json.dumps(asset.raw, indent=2, sort_keys=True, default=str),
            "last_action": AssetAction.objects.filter(
                instance=instance, asset_type=asset_type, marketo_id=marketo_id
            ).first(),
        }
    )
    return render(request, "assets/asset_detail.html", context)


def assets_action_view(
    request: HttpRequest, instance_id: int, asset_type: str, marketo_id: int, kind: str
) -> HttpResponse:
    """GET: the confirmation page; POST: queue the action and go back to the asset, whose
    page then shows the action's outcome (one message) and updates the asset in place."""
    if kind not in ACTION_WORDS:
        raise Http404("No such action.")
    instance = _instance(request, instance_id, ASSET_ACTIONS[kind])
    asset = asset_get(instance=instance, asset_type=asset_type, marketo_id=marketo_id)
    if kind not in type_actions(asset_type):
        raise Http404(f"{AssetType(asset_type).label}s have no “{kind}” action.")
    form = (
        CloneForm(request.POST or None, instance=instance, asset=asset) if kind == "clone" else None
    )
    refusal = ""
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            action = asset_action_start(
                asset=asset,
                kind=kind,
                user=request.user,
                clone_name=form.cleaned_data["name"] if form else "",
                clone_folder=form.cleaned_data["folder"] if form else None,
            )
        except ActionNotAllowed as refused:
            refusal = str(refused)
        else:
            return redirect(
                reverse("assets_detail", args=[instance.pk, asset_type, marketo_id])
                + f"?action={action.pk}"
            )
    elif kind not in allowed_actions(asset):
        refusal = asset_action_refusal(asset, kind)
    title, explanation = ACTION_WORDS[kind]
    context = _shell(request, instance, folder=asset.folder)
    context.update(
        {
            "asset": asset,
            "kind": kind,
            "title": title,
            "explanation": explanation,
            "form": form,
            "refusal": refusal,
            "allowed": kind in allowed_actions(asset),
        }
    )
    return render(request, "assets/action_confirm.html", context)


def assets_action_status_view(request: HttpRequest, instance_id: int, pk: int) -> HttpResponse:
    instance = _instance(request, instance_id)
    action = get_object_or_404(AssetAction, pk=pk, instance=instance)
    if action.is_pending or action.status == AssetAction.Status.RUNNING:
        asset_actions_confirm_due(pk=action.pk)
        action.refresh_from_db()
    context: dict = {"action": action, "instance": instance}
    if action.is_finished:
        # The asset as the action left it, swapped into the page in place (hx-swap-oob).
        asset = MirroredAsset.objects.filter(
            instance=instance, asset_type=action.asset_type, marketo_id=action.marketo_id
        ).first()
        if asset is not None:
            context.update(_asset_card(request, instance, asset))
        if action.result_marketo_id:
            context["copy_url"] = reverse(
                "assets_detail", args=[instance.pk, action.asset_type, action.result_marketo_id]
            )
    return render(request, "assets/partials/action_status.html", context)


@require_POST
def assets_sync_start_view(request: HtmxHttpRequest, instance_id: int) -> HttpResponse:
    instance = _instance(request, instance_id, Action.MANAGE_ASSETS)
    form = SyncForm(request.POST)
    mode = form.cleaned_data.get("mode") if form.is_valid() else ""
    sync = asset_sync_start(
        instance=instance,
        user=request.user,
        mode=mode or "full",
        audit=AuditContext.from_request(request),
    )
    context = {
        "instance": instance,
        "sync": sync,
        "freshness": mirror_freshness(instance=instance),
        "can_manage": True,
    }
    if request.htmx:
        return render(request, "assets/partials/sync_panel.html", context)
    return redirect("assets_browse", instance_id=instance.pk)


@require_POST
def assets_sync_resume_view(request: HtmxHttpRequest, instance_id: int, pk: int) -> HttpResponse:
    instance = _instance(request, instance_id, Action.MANAGE_ASSETS)
    sync = job_resume(
        asset_sync_get(instance=instance, pk=pk),
        actor=request.user,
        audit=AuditContext.from_request(request),
    )
    if request.htmx:
        context = {
            "instance": instance,
            "sync": sync,
            "freshness": mirror_freshness(instance=instance),
            "can_manage": True,
        }
        return render(request, "assets/partials/sync_panel.html", context)
    return redirect("assets_browse", instance_id=instance.pk)


def assets_sync_status_view(request: HttpRequest, instance_id: int, pk: int) -> HttpResponse:
    instance = _instance(request, instance_id)
    sync = asset_sync_get(instance=instance, pk=pk)
    context = {
        "instance": instance,
        "sync": sync,
        "freshness": mirror_freshness(instance=instance),
        "can_manage": may(request.user, Action.MANAGE_ASSETS, instance),
    }
    return render(request, "assets/partials/sync_panel.html", context)
