from django.urls import path

from apps.integrations import views

urlpatterns = [
    path("", views.integration_list_view, name="integrations_home"),
    path("new/", views.integration_create_view, name="integrations_create"),
    path("assign/", views.api_user_assign_view, name="integrations_assign"),
    path("<int:pk>/", views.integration_detail_view, name="integrations_detail"),
    path("<int:pk>/edit/", views.integration_edit_view, name="integrations_edit"),
    path("<int:pk>/delete/", views.integration_delete_view, name="integrations_delete"),
    path("<int:pk>/api-users/", views.api_user_map_view, name="integrations_map"),
    path(
        "<int:pk>/api-users/<int:mapping_pk>/remove/",
        views.api_user_unmap_view,
        name="integrations_unmap",
    ),
    path("instances/<int:pk>/api-users/", views.api_users_view, name="integrations_api_users"),
    path(
        "instances/<int:pk>/api-users/read/",
        views.user_sync_start_view,
        name="integrations_user_sync_start",
    ),
    path(
        "instances/<int:pk>/usage/",
        views.usage_by_integration_view,
        name="integrations_usage",
    ),
]
