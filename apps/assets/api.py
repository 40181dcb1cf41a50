"""The asset mirror's REST API: folders, assets, syncs and the actions on assets."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.assets.models import (
    AssetAction,
    AssetSync,
    AssetType,
    FolderKind,
    MirroredAsset,
    MirroredFolder,
)
from apps.assets.selectors import AssetFilters, asset_get, asset_list, asset_sync_get, folder_get
from apps.assets.services import (
    ActionNotAllowed,
    asset_action_start,
    asset_sync_start,
)
from apps.audit.context import AuditContext
from apps.core.api import NotPaused, Pagination
from apps.core.dates import BoundedDateSerializerField
from apps.core.permissions import ASSET_ACTIONS, Action, require
from apps.instances.jobs import job_resume
from apps.instances.selectors import instance_get


class FolderSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="marketo_id", read_only=True)
    # A declared field (the serializer's metaclass takes it out), not Field.parent.
    parent = serializers.SerializerMethodField()  # type: ignore[assignment]

    class Meta:
        model = MirroredFolder
        fields = [
            "id",
            "kind",
            "name",
            "description",
            "folder_type",
            "workspace",
            "path",
            "parent",
            "is_system",
            "is_archive",
            "url",
            "created_at",
            "updated_at",
            "synced_at",
        ]

    def get_parent(self, folder) -> dict | None:
        if folder.parent_marketo_id is None:
            return None
        return {"id": folder.parent_marketo_id, "kind": folder.parent_kind}


class AssetSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="marketo_id", read_only=True)
    type = serializers.CharField(source="asset_type", read_only=True)
    folder = serializers.SerializerMethodField()

    class Meta:
        model = MirroredAsset
        fields = [
            "id",
            "type",
            "name",
            "description",
            "status",
            "folder",
            "workspace",
            "url",
            "program_type",
            "channel",
            "created_at",
            "updated_at",
            "synced_at",
        ]

    def get_folder(self, asset) -> dict | None:
        if asset.folder_marketo_id is None:
            return None
        return {"id": asset.folder_marketo_id, "kind": asset.folder_kind}


class AssetDetailSerializer(AssetSerializer):
    class Meta(AssetSerializer.Meta):
        fields = [*AssetSerializer.Meta.fields, "tokens", "raw"]


class AssetSyncSerializer(serializers.ModelSerializer):
    instance = serializers.IntegerField(source="instance_id", read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = AssetSync
        fields = [
            "id",
            "instance",
            "mode",
            "status",
            "requested_at",
            "started_at",
            "finished_at",
            "resume_at",
            "updated_since",
            "calls",
            "deleted",
            "progress",
            "error",
            "error_code",
        ]
        read_only_fields = fields

    def get_progress(self, sync) -> list[dict]:
        return [{"step": step, **state} for step, state in sync.steps]


class AssetSyncRequestSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=AssetSync.Mode.choices, default=AssetSync.Mode.FULL)


class AssetActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssetAction
        fields = [
            "id",
            "kind",
            "status",
            "asset_type",
            "marketo_id",
            "asset_name",
            "requested_at",
            "finished_at",
            "clone_name",
            "result_marketo_id",
            "message",
            "error_code",
        ]
        read_only_fields = fields


class CloneRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    folder = serializers.IntegerField(help_text="The Marketo id of the destination folder.")
    folder_kind = serializers.ChoiceField(choices=FolderKind.choices, default=FolderKind.FOLDER)


def _instance(request: Request, pk: int, action=Action.BROWSE_ASSETS):
    instance = instance_get(user=request.user, pk=pk)
    require(request.user, action, instance)
    return instance


@extend_schema(
    tags=["assets"],
    summary="Folders of the mirror: the roots, or the children of `parent`",
    parameters=[
        OpenApiParameter("parent", OpenApiTypes.INT, description="Marketo id of the parent"),
        OpenApiParameter("parent_kind", OpenApiTypes.STR, enum=FolderKind.values),
    ],
)
class FolderListView(generics.ListAPIView):
    serializer_class = FolderSerializer
    pagination_class = Pagination
    queryset = MirroredFolder.objects.none()

    def get_queryset(self):
        instance = _instance(self.request, self.kwargs["pk"])
        parent = self.request.query_params.get("parent")
        if not parent:
            return MirroredFolder.objects.filter(instance=instance, parent__isnull=True)
        if not parent.isdigit():
            raise serializers.ValidationError({"parent": ["Give the parent's Marketo id."]})
        folder = folder_get(
            instance=instance,
            kind=self.request.query_params.get("parent_kind", "Folder"),
            marketo_id=int(parent),
        )
        return folder.children.order_by("kind", "name")


class AssetQuerySerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=AssetType.choices, required=False)
    folder = serializers.IntegerField(required=False)
    folder_kind = serializers.ChoiceField(choices=FolderKind.choices, default=FolderKind.FOLDER)
    status = serializers.CharField(required=False, max_length=32)
    q = serializers.CharField(required=False, min_length=2, max_length=200)
    updated_since = BoundedDateSerializerField(required=False)
    sort = serializers.ChoiceField(
        choices=["name", "-name", "updated", "-updated", "type", "-type", "id", "-id"],
        default="name",
    )


@extend_schema(tags=["assets"], summary="Assets of the mirror", parameters=[AssetQuerySerializer])
class AssetListView(generics.ListAPIView):
    serializer_class = AssetSerializer
    pagination_class = Pagination
    queryset = MirroredAsset.objects.none()

    def get_queryset(self):
        instance = _instance(self.request, self.kwargs["pk"])
        query = AssetQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        folder = None
        if "folder" in data:
            folder = folder_get(
                instance=instance, kind=data["folder_kind"], marketo_id=data["folder"]
            )
        filters = AssetFilters(
            asset_type=data.get("type", ""),
            status=data.get("status", ""),
            updated_since=data.get("updated_since"),
            q=data.get("q", ""),
            sort=data["sort"],
        )
        rows = asset_list(instance=instance, folder=folder, filters=filters)
        if folder is not None and filters.q:
            rows = rows.filter(folder=folder)
        return rows


@extend_schema(tags=["assets"], summary="One asset, with Marketo's full record")
class AssetDetailView(generics.RetrieveAPIView):
    serializer_class = AssetDetailSerializer
    queryset = MirroredAsset.objects.none()

    def get_object(self):
        instance = _instance(self.request, self.kwargs["pk"])
        return asset_get(
            instance=instance,
            asset_type=self.kwargs["asset_type"],
            marketo_id=self.kwargs["marketo_id"],
        )


@extend_schema(
    tags=["assets"],
    summary="Start a sync of the instance's assets (or get the one running)",
    request=AssetSyncRequestSerializer,
    responses={202: AssetSyncSerializer},
)
class AssetSyncStartView(APIView):
    def post(self, request: Request, pk: int) -> Response:
        instance = _instance(request, pk, Action.MANAGE_ASSETS)
        body = AssetSyncRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        sync = asset_sync_start(
            instance=instance,
            user=request.user,
            mode=body.validated_data["mode"],
            audit=AuditContext.from_request(request),
        )
        return Response(AssetSyncSerializer(sync).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["assets"], summary="A sync and its progress per type")
class AssetSyncDetailView(generics.RetrieveAPIView):
    serializer_class = AssetSyncSerializer
    queryset = AssetSync.objects.none()

    def get_object(self):
        sync = asset_sync_get(pk=self.kwargs["pk"])
        # 404 for syncs of instances the caller may not see, before the role check.
        _instance(self.request, sync.instance_id)
        return sync


@extend_schema(
    tags=["assets"],
    summary="Resume a paused sync now",
    description="A paused sync also resumes by itself at `resume_at`; this does it now.",
    request=None,
    responses={202: AssetSyncSerializer},
)
class AssetSyncResumeView(APIView):
    def post(self, request: Request, pk: int) -> Response:
        sync = asset_sync_get(pk=pk)
        _instance(request, sync.instance_id, Action.MANAGE_ASSETS)
        if sync.status != AssetSync.Status.PAUSED:
            raise NotPaused(f"Only a paused sync can be resumed; this one is {sync.status}.")
        sync = job_resume(sync, actor=request.user, audit=AuditContext.from_request(request))
        return Response(AssetSyncSerializer(sync).data, status=status.HTTP_202_ACCEPTED)


def _action_view(kind: str, request_serializer=None):
    @extend_schema(
        tags=["assets"],
        summary=f"{AssetAction.Kind(kind).label} (queued as an interactive call)",
        request=request_serializer,
        responses={202: AssetActionSerializer},
    )
    class ActionView(APIView):
        def post(self, request: Request, pk: int, asset_type: str, marketo_id: int) -> Response:
            instance = _instance(request, pk, ASSET_ACTIONS[kind])
            asset = asset_get(instance=instance, asset_type=asset_type, marketo_id=marketo_id)
            extra = {}
            if request_serializer is not None:
                body = request_serializer(data=request.data)
                body.is_valid(raise_exception=True)
                extra = {
                    "clone_name": body.validated_data["name"],
                    "clone_folder": folder_get(
                        instance=instance,
                        kind=body.validated_data["folder_kind"],
                        marketo_id=body.validated_data["folder"],
                    ),
                }
            try:
                action = asset_action_start(asset=asset, kind=kind, user=request.user, **extra)
            except ActionNotAllowed as refused:
                raise serializers.ValidationError({"non_field_errors": [str(refused)]}) from None
            return Response(AssetActionSerializer(action).data, status=status.HTTP_202_ACCEPTED)

    ActionView.__name__ = f"Asset{kind.title()}View"
    return ActionView


AssetRefreshView = _action_view("refresh")
AssetApproveView = _action_view("approve")
AssetUnapproveView = _action_view("unapprove")
AssetCloneView = _action_view("clone", CloneRequestSerializer)


@extend_schema(tags=["assets"], summary="An action on an asset and Marketo's answer")
class AssetActionDetailView(generics.RetrieveAPIView):
    serializer_class = AssetActionSerializer
    queryset = AssetAction.objects.none()

    def get_object(self):
        action = get_object_or_404(AssetAction, pk=self.kwargs["pk"])
        _instance(self.request, action.instance_id)
        return action
