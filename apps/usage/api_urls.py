from django.urls import path

from apps.usage import api

urlpatterns = [
    path("instances/<int:pk>/usage/", api.UsageView.as_view(), name="api_usage"),
    path("instances/<int:pk>/errors/", api.ErrorsView.as_view(), name="api_usage_errors"),
    path("instances/<int:pk>/quota/", api.QuotaView.as_view(), name="api_quota"),
    path("instances/<int:pk>/calls/", api.CallsView.as_view(), name="api_calls"),
    path(
        "instances/<int:pk>/usage-syncs/", api.UsageSyncListView.as_view(), name="api_usage_syncs"
    ),
    path(
        "usage-syncs/<int:pk>/resume/",
        api.UsageSyncResumeView.as_view(),
        name="api_usage_sync_resume",
    ),
]
