from django.urls import path

from apps.assets import api

ASSET = "instances/<int:pk>/assets/<slug:asset_type>/<int:marketo_id>/"

urlpatterns = [
    path("instances/<int:pk>/folders/", api.FolderListView.as_view(), name="api_asset_folders"),
    path("instances/<int:pk>/assets/", api.AssetListView.as_view(), name="api_asset_list"),
    path(ASSET, api.AssetDetailView.as_view(), name="api_asset_detail"),
    path(f"{ASSET}refresh/", api.AssetRefreshView.as_view(), name="api_asset_refresh"),
    path(f"{ASSET}approve/", api.AssetApproveView.as_view(), name="api_asset_approve"),
    path(f"{ASSET}unapprove/", api.AssetUnapproveView.as_view(), name="api_asset_unapprove"),
    path(f"{ASSET}clone/", api.AssetCloneView.as_view(), name="api_asset_clone"),
    path(
        "instances/<int:pk>/asset-syncs/",
        api.AssetSyncStartView.as_view(),
        name="api_asset_sync_start",
    ),
    path("asset-syncs/<int:pk>/", api.AssetSyncDetailView.as_view(), name="api_asset_sync"),
    path(
        "asset-syncs/<int:pk>/resume/",
        api.AssetSyncResumeView.as_view(),
        name="api_asset_sync_resume",
    ),
    path("asset-actions/<int:pk>/", api.AssetActionDetailView.as_view(), name="api_asset_action"),
]
