from django.urls import path

from apps.assets import views

TYPE = "<slug:asset_type>/<int:marketo_id>"
FOLDER = "<slug:kind>/<int:marketo_id>"

urlpatterns = [
    path("", views.assets_home_view, name="assets_home"),
    path("<int:instance_id>/", views.assets_browse_view, name="assets_browse"),
    path("<int:instance_id>/export.csv", views.assets_export_view, name="assets_export"),
    path(f"<int:instance_id>/folder/{FOLDER}/", views.assets_folder_view, name="assets_folder"),
    path(
        f"<int:instance_id>/folder/{FOLDER}/export.csv",
        views.assets_folder_export_view,
        name="assets_folder_export",
    ),
    path(f"<int:instance_id>/tree/{FOLDER}/", views.assets_tree_view, name="assets_tree"),
    path(f"<int:instance_id>/asset/{TYPE}/", views.assets_detail_view, name="assets_detail"),
    path(
        f"<int:instance_id>/asset/{TYPE}/<slug:kind>/",
        views.assets_action_view,
        name="assets_action",
    ),
    path(
        "<int:instance_id>/actions/<int:pk>/",
        views.assets_action_status_view,
        name="assets_action_status",
    ),
    path("<int:instance_id>/syncs/", views.assets_sync_start_view, name="assets_sync_start"),
    path(
        "<int:instance_id>/syncs/<int:pk>/",
        views.assets_sync_status_view,
        name="assets_sync_status",
    ),
    path(
        "<int:instance_id>/syncs/<int:pk>/resume/",
        views.assets_sync_resume_view,
        name="assets_sync_resume",
    ),
]
