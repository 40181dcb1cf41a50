from django.urls import path

from apps.integrations import api

urlpatterns = [
    path("instances/<int:pk>/api-users/", api.ApiUserListView.as_view(), name="api_api_users"),
    path(
        "instances/<int:pk>/integrations/",
        api.InstanceIntegrationListView.as_view(),
        name="api_instance_integrations",
    ),
]
