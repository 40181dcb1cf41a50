from django.urls import path

from apps.usage import views

urlpatterns = [
    path("", views.usage_home_view, name="usage_home"),
    path("instances/<int:pk>/", views.usage_overview_view, name="usage_overview"),
    path("instances/<int:pk>/users/", views.usage_users_view, name="usage_users"),
    path(
        "instances/<int:pk>/users/<str:api_user>/",
        views.usage_user_detail_view,
        name="usage_user_detail",
    ),
    path("instances/<int:pk>/errors/", views.usage_errors_view, name="usage_errors"),
    path("instances/<int:pk>/calls/", views.usage_calls_view, name="usage_calls"),
    path("instances/<int:pk>/sync/", views.usage_sync_start_view, name="usage_sync_start"),
    path(
        "instances/<int:pk>/syncs/<int:sync_pk>/resume/",
        views.usage_sync_resume_view,
        name="usage_sync_resume",
    ),
]
