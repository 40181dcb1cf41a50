from django.urls import path

from apps.integrations import views

urlpatterns = [
    path("instances/<int:pk>/api-users/", views.api_users_view, name="integrations_api_users"),
    path(
        "instances/<int:pk>/api-users/read/",
        views.user_sync_start_view,
        name="integrations_user_sync_start",
    ),
]
